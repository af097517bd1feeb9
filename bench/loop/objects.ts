/** What the loop benchmark applies, and when one of its handlers counts as converged. */
import type { Obj } from '../../test/e2e/lib/api.js';
import { routeWeights, isTrue, observedLatest } from '../../test/e2e/lib/read.js';
import { routeName } from '../../src/resources/names.js';

const GATEWAY = [{ name: 'public', namespace: 'gateways' }];

/** The policy every handler names with --policy (#24): a realistic one, steps to notifications. */
function benchPolicy(namespace: string): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiRolloutPolicy',
    metadata: { name: 'app', namespace },
    spec: {
      steps: [
        { weight: 10, pauseSeconds: 300 },
        { weight: 50, pauseSeconds: 600 },
      ],
      analysis: {
        intervalSeconds: 30,
        metrics: [
          {
            name: 'errors',
            query:
              'sum(rate(http_requests_total{service="{{service}}",code=~"5.."}[2m])) / sum(rate(http_requests_total{service="{{service}}"}[2m]))',
            baseline: { maxRatio: 1.5, maxIncrease: 0.01 },
          },
        ],
      },
      webhooks: [{ name: 'smoke', type: 'pre-rollout', url: 'http://smoke.example/run' }],
      notifications: [{ name: 'chat', type: 'slack', url: 'https://chat.example/hook' }],
    },
  };
}

/**
 * n handlers `<prefix>-<i>` at v2, each with GatiVersions v1 and v2 at routingWeight 50; with
 * `policy`, one GatiRolloutPolicy first and every handler naming it.
 */
export function handlerObjects(namespace: string, n: number, prefix = 'h', policy = false): Obj[] {
  const out: Obj[] = policy ? [benchPolicy(namespace)] : [];
  for (let i = 0; i < n; i++) {
    const name = `${prefix}-${String(i).padStart(3, '0')}`;
    out.push({
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiHandler',
      metadata: { name, namespace },
      spec: {
        handlerPath: `/api/${name}`,
        version: 'v2',
        image: 'registry.example/bench:v2',
        replicas: 1,
        routing: { parentRefs: GATEWAY },
        ...(policy ? { rollout: { policyRef: { name: 'app' } } } : {}),
      },
    });
    for (const v of ['v1', 'v2'])
      out.push({
        apiVersion: 'gati.dev/v1alpha1',
        kind: 'GatiVersion',
        metadata: { name: `${name}-${v}`, namespace },
        spec: {
          versionId: v,
          image: `registry.example/bench:${v}`,
          routingWeight: 50,
          handlerRef: { name },
          // The bench measures convergence of a fresh install, not a stepped move (#23).
          rollout: 'Immediate',
        },
      });
  }
  return out;
}

/** Ready and routed: the handler Ready at its generation, route v1 50 / v2 50, both GatiVersions Ready. */
export function converged(
  name: string,
  state: { handlers: Map<string, Obj>; routes: Map<string, Obj>; versions: Map<string, Obj> },
): boolean {
  const h = state.handlers.get(name);
  if (!h || !isTrue(h, 'Ready') || !observedLatest(h)) return false;
  const w = routeWeights(state.routes.get(routeName(name)), name, ['v1', 'v2']);
  if (w.v1 !== 50 || w.v2 !== 50) return false;
  return ['v1', 'v2'].every((v) => isTrue(state.versions.get(`${name}-${v}`), 'Ready'));
}
