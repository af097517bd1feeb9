// Shared by the server tests (tap reports this file as "no tests found").
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyUnderPressureOptions } from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import type {
  DecoratorRequest,
  KubeObject,
  SyncRequest,
  SyncResponse,
} from '../../src/api/metacontroller.js';
import { loadConfig, type Config } from '../../src/server/config.js';
import { buildApp, type AppOptions } from '../../src/server/app.js';
import type { DecoratorHook, HookRegistry, SyncHook } from '../../src/hooks/types.js';
import { canonical } from '../../src/kube/canonical.js';

/** A log sink that keeps every JSON line pino writes. */
export function logSink(): {
  stream: Writable;
  lines: Array<Record<string, unknown>>;
  text: () => string;
} {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    text: () => raw.join(''),
    get lines() {
      return raw
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

/**
 * Overload switched by hand, through under-pressure's own external health check (polled every
 * 2 ms): `await pressure.set(app, reason)` turns it on, `set(app, undefined)` off, and returns
 * once the plugin has seen it.
 */
export function manualPressure(): FastifyUnderPressureOptions & {
  reason: string | undefined;
  set(app: FastifyInstance, reason: string | undefined): Promise<void>;
} {
  const p = {
    reason: undefined as string | undefined,
    healthCheckInterval: 2,
    healthCheck: async () => p.reason === undefined,
    async set(app: FastifyInstance, reason: string | undefined) {
      p.reason = reason;
      await app.ready();
      for (let i = 0; app.isUnderPressure() !== (reason !== undefined); i++) {
        if (i > 1000) throw new Error('under-pressure never saw the switch');
        await sleep(2);
      }
    },
  };
  return p;
}

/**
 * fakeSync answers one desired Deployment per observed one and echoes the parent's
 * spec.versions (and spec.rollout) as status; canonical, as the server expects of every hook.
 */
export const fakeSync: SyncHook = (req) => {
  const observed = Object.values(req.children?.['Deployment.apps/v1'] ?? {});
  const spec = (req.parent.spec ?? {}) as { versions?: unknown[]; rollout?: unknown };
  return canonical({
    status: {
      observedDeployments: observed.length,
      versions: spec.versions ?? [],
      rollout: spec.rollout,
    },
    children: observed.map((d) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: d.metadata.name, labels: { app: 'p' } },
      spec: { replicas: 1 },
    })),
  });
};

/** fakeHooks is a small registry: every controller syncs with fakeSync; only some have finalize/customize. */
export function fakeHooks(over: Partial<HookRegistry> = {}): HookRegistry {
  const finalize: SyncHook = (req) =>
    canonical({ ...fakeSync(req, { now: new Date(0) }), children: [], finalized: true });
  return {
    gatihandler: {
      sync: fakeSync,
      finalize,
      customize: () => ({
        relatedResources: [{ apiVersion: 'gati.dev/v1alpha1', resource: 'gativersions' }],
      }),
    },
    gatimodule: { sync: fakeSync },
    gativersion: {
      sync: fakeDecorate,
      finalize: (req, ctx) => ({ ...fakeDecorate(req, ctx), finalized: true }),
    },
    ...over,
  };
}

/** fakeDecorate is the GatiVersion controller's fake: a DecoratorController answer echoing the object's spec. */
const fakeDecorate: DecoratorHook = (req) =>
  canonical({ status: { spec: req.object.spec ?? {} }, attachments: [] });

/** config with test-friendly overrides on top of the defaults. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'info', ...env });
}

/** makeApp builds an app with fake hooks, a captured log and overload switched by hand; closed at teardown. */
export function makeApp(
  t: Test,
  over: Partial<AppOptions> & { env?: Record<string, string> } = {},
) {
  const sink = logSink();
  const pressure = manualPressure();
  const { env, ...rest } = over;
  const app = buildApp({
    config: testConfig(env),
    hooks: fakeHooks(),
    logStream: sink.stream,
    pressure,
    clock: () => new Date('2030-01-01T00:00:00Z'),
    ...rest,
  });
  t.teardown(() => app.close());
  return { app, sink, pressure };
}

/** parent is a namespaced GatiHandler-like parent. */
export function parent(extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name: 'p', namespace: 'ns1', uid: 'u-1' },
    spec: {},
    ...extra,
  };
}

/** syncRequest builds a sync request with `n` observed Deployments. */
export function syncRequest(n = 0, p: KubeObject = parent()): SyncRequest {
  const deployments: Record<string, KubeObject> = {};
  for (let i = 0; i < n; i++) deployments[`ns1/d-${i}`] = deployment(`d-${i}`);
  return {
    controller: {},
    parent: p,
    children: { 'Deployment.apps/v1': deployments },
    related: {},
    finalizing: false,
  };
}

/** decoratorRequest is a well-formed GatiVersion (DecoratorController) request. */
export function decoratorRequest(p: KubeObject = parent()): DecoratorRequest {
  return { controller: {}, object: p, attachments: {}, related: {}, finalizing: false };
}

/** deployment is an observed Deployment as the apiserver stores it, managedFields included (~10 KiB). */
function deployment(name: string): KubeObject {
  const fieldsV1: Record<string, unknown> = {};
  for (let i = 0; i < 50; i++)
    fieldsV1[`f:field-${i}`] = {
      '.': {},
      'f:name': {},
      'f:value': {},
      'f:valueFrom': { 'f:secretKeyRef': { 'f:key': {}, 'f:name': {} } },
    };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'ns1',
      uid: `uid-${name}`,
      resourceVersion: '12345',
      labels: { app: 'p' },
      annotations: {
        'metacontroller.k8s.io/last-applied-configuration': JSON.stringify({
          metadata: { name },
          spec: { replicas: 1 },
        }),
      },
      managedFields: [
        {
          manager: 'metacontroller',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2030-01-01T00:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': fieldsV1 },
        },
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'apps/v1',
          subresource: 'status',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:status': fieldsV1 },
        },
      ],
    },
    spec: { replicas: 1, selector: { matchLabels: { app: 'p' } } },
    status: { readyReplicas: 1, availableReplicas: 1 },
  };
}

/** post sends a JSON hook call through inject. */
export function post(
  app: ReturnType<typeof buildApp>,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return app.inject({
    method: 'POST',
    url,
    payload: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export type { SyncResponse };
