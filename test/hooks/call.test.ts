import t from 'tap';
import { GatiError } from '../../src/api/errors.js';
import { callHook, assertChildren } from '../../src/hooks/call.js';
import { CONTROLLERS, withHooks } from '../../src/hooks/controllers.js';
import type { CompositeHooks } from '../../src/hooks/types.js';
import { handler, syncRequest } from '../helpers/builders.js';

// callHook is the one way a hook is called (server, CLI, static renderer, harness): its
// envelope check, its output checks and its canonical answer are tested here once.

const NOW = { now: new Date('2026-01-01T00:00:00Z') };

t.test('a malformed envelope is a 400 naming the field, before any hook runs', async (t) => {
  const rows = [
    { reason: 'not an object', body: [], match: /^request: must be a JSON object$/ },
    { reason: 'no parent', body: { children: {} }, match: /^parent: is required/ },
    {
      reason: 'no parent name',
      body: { parent: { metadata: { namespace: 'x' } } },
      match: /^parent\.metadata\.name: is required/,
    },
    {
      reason: 'finalizing is not coerced',
      body: { parent: { metadata: { name: 'a' }, spec: {} }, finalizing: 'yes' },
      match: /^finalizing: must be boolean \(got "yes"\)/,
    },
  ];
  for (const r of rows)
    t.throws(
      () => callHook('gatimodule', 'sync', r.body, NOW),
      { code: 'GATI_ERR_BAD_REQUEST', message: r.match },
      r.reason,
    );
});

t.test('answers are canonical: keys sorted, Kubernetes keys first, no undefined', async (t) => {
  const res = callHook('gatihandler', 'sync', syncRequest('gatihandler', handler()), NOW);
  const json = JSON.stringify(res);
  const again = JSON.stringify(
    callHook('gatihandler', 'sync', syncRequest('gatihandler', handler()), NOW),
  );
  t.equal(json, again, 'same request, same bytes');
  t.match(json, /^\{"children":\[\{"apiVersion":"apps\/v1","kind":"Deployment","metadata":/);
  t.notMatch(json, /null/);
});

t.test('a hook the controller lacks is a 404, not a crash', async (t) => {
  t.throws(() => callHook('gatimodule', 'finalize', {}, NOW), {
    code: 'GATI_ERR_NOT_FOUND',
    message: 'controller gatimodule has no finalize hook',
  });
});

t.test('output checks fail closed with a 500', async (t) => {
  const bad = (answer: unknown) => withHooks({ gatimodule: { sync: () => answer as never } });
  const request = syncRequest('gatimodule', { metadata: { name: 'm' }, spec: {} });
  const rows = [
    { reason: 'not an object', answer: null, match: /response is not an object/ },
    {
      reason: 'status not an object',
      answer: { status: [], children: [] },
      match: /status is not an object/,
    },
    {
      reason: 'children not a list',
      answer: { status: {}, children: {} },
      match: /children is not a list/,
    },
    {
      reason: 'finalized from sync',
      answer: { status: {}, children: [], finalized: true },
      match: /finalized: true from a sync hook/,
    },
    {
      reason: 'undeclared kind',
      answer: {
        status: {},
        children: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }],
      },
      match: /v1\/ConfigMap is not a child kind of gatimodule/,
    },
  ];
  for (const r of rows)
    t.throws(
      () => callHook('gatimodule', 'sync', request, NOW, bad(r.answer)),
      { code: 'GATI_ERR_INVALID_OUTPUT', message: r.match },
      r.reason,
    );
  const customize = withHooks({
    gatihandler: {
      ...(CONTROLLERS.gatihandler.hooks as CompositeHooks),
      customize: () => ({}) as never,
    },
  });
  t.throws(() => callHook('gatihandler', 'customize', request, NOW, customize), {
    code: 'GATI_ERR_INVALID_OUTPUT',
    message: /relatedResources is not a list/,
  });
});

t.test('assertChildren', async (t) => {
  const declared = CONTROLLERS.gatihandler.children;
  const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name } });
  t.doesNotThrow(() => assertChildren([svc('a'), svc('b')], declared, 'gatihandler'));
  const rows = [
    {
      reason: 'missing kind',
      children: [{ apiVersion: 'v1', metadata: { name: 'x' } }],
      match: /lacks/,
    },
    {
      reason: 'missing name',
      children: [{ apiVersion: 'v1', kind: 'Service', metadata: {} }],
      match: /lacks/,
    },
    {
      reason: 'NetworkPolicy is a module child, not a handler child',
      children: [
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x' } },
      ],
      match: /not a child kind of gatihandler/,
    },
    { reason: 'duplicate', children: [svc('a'), svc('a')], match: /duplicate v1\/Service\/\/a/ },
    { reason: 'null child', children: [null], match: /children\[0\] lacks/ },
  ];
  for (const r of rows) {
    try {
      assertChildren(r.children as never, declared, 'gatihandler');
      t.fail(r.reason);
    } catch (e) {
      t.ok(e instanceof GatiError && e.statusCode === 500, `${r.reason}: a 500`);
      t.match((e as Error).message, r.match, r.reason);
    }
  }
});
