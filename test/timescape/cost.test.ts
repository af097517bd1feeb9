import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { versionChildren } from '../../src/resources/handler.js';
import { ROOT } from '../helpers/fixtures.js';
import { Driver, spec } from './lib.js';

// The README's cost table, computed by the planner: a handler with replicas 10 and five live
// versions — v1 at 90 %, v2 at 10 %, v3, v4, v5 pinned only — under Full and Proportional.

const PINNED = ['v3', 'v4', 'v5'];

/** podsOf: each version's pods (or its autoscaler's minimum) once the five serve. */
function podsOf(t: Test, scaling: 'Full' | 'Proportional', autoscaling?: Record<string, unknown>) {
  const sp = spec('v1', {
    scaling,
    replicas: 10,
    timescape: { routingWeight: 90 },
    ...(autoscaling ? { autoscaling } : {}),
  });
  const d = new Driver();
  d.gv('users-v2', { versionId: 'v2', routingWeight: 10 });
  for (const id of PINNED) d.gv(`users-${id}`, { versionId: id, breaking: true });
  for (const s of [0, 1, 2]) d.sync(s, sp);
  const handler = { metadata: { name: 'users', namespace: 'shop' }, spec: sp };
  const pods = (id: string) => {
    const w = d.plan!.versions.find((v) => v.status.versionId === id)!.workload!;
    const kids = versionChildren(handler, w);
    const hpa = kids.find((k) => k.kind === 'HorizontalPodAutoscaler');
    if (hpa) return (hpa.spec as { minReplicas: number }).minReplicas;
    return (kids.find((k) => k.kind === 'Deployment')!.spec as { replicas: number }).replicas;
  };
  t.same(
    Object.fromEntries(['v1', 'v2'].map((id) => [id, d.version(id)?.trafficPercent])),
    { v1: 90, v2: 10 },
    `${scaling}: v1 at 90 %, v2 at 10 %`,
  );
  t.ok(
    PINNED.every((id) => d.version(id)?.reason === 'PinnedOnly'),
    `${scaling}: three pinned only`,
  );
  return ['v1', 'v2', ...PINNED].map(pods);
}

/** The README row of a mode: its cells after the first. */
function readmeRow(mode: string): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const line = readme.split('\n').find((l) => l.startsWith(`| \`${mode}\``));
  if (!line) throw new Error(`README.md has no cost row for ${mode}`);
  return line
    .split('|')
    .slice(2, -1)
    .map((c) => c.trim());
}

const asRow = (p: number[]) => [
  String(p[0]),
  String(p[1]),
  p.slice(2).join(' + '),
  String(p.reduce((a, b) => a + b, 0)),
];

for (const mode of ['Full', 'Proportional'] as const) {
  t.test(`README cost table: ${mode}`, async (t) => {
    const fixed = podsOf(t, mode);
    t.same(readmeRow(mode), asRow(fixed), 'replicas 10: the README says what the planner does');
    const hpa = podsOf(t, mode, { mode: 'hpa', minReplicas: 10, maxReplicas: 30 });
    t.same(hpa, fixed, 'minReplicas 10: the same numbers as autoscaler minimums');
  });
}
