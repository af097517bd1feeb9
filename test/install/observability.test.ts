import t from 'tap';
import { Registry } from 'prom-client';
import type { TSchema } from '@sinclair/typebox';
import { GatiHandler } from '../../src/api/gatihandler.js';
import { dashboard, PANELS } from '../../src/install/dashboard.js';
import { kubeStateMetricNames, kubeStateMetricsConfig } from '../../src/install/observability.js';
import { createMetrics } from '../../src/server/metrics.js';

// The kube-state-metrics configuration reads fields that exist in the GatiHandler schema, and
// every dashboard query names only metrics the project exports: the hook server's own
// (prom-client, with histogram suffixes) and those the kube-state-metrics configuration makes.

async function serverMetricNames(): Promise<Set<string>> {
  const registry = new Registry();
  createMetrics(registry);
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram')
      for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
  }
  return names;
}

const PROMQL_WORDS = new Set(['sum', 'by', 'rate', 'increase', 'histogram_quantile', 'le']);

/** metricsOf lists the metric names a PromQL expression reads (identifiers before { or [). */
function metricsOf(expr: string): string[] {
  const found = [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\[)/g)].map((m) => m[1]!);
  return found.filter((n) => !PROMQL_WORDS.has(n));
}

/** schemaAt walks a TypeBox schema along a path (arrays step into their items). */
function schemaAt(schema: TSchema, path: string[]): TSchema | undefined {
  let s: TSchema | undefined = schema;
  for (const key of path) {
    while (s && (s as { type?: string }).type === 'array')
      s = (s as unknown as { items: TSchema }).items;
    s = (s as { properties?: Record<string, TSchema> } | undefined)?.properties?.[key];
    if (!s) return undefined;
  }
  return s;
}

t.test('every dashboard query reads only metrics the project exports', async (t) => {
  const exported = new Set([...(await serverMetricNames()), ...kubeStateMetricNames()]);
  const exprs = PANELS.flatMap((p) => p.targets.map((x) => x.expr));
  t.ok(exprs.length >= 8);
  for (const expr of exprs) {
    const names = metricsOf(expr);
    t.ok(names.length > 0, `reads a metric: ${expr}`);
    for (const n of names) t.ok(exported.has(n), `${n} is exported (${expr})`);
  }
  t.notOk(exported.has('gati_operator_versions'), 'no per-process versions gauge');
  const vars = (dashboard().templating as { list: Array<{ query?: { query?: string } }> }).list;
  for (const q of vars.flatMap((v) => (v.query?.query ? [v.query.query] : [])))
    for (const n of metricsOf(q)) t.ok(exported.has(n), `variable reads ${n}`);
  t.same(
    metricsOf('sum by (le) (rate(gati_operator_hook_duration_seconds_bucket[5m]))'),
    ['gati_operator_hook_duration_seconds_bucket'],
    'the reader of names itself',
  );
});

t.test('the kube-state-metrics configuration reads fields of the GatiHandler schema', async (t) => {
  const metrics = (
    kubeStateMetricsConfig().spec as {
      resources: Array<{ metrics: Array<{ name: string; each: Record<string, any> }> }>;
    }
  ).resources[0]!.metrics;
  for (const m of metrics) {
    const cfg = m.each.gauge ?? m.each.stateSet ?? m.each.info;
    const base: string[] = cfg.path;
    t.ok(schemaAt(GatiHandler, base), `${m.name}: ${base.join('.')} exists`);
    const relative = [cfg.valueFrom, ...Object.values(cfg.labelsFromPath ?? {})].filter(Boolean);
    for (const rel of relative as string[][])
      t.ok(
        schemaAt(GatiHandler, [...base, ...rel]),
        `${m.name}: ${[...base, ...rel].join('.')} exists`,
      );
  }
  t.ok(
    kubeStateMetricNames().every((n) => /^gati_handler_[a-z_]+$/.test(n)),
    'names are gati_handler_*',
  );
});
