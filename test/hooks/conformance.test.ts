import t, { type Test } from 'tap';
import fc from 'fast-check';
import { makeHTTPRoute } from '../../src/resources/httproute.js';
import { HOOKS } from '../helpers/hooks.js';
import { CONTROLLERS } from '../../src/hooks/controllers.js';
import { canonical, toJson } from '../../src/kube/canonical.js';
import { validateHandlerSpec, validateModuleSpec } from '../../src/api/index.js';
import { makeApexService, moduleChildren, versionChildren } from '../../src/resources/index.js';
import {
  asStored,
  deploymentStatus,
  handler,
  module,
  syncRequest,
  withSpec,
  type Option,
} from '../helpers/builders.js';
import { findNull, validateKube } from '../helpers/golden.js';

// Conformance cases of the Metacontroller hook contract (§5) for both workload controllers.

const NOW = { now: new Date('2026-01-01T00:00:00Z') };
const SYSTEM = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'ownerReferences',
  'selfLink',
  'deletionTimestamp',
];

interface Case {
  controller: 'gatihandler' | 'gatimodule';
  parent: (...o: Option[]) => any;
  /**
   * The children the builders make for this parent (hook tests build expectations with
   * builders); `available`: its Deployment is observed Available, so a handler also routes.
   */
  expected: (parent: any, available?: boolean) => any[];
  invalid: Option;
}

const CASES: Case[] = [
  {
    controller: 'gatihandler',
    parent: handler,
    expected: (p, available = false) => {
      const v = validateHandlerSpec(p.spec);
      if (!v.ok) throw new Error('fixture invalid');
      const h = { metadata: p.metadata, spec: v.value };
      const route =
        available && v.value.routing?.provider !== 'none'
          ? makeHTTPRoute(h, [{ versionId: v.value.version, pin: true, weight: 100 }])
          : undefined;
      return canonical([
        ...versionChildren(h, {
          versionId: v.value.version,
          image: v.value.image,
          replicas: v.value.replicas,
          state: 'serve',
        }),
        makeApexService(h),
        ...(route ? [route] : []),
      ]);
    },
    invalid: withSpec({ port: 70000 }),
  },
  {
    controller: 'gatimodule',
    parent: module,
    expected: (p) => {
      const v = validateModuleSpec(p.spec);
      if (!v.ok) throw new Error('fixture invalid');
      return canonical(moduleChildren({ metadata: p.metadata, spec: v.value }));
    },
    invalid: withSpec({ port: 70000 }),
  },
];

function checkHygiene(t: Test, children: any[], why: string): void {
  for (const c of children) {
    t.doesNotThrow(() => validateKube(c), `${why}: ${c.kind} validates upstream`);
    t.notOk(c.status, `${why}: ${c.kind} has no status`);
    for (const k of SYSTEM) t.notOk(k in c.metadata, `${why}: ${c.kind} has no metadata.${k}`);
  }
}

function checkTopLevel(t: Test, res: object, why: string): void {
  t.ok(
    Object.keys(res).every((k) =>
      ['status', 'children', 'resyncAfterSeconds', 'finalized'].includes(k),
    ),
    `${why}: top-level keys ⊆ the contract’s (C18)`,
  );
  t.not(
    (res as { finalized?: boolean }).finalized,
    true,
    `${why}: finalized never true from sync (C16)`,
  );
  const resync = (res as { resyncAfterSeconds?: unknown }).resyncAfterSeconds;
  t.ok(
    resync === undefined || (typeof resync === 'number' && resync >= 0),
    `${why}: resyncAfterSeconds absent or a non-negative number (C19)`,
  );
}

for (const c of CASES) {
  const sync = HOOKS[c.controller].sync;
  const stored = (p: any, v: 'v1' | 'v2' = 'v1') =>
    syncRequest(
      c.controller,
      p,
      c
        .expected(p)
        .map((o, i) =>
          asStored(o, o.kind === 'Deployment' ? deploymentStatus(o.spec.replicas ?? 1) : {}, i),
        ),
      v,
    );

  t.test(`${c.controller}`, async (t) => {
    t.test(
      'C1: new parent, empty groups → the builders’ children and an observed-state status',
      async (t) => {
        const p = c.parent();
        const res = sync(syncRequest(c.controller, p), NOW);
        t.same(res.children, c.expected(p), 'children are exactly what the builders make');
        checkHygiene(t, res.children, 'C1');
        t.match(
          res.status,
          { phase: 'Pending', replicas: 0, readyReplicas: 0 },
          'status reflects nothing observed yet',
        );
        t.ok(
          res.children.every((o: any) => o.metadata.namespace === p.metadata.namespace),
          'every child names its namespace',
        );
        checkTopLevel(t, res, 'C1');
      },
    );

    t.test('C2: the same request twice → byte-identical responses', async (t) => {
      const p = c.parent();
      t.equal(
        toJson(sync(syncRequest(c.controller, p), { now: new Date(NOW.now) })),
        toJson(sync(syncRequest(c.controller, p), { now: new Date(NOW.now) })),
      );
      const ready = stored(p);
      const first = sync(ready, NOW);
      const again = sync(
        { ...ready, parent: { ...p, status: first.status } },
        { now: new Date('2026-02-01T00:00:00Z') },
      );
      t.equal(
        toJson(again),
        toJson(first),
        'a later sync with the status it wrote is byte-identical (no timestamp churn)',
      );
    });

    t.test(
      'C3: stored children (uid, managedFields, defaults, status) change nothing but status',
      async (t) => {
        const p = c.parent();
        const res = sync(stored(p), NOW);
        t.same(
          res.children,
          c.expected(p, true),
          'same children as C1 (a handler now also routes)',
        );
        const text = JSON.stringify(res.children);
        for (const echo of [
          'child-uid',
          'managedFields',
          'last-applied-configuration',
          'clusterIP',
          'resourceVersion',
          'ownerReferences',
        ])
          t.notOk(text.includes(echo), `nothing echoed: ${echo}`);
        t.match(
          res.status,
          { phase: 'Running', readyReplicas: p.spec.replicas, availableReplicas: p.spec.replicas },
          'status computed from the observed Deployment',
        );
        t.match(
          res.status.conditions,
          [
            { type: 'Available', status: 'True' },
            { type: 'Ready', status: 'True' },
          ],
          'Ready and Available',
        );
      },
    );

    t.test('C4: v2 keys `namespace/name` → same output as v1 keys', async (t) => {
      const p = c.parent();
      t.equal(toJson(sync(stored(p, 'v2'), NOW)), toJson(sync(stored(p, 'v1'), NOW)));
    });

    t.test('C5: children always carry an explicit namespace; `ns/name` keys parse', async (t) => {
      const p = c.parent();
      const res = sync(stored(p, 'v2'), NOW);
      t.ok(
        res.children.every((o: any) => o.metadata.namespace === 'shop'),
        'explicit metadata.namespace on every child',
      );
      t.equal(
        res.status.readyReplicas,
        p.spec.replicas,
        'observed objects under ns/name keys are found',
      );
    });

    t.test(
      'C6: a smaller spec lists only what remains; status still reports what is observed',
      async (t) => {
        const before = c.parent(withSpec({ replicas: 3 }));
        const req = stored(before);
        const after = c.parent(withSpec({ replicas: 1 }));
        const res = sync({ ...req, parent: after }, NOW);
        t.same(res.children, c.expected(after, true), 'desired children follow the new spec');
        t.equal(res.status.replicas, 3, 'status reports the 3 observed replicas');
        // (A handler's superseded version drains rather than vanishing: Timescape scenarios
        // cover that. Dropping the route provider drops the HTTPRoute outright.)
        const fewer =
          c.controller === 'gatihandler'
            ? withSpec({ routing: { provider: 'none' } })
            : withSpec({ capabilities: ['network'] });
        const shrunk = sync({ ...stored(c.parent()), parent: c.parent(fewer) }, NOW);
        t.same(
          shrunk.children,
          c.expected(c.parent(fewer), true),
          'children no longer wanted are omitted, so Metacontroller deletes them',
        );
      },
    );

    t.test('C7: a missing group or an unknown group is tolerated', async (t) => {
      const p = c.parent();
      const req = stored(p);
      const children: Record<string, any> = {
        ...req.children,
        'ConfigMap.v1': { x: { metadata: { name: 'x' } } },
        'Weird.v9': {},
      };
      delete children['Deployment.apps/v1'];
      const res = sync({ ...req, children }, NOW);
      t.same(res.children, c.expected(p), 'same children');
      // A group that is not a map of objects is a malformed request, not an unknown group.
      t.throws(() => sync({ ...req, children: { 'Weird.v9': 'not an object' as any } }, NOW), {
        code: 'GATI_ERR_BAD_REQUEST',
        message: /^children\.Weird\.v9: must be object/,
      });
      t.equal(res.status.phase, 'Pending', 'a missing Deployment group reads as no Deployment');
      t.same(sync({ parent: p }, NOW).children, c.expected(p), 'no children key at all');
    });

    t.test('C8: generateSelector — children need not carry controller-uid', async (t) => {
      const res = sync(syncRequest(c.controller, c.parent()), NOW);
      t.ok(
        res.children.every((o: any) => !('controller-uid' in (o.metadata.labels ?? {}))),
        'no controller-uid label emitted (Metacontroller adds it)',
      );
    });

    t.test(
      'C9: a parent being deleted (finalizing false) gets a normal full response',
      async (t) => {
        const p = c.parent((o) => void (o.metadata.deletionTimestamp = '2026-01-01T00:00:00Z'));
        const res = sync(stored(p), NOW);
        t.same(res.children, c.expected(c.parent(), true), 'full children');
        t.equal(res.status.phase, 'Running', 'full status');
        checkTopLevel(t, res, 'C9');
      },
    );

    t.test(
      'C10: an invalid spec → Ready=False/InvalidSpec and every existing child kept',
      async (t) => {
        const good = c.parent();
        const req = stored(good, 'v2');
        const res = sync({ ...req, parent: c.parent(c.invalid) }, NOW);
        t.match(res.status, { phase: 'Failed' }, 'phase Failed');
        t.match(res.status.conditions, [
          {
            type: 'Ready',
            status: 'False',
            reason: 'InvalidSpec',
            message: /spec\.port: must be at most 65535 \(got 70000\)/,
          },
          { type: 'Stalled', status: 'True', reason: 'InvalidSpec' },
        ]);
        t.same(
          res.children.map((o: any) => `${o.kind}/${o.metadata.name}`).sort(),
          c
            .expected(good)
            .map((o) => `${o.kind}/${o.metadata.name}`)
            .sort(),
          'the observed children are all re-emitted',
        );
        checkHygiene(t, res.children, 'C10');
        t.notOk(
          JSON.stringify(res.children).includes('last-applied-configuration'),
          'Metacontroller’s last-applied annotation is stripped',
        );
        t.equal(
          res.status.readyReplicas,
          good.spec.replicas,
          'counts still come from what is observed',
        );
        t.same(
          sync(syncRequest(c.controller, c.parent(c.invalid)), NOW).children,
          [],
          'nothing observed, nothing invented: an explicit []',
        );
      },
    );

    t.test(
      'C11: an internal error throws (the server answers 5xx), never a partial response',
      async (t) => {
        const path =
          c.controller === 'gatihandler'
            ? '../../src/resources/handler.js'
            : '../../src/resources/module.js';
        const boom = () => {
          throw new Error('boom');
        };
        const mocked = await t.mockImport<any>(`../../src/hooks/${c.controller}.js`, {
          [path]: { versionChildren: boom, makeApexService: boom, moduleChildren: boom },
        });
        const hooks = mocked.gatihandlerHooks ?? mocked.gatimoduleHooks;
        t.throws(() => hooks.sync(syncRequest(c.controller, c.parent()), NOW), /boom/);
      },
    );

    t.test('C12: a missing parent, metadata, name or spec throws a 400', async (t) => {
      const rows = [
        { reason: 'no parent', req: {} },
        { reason: 'no metadata', req: { parent: { spec: {} } } },
        { reason: 'no name', req: { parent: { metadata: {}, spec: {} } } },
        { reason: 'no spec', req: { parent: { metadata: { name: 'x' } } } },
      ];
      for (const r of rows)
        t.throws(
          () => sync(r.req as any, NOW),
          { code: 'GATI_ERR_BAD_REQUEST', statusCode: 400 },
          r.reason,
        );
    });

    t.test('C16/C18/C19: response shape in every state', async (t) => {
      const p = c.parent();
      for (const [why, req] of [
        ['new', syncRequest(c.controller, p)],
        ['stored', stored(p)],
        ['invalid', syncRequest(c.controller, c.parent(c.invalid))],
      ] as const)
        checkTopLevel(t, sync(req, NOW), why);
    });

    t.test('C22: desired-object hygiene over random parents', async (t) => {
      const name = fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,80}[a-z0-9])?$/);
      const version = fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9._:-]{0,40}[A-Za-z0-9])?$/);
      const autoscaling = fc.oneof(
        fc.constant(undefined),
        fc.constant({ mode: 'hpa', minReplicas: 1, maxReplicas: 5 }),
        fc.constant({
          mode: 'keda',
          minReplicas: 0,
          maxReplicas: 5,
          keda: { triggers: [{ type: 'cpu', metadata: { value: '50' } }] },
        }),
      );
      const caps = fc.subarray([
        'network',
        'storage',
        'logging',
        'network:egress',
        'filesystem:write',
      ]);
      const declared = new Set(
        CONTROLLERS[c.controller].children.map((k) => `${k.apiVersion}/${k.kind}`),
      );
      fc.assert(
        fc.property(
          name,
          version,
          fc.integer({ min: 0, max: 20 }),
          autoscaling,
          caps,
          (n, v, replicas, a, cs) => {
            const extra =
              c.controller === 'gatihandler'
                ? { version: v, replicas, autoscaling: a }
                : { replicas, autoscaling: a, capabilities: cs };
            const p = c.parent((o) => void (o.metadata.name = n), withSpec(extra));
            const res = sync(syncRequest(c.controller, p), NOW);
            const ids = res.children.map(
              (o: any) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`,
            );
            return (
              findNull(res) === undefined &&
              new Set(ids).size === ids.length &&
              res.children.every(
                (o: any) =>
                  declared.has(`${o.apiVersion}/${o.kind}`) &&
                  /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(o.metadata.name) &&
                  !('generateName' in o.metadata),
              ) &&
              toJson(res) === toJson(sync(syncRequest(c.controller, p), NOW))
            );
          },
        ),
        { numRuns: 200 },
      );
      t.pass('200 random parents: no null, no duplicate, declared kinds, DNS names, deterministic');
    });
  });
}
