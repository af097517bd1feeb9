import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { applyCRDs, isSkip, startCluster, type TestCluster } from './lib/cluster.js';
import { ROOT } from '../helpers/fixtures.js';

// gati-view and gati-edit (operator.yaml) against a real kube-apiserver's RBAC authorizer: a
// user bound to the built-in `view` ClusterRole may read the Gati kinds and not write them;
// `edit` and `admin` may write them. Users are the admin's impersonations.
//
// This control plane runs no kube-controller-manager, so no clusterrole-aggregation controller
// fills the built-in roles. The test does that controller's one step itself — each built-in
// role's rules become the union of the rules of the ClusterRoles its own aggregationRule (as the
// server bootstrapped it) selects — so a wrong label leaves our rules out, as in a cluster.

t.setTimeout(65 * 60_000);
const SUBTEST_MS = 3 * 60_000;
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const NS = 'rbac-story';
const gati = (resource: string) => `/apis/gati.dev/v1alpha1/namespaces/${NS}/${resource}`;

type Json = Record<string, any>;
const operator = parseAllDocuments(readFileSync(join(ROOT, 'operator.yaml'), 'utf8')).map(
  (d) => d.toJS() as Json,
);
const roles = operator.filter((o) => o.kind === 'ClusterRole');

/** aggregate does what the clusterrole-aggregation controller does for one built-in role. */
async function aggregate(c: TestCluster, name: string): Promise<Json> {
  const role = (await c.request('GET', `${RBAC}/clusterroles/${name}`)).body;
  const rules = new Map<string, Json>();
  for (const selector of role.aggregationRule.clusterRoleSelectors as Json[]) {
    const labelSelector = Object.entries(selector.matchLabels as Record<string, string>)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const list = await c.request('GET', `${RBAC}/clusterroles`, undefined, {
      query: { labelSelector },
    });
    for (const r of list.body.items as Json[])
      for (const rule of r.rules ?? []) rules.set(JSON.stringify(rule), rule);
  }
  const put = await c.request('PUT', `${RBAC}/clusterroles/${name}`, {
    ...role,
    rules: [...rules.values()],
  });
  if (put.status !== 200) throw new Error(`aggregate ${name}: ${put.status} ${put.body?.message}`);
  return put.body;
}

const as = (user: string) => ({ headers: { 'Impersonate-User': user } });
const handler = (name: string): Json => ({
  apiVersion: 'gati.dev/v1alpha1',
  kind: 'GatiHandler',
  metadata: { name },
  spec: { handlerPath: '/api/rbac', version: 'v1', image: 'registry.example.com/rbac:1' },
});

const started = await startCluster();
if (isSkip(started)) {
  t.test(
    'gati-view and gati-edit',
    { skip: `real API server unavailable: ${started.skip}` },
    () => {},
  );
} else {
  const c: TestCluster = started;
  t.teardown(() => c.stop());

  await t.test('the ClusterRoles install and validate', { timeout: SUBTEST_MS }, async (t) => {
    t.strictSame(roles.map((r) => r.metadata.name).sort(), ['gati-edit', 'gati-view']);
    const dir = join(ROOT, 'crds');
    const crds = readdirSync(dir).map((f) => parse(readFileSync(join(dir, f), 'utf8')));
    await applyCRDs(c, crds);
    for (const role of roles) {
      t.doesNotThrow(() => new ClusterRole(role as any).validate(), `${role.metadata.name} model`);
      const r = await c.request('POST', `${RBAC}/clusterroles`, role);
      t.equal(r.status, 201, `${role.metadata.name} created`, { body: r.body });
    }
    const ns = await c.request('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS },
    });
    t.equal(ns.status, 201);
    for (const [user, role] of [
      ['alice', 'view'],
      ['bob', 'edit'],
      ['carol', 'admin'],
    ] as const) {
      const b = await c.request('POST', `${RBAC}/namespaces/${NS}/rolebindings`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: `${user}-${role}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      });
      t.equal(b.status, 201, `${user} bound to ${role}`, { body: b.body });
    }
  });

  await t.test('the built-in roles aggregate our rules', { timeout: SUBTEST_MS }, async (t) => {
    const grants = (role: Json, verb: string) =>
      (role.rules as Json[]).some(
        (r) =>
          r.apiGroups?.includes('gati.dev') &&
          r.resources?.includes('gatihandlers') &&
          r.verbs?.includes(verb),
      );
    const view = await aggregate(c, 'view');
    t.ok(grants(view, 'list'), 'view lists gatihandlers');
    t.notOk(grants(view, 'create'), 'view never creates them');
    t.ok(grants(await aggregate(c, 'edit'), 'create'), 'edit creates them');
    t.ok(grants(await aggregate(c, 'admin'), 'create'), 'admin creates them');
  });

  await t.test('view reads, edit and admin write', { timeout: SUBTEST_MS }, async (t) => {
    for (const resource of ['gatihandlers', 'gatimodules', 'gativersions']) {
      const r = await c.request('GET', gati(resource), undefined, as('alice'));
      t.equal(r.status, 200, `view lists ${resource}`, { body: r.body });
    }
    const denied = await c.request('POST', gati('gatihandlers'), handler('by-alice'), as('alice'));
    t.equal(denied.status, 403, 'view cannot create a GatiHandler', { body: denied.body });
    const stranger = await c.request('GET', gati('gatihandlers'), undefined, as('dave'));
    t.equal(stranger.status, 403, 'no binding, no list');

    const created = await c.request('POST', gati('gatihandlers'), handler('by-bob'), as('bob'));
    t.equal(created.status, 201, 'edit creates a GatiHandler', { body: created.body });
    const patched = await c.request(
      'PATCH',
      `${gati('gatihandlers')}/by-bob`,
      { spec: { replicas: 2 } },
      as('bob'),
    );
    t.equal(patched.status, 200, 'edit patches it', { body: patched.body });
    const status = await c.request(
      'PATCH',
      `${gati('gatihandlers')}/by-bob/status`,
      { status: { phase: 'Ready' } },
      as('bob'),
    );
    t.equal(status.status, 403, 'status stays Metacontroller’s to write', { body: status.body });
    const byAdmin = await c.request('POST', gati('gatihandlers'), handler('by-carol'), as('carol'));
    t.equal(byAdmin.status, 201, 'admin creates a GatiHandler', { body: byAdmin.body });
    const gone = await c.request('DELETE', `${gati('gatihandlers')}/by-bob`, undefined, as('bob'));
    t.equal(gone.status, 200, 'edit deletes it', { body: gone.body });
  });
}
