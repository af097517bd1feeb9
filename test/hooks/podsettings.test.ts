import t from 'tap';
import { groupKey, GATI_VERSION } from '../../src/api/kinds.js';
import { HOOKS } from '../helpers/hooks.js';
import { handler, syncRequest, withSpec } from '../helpers/builders.js';
import { validateKube } from '../helpers/golden.js';

const NOW = { now: new Date('2026-01-01T00:00:00Z') };

function gativersion(name: string, spec: Record<string, unknown>): any {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiVersion',
    metadata: { name, namespace: 'shop', labels: { 'gati.dev/handler': 'orders' } },
    spec: { handlerRef: { name: 'orders' }, ...spec },
  };
}

/** The app container and pod annotations of each versionId's Deployment after one sync. */
function pods(
  parent: any,
  versions: any[],
): Map<string, { env: any[]; envFrom?: any[]; annotations: any }> {
  const req = syncRequest('gatihandler', parent);
  req.related = {
    [groupKey(GATI_VERSION)]: Object.fromEntries(
      versions.map((v) => [`shop/${v.metadata.name}`, v]),
    ),
  };
  const res = HOOKS.gatihandler.sync(req, NOW);
  const out = new Map();
  for (const c of res.children as any[]) {
    if (c.kind !== 'Deployment') continue;
    validateKube(c);
    const tpl = c.spec.template;
    out.set(c.metadata.annotations['gati.dev/version-id'], {
      env: tpl.spec.containers[0].env.slice(3),
      envFrom: tpl.spec.containers[0].envFrom,
      annotations: tpl.metadata.annotations,
    });
  }
  return out;
}

t.test(
  "a GatiVersion's env, envFrom and podAnnotations reach its own version's pods",
  async (t) => {
    const parent = handler(
      withSpec({
        env: [
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'FEATURE', value: 'off' },
        ],
        envFrom: [{ secretRef: { name: 'orders-common' } }],
        podAnnotations: { team: 'orders' },
      }),
    );
    const got = pods(parent, [
      gativersion('orders-v1', {
        versionId: 'v1',
        env: [{ name: 'FEATURE', value: 'on' }],
        podAnnotations: { canary: 'false' },
      }),
      gativersion('orders-v0', {
        versionId: 'v0',
        image: 'registry.example.com/orders:0',
        envFrom: [{ secretRef: { name: 'orders-v0-legacy' } }],
      }),
    ]);
    t.same(
      got.get('v1')?.env,
      [
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'FEATURE', value: 'on' },
      ],
      "spec.version: its GatiVersion's env wins by name, in place",
    );
    t.same(got.get('v1')?.annotations, {
      canary: 'false',
      'gati.dev/version-id': 'v1',
      team: 'orders',
    });
    t.same(
      got.get('v0')?.env,
      [
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'FEATURE', value: 'off' },
      ],
      "v0 keeps the handler's env",
    );
    t.same(
      got.get('v0')?.envFrom,
      [{ secretRef: { name: 'orders-common' } }, { secretRef: { name: 'orders-v0-legacy' } }],
      "v0's source follows the handler's",
    );
    t.same(
      got.get('v0')?.annotations,
      { 'gati.dev/version-id': 'v0', team: 'orders' },
      'no leak from v1',
    );
  },
);
