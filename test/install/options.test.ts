// The install switches: which optional child kinds each controller declares, and the kustomize
// components that flip them render exactly what the generator writes with the same switches.
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import {
  DEPLOYMENT,
  HPA,
  HTTP_ROUTE,
  NETWORK_POLICY,
  PDB,
  SCALED_OBJECT,
  SERVICE,
} from '../../src/api/kinds.js';
import { CONTROLLERS } from '../../src/hooks/controllers.js';
import { IMAGE } from '../../src/install/constants.js';
import { installObjects } from '../../src/install/files.js';
import {
  DEFAULT_INSTALL,
  OPTIONAL_KINDS,
  optionalKind,
  type InstallOptions,
} from '../../src/api/switches.js';
import { declaredChildren } from '../../src/install/options.js';
import { ROOT } from '../helpers/fixtures.js';
import { haveKubectl, kustomize, NO_KUBECTL } from './lib.js';

type Json = Record<string, any>;
const names = (ts: Array<{ kind: string }>): string[] => ts.map((k) => k.kind);

t.test(
  'declaredChildren: required kinds in table order, then the switched-on optional ones',
  async (t) => {
    const handler = CONTROLLERS.gatihandler.children;
    const rows: Array<{ reason: string; options: InstallOptions; want: string[] }> = [
      {
        reason: 'default: HTTPRoute yes, ScaledObject no',
        options: DEFAULT_INSTALL,
        want: names([DEPLOYMENT, SERVICE, HPA, PDB, HTTP_ROUTE]),
      },
      {
        reason:
          'KEDA on: ScaledObject appended after the default kinds (where the component adds it)',
        options: { gatewayApi: true, keda: true },
        want: names([DEPLOYMENT, SERVICE, HPA, PDB, HTTP_ROUTE, SCALED_OBJECT]),
      },
      {
        reason: 'no Gateway API',
        options: { gatewayApi: false, keda: false },
        want: names([DEPLOYMENT, SERVICE, HPA, PDB]),
      },
      {
        reason: 'KEDA without Gateway API',
        options: { gatewayApi: false, keda: true },
        want: names([DEPLOYMENT, SERVICE, HPA, PDB, SCALED_OBJECT]),
      },
    ];
    for (const r of rows)
      t.strictSame(names(declaredChildren(handler, r.options)), r.want, r.reason);
    t.strictSame(
      names(declaredChildren(CONTROLLERS.gatimodule.children, { gatewayApi: true, keda: true })),
      names([DEPLOYMENT, SERVICE, HPA, PDB, NETWORK_POLICY, SCALED_OBJECT]),
      'a controller that never emits HTTPRoute never declares it',
    );
    t.strictSame(
      declaredChildren(CONTROLLERS.gativersion.children, { gatewayApi: true, keda: true }),
      [],
    );
    t.equal(optionalKind(DEPLOYMENT), undefined, 'Deployment is always declared');
    t.equal(optionalKind(SCALED_OBJECT)?.helmValue, 'keda.enabled');
    t.ok(
      OPTIONAL_KINDS.every(
        (o, i, all) => i === 0 || DEFAULT_INSTALL[all[i - 1]!.option] >= DEFAULT_INSTALL[o.option],
      ),
      'default-on kinds come first (a component appending a default-off kind matches the generator)',
    );
  },
);

const id = (o: Json): string => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const byId = (objects: Json[]): Json[] => [...objects].sort((a, b) => (id(a) < id(b) ? -1 : 1));

/** overlay renders manifests/ with the given components from a directory outside it. */
function overlay(dir: string, components: string[], base = join(ROOT, 'manifests')): Json[] {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    stringify({
      resources: [relative(dir, base)],
      components: components.map((c) => relative(dir, join(ROOT, c))),
    }),
  );
  return kustomize(dir);
}

t.test(
  'each combination of the kind components renders what the generator writes with those switches',
  { skip: haveKubectl ? false : NO_KUBECTL },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'gati-options-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const subsets = OPTIONAL_KINDS.reduce<Array<typeof OPTIONAL_KINDS>>(
      (acc, o) => [...acc, ...acc.map((s) => [...s, o])],
      [[]],
    );
    t.equal(subsets.length, 4);
    subsets.forEach((subset, i) => {
      const options = { ...DEFAULT_INSTALL };
      for (const o of subset) options[o.option] = !DEFAULT_INSTALL[o.option];
      const got = overlay(
        join(dir, `o${i}`),
        subset.map((o) => o.component),
      );
      t.strictSame(
        byId(got),
        byId(installObjects(IMAGE, options)),
        `components [${subset.map((o) => o.component).join(', ')}] = the generator with ${JSON.stringify(options)}`,
      );
    });
    // Both orders of the two components give the same result.
    const reversed = overlay(
      join(dir, 'rev'),
      [...OPTIONAL_KINDS].reverse().map((o) => o.component),
    );
    t.strictSame(
      byId(reversed),
      byId(installObjects(IMAGE, { gatewayApi: false, keda: true })),
      'order-free',
    );
  },
);

t.test(
  'removing HTTPRoute by index refuses a base where the index holds another kind',
  { skip: haveKubectl ? false : NO_KUBECTL },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'gati-options-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const base = join(dir, 'base');
    mkdirSync(base);
    // A base already without HTTPRoute: the guarded remove must fail, not drop another kind.
    const objects = installObjects(IMAGE, { gatewayApi: false, keda: true });
    writeFileSync(join(base, 'all.yaml'), objects.map((o) => stringify(o)).join('---\n'));
    writeFileSync(join(base, 'kustomization.yaml'), 'resources:\n  - all.yaml\n');
    t.throws(
      () => overlay(join(dir, 'o'), ['manifests/components/no-gateway-api'], base),
      /childResources\/\d+\/resource failed: test failed/,
      'kubectl kustomize fails on the test op',
    );
  },
);
