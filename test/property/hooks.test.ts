import t from 'tap';
import fc from 'fast-check';
import { HOOKS } from '../helpers/hooks.js';
import { toJson } from '../../src/kube/canonical.js';
import { CONTROLLERS } from '../../src/hooks/controllers.js';
import type { DecoratorResponse, SyncResponse } from '../../src/api/metacontroller.js';
import { loadConfig } from '../../src/server/config.js';
import { buildApp } from '../../src/server/app.js';
import { NOW, NS, RUNS, handlerCase, moduleCase, versionCase, type Case } from './lib/cases.js';
import { findNull, validateKube } from '../helpers/golden.js';

// Properties of the pure hooks over generated valid parents and observed states, and of the
// server over generated invalid requests. Runs are few (each hook call is validated against
// the upstream schemas), but the seed changes every run; a failure prints it to replay.

/* ------------------------------------------------------------------ properties */

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** checkResponse asserts every property of one answer; throws (for fast-check) with the reason. */
function checkResponse(c: Case, answer: SyncResponse | DecoratorResponse): void {
  const res = { ...answer, children: 'children' in answer ? answer.children : answer.attachments };
  const hole = findNull(res);
  if (hole) throw new Error(`null or undefined at ${hole}`);
  const declared = new Set(
    CONTROLLERS[c.controller].children.map((k) => `${k.apiVersion}/${k.kind}`),
  );
  const seen = new Set<string>();
  for (const child of res.children) {
    const kind = `${child.apiVersion}/${child.kind}`;
    if (!declared.has(kind)) throw new Error(`undeclared child kind ${kind}`);
    const name = child.metadata?.name ?? '';
    if (name.length > 63 || !DNS1123.test(name))
      throw new Error(`${kind} name ${JSON.stringify(name)} is not a DNS-1123 label`);
    if (child.kind === 'Service' && !DNS1035.test(name))
      throw new Error(`Service name ${name} is not a DNS-1035 label`);
    const id = `${kind}/${name}`;
    if (seen.has(id)) throw new Error(`duplicate child ${id}`);
    seen.add(id);
    validateKube(child);
  }
}

function runHooks(c: Case): void {
  const hooks = HOOKS[c.controller] as unknown as Record<
    string,
    (r: unknown, ctx: { now: Date }) => SyncResponse | DecoratorResponse
  >;
  const fns = [hooks.sync!, ...(hooks.finalize ? [hooks.finalize] : [])];
  for (const fn of fns) {
    const first = fn(structuredClone(c.request), { now: NOW });
    checkResponse(c, first);
    // The server serialises the answer as it is, so it must already be canonical.
    if (JSON.stringify(first) !== toJson(first)) throw new Error('response is not canonical');
    const again = fn(structuredClone(c.request), { now: NOW });
    if (JSON.stringify(first) !== JSON.stringify(again))
      throw new Error('same request, different response');
  }
}

for (const [label, arb] of [
  ['GatiHandler', handlerCase],
  ['GatiModule', moduleCase],
  ['GatiVersion', versionCase],
] as const) {
  t.test(
    `${label} hooks: no throw, no null, canonical, deterministic, declared kinds, DNS names, no duplicates, valid objects`,
    async (t) => {
      let calls = 0;
      fc.assert(
        fc.property(arb, (c) => {
          runHooks(c);
          calls++;
        }),
        { numRuns: RUNS },
      );
      t.equal(calls, RUNS, `${RUNS} generated requests passed`);
    },
  );
}

t.test(
  'every generated handler spec is valid, so the properties above exercise real children',
  async (t) => {
    fc.assert(
      fc.property(handlerCase, (c) => {
        const res = HOOKS.gatihandler.sync(structuredClone(c.request), { now: NOW });
        const ready = (
          res.status.conditions as Array<{ type: string; reason: string }> | undefined
        )?.find((x) => x.type === 'Ready');
        if (ready?.reason === 'InvalidSpec')
          throw new Error(`generated an invalid spec: ${JSON.stringify(res.status.conditions)}`);
        if (!res.children.some((x) => x.kind === 'Deployment'))
          throw new Error('no Deployment emitted');
      }),
      { numRuns: RUNS },
    );
    t.pass('generated specs validate');
  },
);

/* ------------------------------------------------------------------ invalid input through the server */

/** Every hook route the server serves (from the registry, so a 404 never passes for a 4xx). */
const ROUTES = Object.entries(HOOKS).flatMap(([controller, hooks]) =>
  Object.keys(hooks).map((hook) => `/hooks/${controller}/${hook}`),
);

const badParent = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.string(),
  fc.array(fc.jsonValue(), { maxLength: 2 }),
  fc.record({
    metadata: fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.string(),
      fc.record({
        name: fc.oneof(fc.constant(''), fc.integer(), fc.constant(null), fc.array(fc.string())),
      }),
    ),
  }),
);

/** A parent whose spec is not an object: a malformed sync request for every controller (finalize of a GatiVersion tolerates it, so it can still be deleted). */
const speclessParent = fc.record({
  metadata: fc.constant({ name: 'p', namespace: NS }),
  spec: fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.integer(),
    fc.string(),
    fc.array(fc.integer()),
  ),
});

const validText = JSON.stringify({
  controller: {},
  parent: {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name: 'users', namespace: NS },
    spec: { handlerPath: '/a', version: 'v1', image: 'i' },
  },
  children: {},
  related: {},
});

/** Bodies no hook accepts: random JSON, a broken parent, truncated text. */
const invalidForAny = fc.oneof(
  fc.json().filter((s) => !s.includes('"parent"')),
  fc
    .record({ parent: badParent, children: fc.option(fc.jsonValue(), { nil: undefined }) })
    .map((o) => JSON.stringify(o)),
  fc.integer({ min: 1, max: validText.length - 1 }).map((n) => validText.slice(0, n)),
  fc.string().map((s) => `{${s}`),
);

/** Bodies only a sync or finalize hook refuses: `children` or `finalizing` of the wrong type (customize ignores them). */
const invalidForSync = fc.oneof(
  fc
    .record({
      parent: fc.constant({ metadata: { name: 'p' }, spec: {} }),
      children: fc.oneof(
        fc.integer(),
        fc.string(),
        fc.constant([1]),
        fc.constant({ 'Deployment.apps/v1': { d: { metadata: {} } } }),
      ),
    })
    .map((o) => JSON.stringify(o)),
  fc
    .record({
      parent: fc.constant({ metadata: { name: 'p' }, spec: {} }),
      finalizing: fc.oneof(fc.string(), fc.integer()),
    })
    .map((o) => JSON.stringify(o)),
);

const invalidCall = fc.oneof(
  fc.tuple(fc.constantFrom(...ROUTES), invalidForAny),
  fc.tuple(fc.constantFrom(...ROUTES.filter((r) => !r.endsWith('/customize'))), invalidForSync),
  fc.tuple(
    fc.constantFrom(
      ...ROUTES.filter((r) =>
        /^\/hooks\/(gatihandler|gatimodule)\/(sync|finalize)$|^\/hooks\/gativersion\/sync$/.test(r),
      ),
    ),
    speclessParent.map((parent) => JSON.stringify({ parent })),
  ),
);

t.test('invalid requests through the server: 4xx, never 200, never 5xx', async (t) => {
  const app = buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }) });
  t.teardown(() => app.close());
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(invalidCall, async ([url, payload]) => {
      const res = await app.inject({
        method: 'POST',
        url,
        payload,
        headers: { 'content-type': 'application/json' },
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode < 400 || res.statusCode >= 500)
        throw new Error(
          `${url} answered ${res.statusCode} to ${payload.slice(0, 200)}: ${res.body.slice(0, 300)}`,
        );
      const body = JSON.parse(res.body) as { error?: { code?: unknown } };
      if (typeof body.error?.code !== 'string' || !body.error.code.startsWith('GATI_ERR_'))
        throw new Error(`no coded error in ${res.body}`);
    }),
    { numRuns: 150 },
  );
  t.ok(
    [...statuses.keys()].every((s) => s >= 400 && s < 500),
    `statuses seen: ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  t.notOk(statuses.has(404), 'every call reached a hook route');
});
