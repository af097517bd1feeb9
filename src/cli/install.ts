import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseOptionsOnly, UsageError } from './usage.js';

// The generators load on demand: `serve` and `hook` start without them.
const installModule = () => import('../install/files.js');
const docsModule = () => import('../api/docs.js');

/** `-o, --output <path>`, the one option every generator takes. */
export const OUTPUT_OPTION = { output: { type: 'string', short: 'o' } } as const;

const MANIFESTS_USAGE =
  'gati-operator manifests [-o <repo root>] [--image <ref>]   (no -o: print operator.yaml)';

/** manifestsCommand writes controllers/, manifests/ and operator.yaml, or prints operator.yaml. */
export const manifestsCommand = {
  summary: 'write controllers/, manifests/ and operator.yaml (or print operator.yaml)',
  usage: MANIFESTS_USAGE,
  async run(args: string[]): Promise<number> {
    const { output: root, image } = parseOptionsOnly(args, {
      ...OUTPUT_OPTION,
      image: { type: 'string' },
    });
    if (root !== undefined && image !== undefined)
      throw new UsageError(
        '--image only applies to the printed operator.yaml; use kustomize images: for the tree',
      );
    const { operatorYaml, writeInstallFiles } = await installModule();
    if (root === undefined) {
      process.stdout.write(operatorYaml(image));
      return 0;
    }
    for (const path of writeInstallFiles(root)) process.stdout.write(`wrote ${path}\n`);
    return 0;
  },
};

const DOCS_USAGE = 'gati-operator docs [-o <file>]   (default: print docs/crds.md)';

/** docsCommand renders docs/crds.md from the schemas. */
export const docsCommand = {
  summary: 'write docs/crds.md (every field, default and validation) from src/api',
  usage: DOCS_USAGE,
  async run(args: string[]): Promise<number> {
    const file = parseOptionsOnly(args, OUTPUT_OPTION).output;
    const { crdsMarkdown } = await docsModule();
    if (file === undefined) {
      process.stdout.write(crdsMarkdown());
      return 0;
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, crdsMarkdown());
    process.stdout.write(`wrote ${file}\n`);
    return 0;
  },
};
