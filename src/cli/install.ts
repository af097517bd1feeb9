import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// The generators load on demand: `serve` and `hook` start without them.
const installModule = () => import('../install/files.js');
const docsModule = () => import('../api/docs.js');

/** optionValue returns the value after `names` in args, undefined when absent, or throws when the value is missing. */
function optionValue(args: string[], names: string[]): string | undefined {
  const i = args.findIndex((a) => names.includes(a));
  if (i === -1) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('-')) throw new CliUsageError(`${names[0]} needs a value`);
  return v;
}

/** CliUsageError is a command-line mistake; main() prints it with the usage (exit 2 via the message). */
export class CliUsageError extends Error {}

function fail(usage: string, err: unknown): number {
  if (!(err instanceof CliUsageError)) throw err;
  process.stderr.write(`gati-operator: ${err.message}\nUsage: ${usage}\n`);
  return 2;
}

const MANIFESTS_USAGE =
  'gati-operator manifests [-o <repo root>] [--image <ref>]   (no -o: print operator.yaml)';

/** manifestsCommand writes controllers/, manifests/ and operator.yaml, or prints operator.yaml. */
export const manifestsCommand = {
  summary: 'write controllers/, manifests/ and operator.yaml (or print operator.yaml)',
  usage: MANIFESTS_USAGE,
  async run(args: string[]): Promise<number> {
    try {
      const root = optionValue(args, ['-o', '--output']);
      const image = optionValue(args, ['--image']);
      if (root !== undefined && image !== undefined)
        throw new CliUsageError(
          '--image only applies to the printed operator.yaml; use kustomize images: for the tree',
        );
      const { operatorYaml, writeInstallFiles } = await installModule();
      if (root === undefined) {
        process.stdout.write(operatorYaml(image));
        return 0;
      }
      for (const path of writeInstallFiles(root)) process.stdout.write(`wrote ${path}\n`);
      return 0;
    } catch (err) {
      return fail(MANIFESTS_USAGE, err);
    }
  },
};

const DOCS_USAGE = 'gati-operator docs [-o <file>]   (default: print docs/crds.md)';

/** docsCommand renders docs/crds.md from the schemas. */
export const docsCommand = {
  summary: 'write docs/crds.md (every field, default and validation) from src/api',
  usage: DOCS_USAGE,
  async run(args: string[]): Promise<number> {
    try {
      const file = optionValue(args, ['-o', '--output']);
      const { crdsMarkdown } = await docsModule();
      if (file === undefined) {
        process.stdout.write(crdsMarkdown());
        return 0;
      }
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, crdsMarkdown());
      process.stdout.write(`wrote ${file}\n`);
      return 0;
    } catch (err) {
      return fail(DOCS_USAGE, err);
    }
  },
};
