import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** Repository root (tests run from anywhere). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A parsed YAML document with the file it came from. */
export interface Doc {
  file: string;
  index: number;
  object: Record<string, any>;
}

/** loadYamlDir parses every document of every .yaml file in a directory (sorted by name). */
export function loadYamlDir(dir: string): Doc[] {
  const abs = join(ROOT, dir);
  const out: Doc[] = [];
  for (const f of readdirSync(abs)
    .filter((n) => n.endsWith('.yaml'))
    .sort()) {
    parseAllDocuments(readFileSync(join(abs, f), 'utf8')).forEach((d, index) => {
      const object = d.toJS() as Record<string, any> | null;
      if (object) out.push({ file: `${dir}/${f}`, index, object });
    });
  }
  return out;
}

const isGati = (d: Doc): boolean => d.object.apiVersion === 'gati.dev/v1alpha1';

/** productionObjects: the Gati objects of examples/production/ (what the hooks read). */
export function productionObjects(): Doc[] {
  return loadYamlDir('examples/production').filter(isGati);
}

/** productionKubeObjects: the plain Kubernetes objects beside them (applied by the user). */
export function productionKubeObjects(): Doc[] {
  return loadYamlDir('examples/production').filter((d) => !isGati(d));
}

/** validObjects: the seed examples, the production example's Gati objects and the valid fixtures. */
export function validObjects(): Doc[] {
  return [
    ...loadYamlDir('examples'),
    ...productionObjects(),
    ...loadYamlDir('test/fixtures/valid'),
  ];
}

/** invalidObjects: fixtures each annotated with the field (and message) its error must name. */
export function invalidObjects(): Array<Doc & { field: string; message?: string }> {
  return loadYamlDir('test/fixtures/invalid').map((d) => {
    const a = d.object.metadata.annotations ?? {};
    return {
      ...d,
      field: a['test.gati.dev/expect-field'],
      message: a['test.gati.dev/expect-message'],
    };
  });
}
