/**
 * top prints the functions with the most self time (and their callers' totals) from a .cpuprofile.
 * `tsx bench/top.ts <file> [N] [filter]`: N rows per table (default 25 self, 40 total), and
 * only rows whose label contains `filter` (e.g. `src/` or `fastify`).
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}
const prof = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { nodes: Node[] };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n: Node) =>
  `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*\/work\/main\//, '')}:${n.callFrame.lineNumber + 1}`;
const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
for (const n of prof.nodes) {
  all += n.hitCount;
  self.set(label(n), (self.get(label(n)) ?? 0) + n.hitCount);
  const seen = new Set<string>();
  for (let cur: Node | undefined = n; cur; cur = byId.get(parent.get(cur.id) ?? -1)) {
    const l = label(cur);
    if (seen.has(l)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + n.hitCount);
  }
}
const pct = (v: number) => ((100 * v) / all).toFixed(1).padStart(5) + '%';
const rows = process.argv[3] ? Number(process.argv[3]) : undefined;
const filter = process.argv[4] ?? '';
const table = (m: Map<string, number>, n: number) =>
  [...m]
    .filter(([l]) => l.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .forEach(([l, v]) => console.log(pct(v), l));
console.log('self:');
table(self, rows ?? 25);
console.log('total:');
table(total, rows ?? 40);
