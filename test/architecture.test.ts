import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { LAYERS } from '../eslint.config.js';
import { ROOT } from './helpers/fixtures.js';

// The layers of src/ (eslint.config.js holds the one table): every import points down, and no
// two files import each other, however indirectly. This test is what CI runs; the eslint rule
// is the same table for the editor.

const SRC = join(ROOT, 'src');
const layers = LAYERS as Record<string, number>;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** importsOf lists the src files a file imports (relative specifiers only), types included. */
export function importsOf(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'/g)].map(
    (m) => m[1]!,
  );
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

/** folderOf is a src file's top folder ('' for src/index.ts). */
function folderOf(file: string): string {
  const rel = relative(SRC, file).split('/');
  return rel.length > 1 ? rel[0]! : '';
}

function rankOf(folder: string): number {
  return folder === '' ? Infinity : (layers[folder] ?? NaN);
}

const graph = new Map(files(SRC).map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]));

t.test('every folder of src/ has a layer', async (t) => {
  const folders = new Set([...graph.keys()].map(folderOf).filter((f) => f !== ''));
  t.same(
    [...folders].filter((f) => !(f in layers)),
    [],
    'folders without a layer',
  );
});

/** upward lists the imports that do not point down, as `from → to`. */
export function upward(g: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [from, tos] of g)
    for (const to of tos) {
      const a = folderOf(from);
      const b = folderOf(to);
      if (a !== b && !(rankOf(b) < rankOf(a)))
        out.push(`${relative(SRC, from)} → ${relative(SRC, to)}`);
    }
  return out.sort();
}

/** cycles lists one file cycle per strongly connected part of the graph (Tarjan). */
export function cycles(g: Map<string, string[]>): string[] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) !== idx.get(v)) return;
    const part: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      on.delete(w);
      part.push(relative(SRC, w));
    } while (w !== v);
    if (part.length > 1 || (g.get(v) ?? []).includes(v)) out.push(part.sort().join(' ↔ '));
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out.sort();
}

t.test('every import in src/ points down a layer or stays in its folder', async (t) => {
  t.same(upward(graph), []);
});

t.test('no file cycles in src/', async (t) => {
  t.same(cycles(graph), []);
});

t.test('the checks catch what they are for', async (t) => {
  const f = (p: string) => join(SRC, p);
  const bad = new Map([
    [f('resources/a.ts'), [f('hooks/b.ts')]],
    [f('hooks/b.ts'), [f('resources/a.ts')]],
    [f('server/c.ts'), [f('install/d.ts')]],
  ]);
  t.same(upward(bad), ['resources/a.ts → hooks/b.ts', 'server/c.ts → install/d.ts']);
  t.same(cycles(bad), ['hooks/b.ts ↔ resources/a.ts']);
  t.same(
    importsOf(
      f('x/y.ts'),
      "import type { A } from '../api/a.js';\nexport { b } from './b.js';\nimport x from 'yaml';",
    ),
    [f('api/a.ts'), f('x/b.ts')],
  );
});

t.test('no file in src/ is over 300 lines', async (t) => {
  const long = [...graph.keys()]
    .map((f) => ({ f: relative(SRC, f), n: readFileSync(f, 'utf8').split('\n').length }))
    .filter((x) => x.n > 300)
    .map((x) => `${x.f}: ${x.n}`);
  t.same(long, []);
});
