import t from 'tap';
import { HTTP_ROUTE, SCALED_OBJECT } from '../../src/api/kinds.js';
import type { ChildObject } from '../../src/api/metacontroller.js';
import { controllerNameOf, keepDeclared } from '../../src/kube/declared.js';

const child = (apiVersion: string, kind: string, name = 'x'): ChildObject =>
  ({ apiVersion, kind, metadata: { name } }) as ChildObject;
const deployment = child('apps/v1', 'Deployment');
const scaled = child('keda.sh/v1alpha1', 'ScaledObject');
const route = child('gateway.networking.k8s.io/v1', 'HTTPRoute');
const stranger = child('example.com/v1', 'Widget');
const declares = (...resources: Array<[string, string]>) => ({
  metadata: { name: 'c-controller' },
  spec: { childResources: resources.map(([apiVersion, resource]) => ({ apiVersion, resource })) },
});

t.test(
  'keepDeclared: what the controller object declares, and what it had to leave out',
  async (t) => {
    const rows = [
      {
        reason: 'no controller: every kind declared',
        controller: undefined,
        want: { kept: 3, missing: [] as string[] },
      },
      {
        reason: 'controller without a list',
        controller: { spec: {} },
        want: { kept: 3, missing: [] },
      },
      {
        reason: 'ScaledObject not declared',
        controller: declares(
          ['apps/v1', 'deployments'],
          ['gateway.networking.k8s.io/v1', 'httproutes'],
        ),
        want: { kept: 2, missing: ['ScaledObject'] },
      },
      {
        reason: 'a DecoratorController declares attachments',
        controller: { spec: { attachments: [{ apiVersion: 'apps/v1', resource: 'deployments' }] } },
        want: { kept: 1, missing: ['ScaledObject', 'HTTPRoute'] },
      },
      {
        reason: 'a malformed entry declares nothing',
        controller: { spec: { childResources: [{ apiVersion: 'apps/v1' }, 'deployments'] } },
        want: { kept: 0, missing: ['Deployment', 'ScaledObject', 'HTTPRoute'] },
      },
    ];
    for (const r of rows) {
      const got = keepDeclared(r.controller, [deployment, scaled, route]);
      t.equal(got.children.length, r.want.kept, `${r.reason}: kept`);
      t.strictSame(
        got.missing.map((m) => m.kind),
        r.want.missing,
        `${r.reason}: missing`,
      );
    }
    const unknown = keepDeclared(declares(), [stranger]);
    t.strictSame(
      unknown.children,
      [stranger],
      "a type outside the table is kept for callHook's check",
    );
    const needed = keepDeclared(
      declares(['apps/v1', 'deployments']),
      [scaled, child('keda.sh/v1alpha1', 'ScaledObject', 'y')],
      [HTTP_ROUTE, SCALED_OBJECT],
    );
    t.strictSame(
      needed.missing.map((m) => m.kind),
      ['HTTPRoute', 'ScaledObject'],
      'needed first, each kind once',
    );
    t.equal(controllerNameOf(declares()), 'c-controller');
    t.equal(controllerNameOf({}), 'the calling controller');
  },
);
