// manifests/extras/metacontroller: the overlay over upstream Metacontroller that raises its client
// rate limits and workers. kustomize fetches the upstream manifests at apply time, which tests
// cannot, so the patch is applied to a stand-in of the upstream StatefulSet built from the names
// and args src/install hard-codes — and, when METACONTROLLER_SRC names Metacontroller's source
// (as .ci/run sets it before npm test), those are checked against the real upstream file.
import t from 'tap';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { METACONTROLLER_VERSION } from '../../src/install/constants.js';
import {
  METACONTROLLER_KUSTOMIZE_URL,
  TUNING_FLAGS,
  UPSTREAM_STATEFULSET,
} from '../../src/install/metacontroller.js';
import { ROOT } from '../helpers/fixtures.js';
import { haveKubectl, kustomize, NO_KUBECTL } from './lib.js';

type Json = Record<string, any>;
const DIR = join(ROOT, 'manifests/extras/metacontroller');
const read = (f: string): Json => parse(readFileSync(join(DIR, f), 'utf8'));

/** The upstream StatefulSet as src/install knows it, with the fields the patch must leave alone. */
function standIn(): Json {
  const u = UPSTREAM_STATEFULSET;
  const labels = { 'app.kubernetes.io/name': 'metacontroller' };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: u.name, namespace: u.namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      serviceName: '',
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: 'metacontroller',
          containers: [
            {
              name: u.container,
              image: `ghcr.io/metacontroller/metacontroller:${METACONTROLLER_VERSION}`,
              command: ['/usr/bin/metacontroller'],
              args: [...u.args],
              livenessProbe: { httpGet: { port: 8081, path: '/healthz' } },
            },
          ],
        },
      },
    },
  };
}

/** patched renders `base` (a StatefulSet) with the overlay's own patches, from a temp dir. */
function patched(base: Json | string): Json {
  const dir = mkdtempSync(join(tmpdir(), 'gati-mc-'));
  try {
    writeFileSync(join(dir, 'upstream.yaml'), typeof base === 'string' ? base : stringify(base));
    const overlay = read('kustomization.yaml');
    for (const p of overlay.patches) copyFileSync(join(DIR, p.path), join(dir, p.path));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      stringify({ ...overlay, resources: ['upstream.yaml'] }),
    );
    return kustomize(dir).find((o) => o.kind === 'StatefulSet')!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test('the overlay is the pinned upstream production kustomization plus one patch', async (t) => {
  const k = read('kustomization.yaml');
  t.strictSame(k.resources, [METACONTROLLER_KUSTOMIZE_URL]);
  t.match(METACONTROLLER_KUSTOMIZE_URL, `?ref=${METACONTROLLER_VERSION}`, 'pinned, never a branch');
  t.strictSame(k.patches, [{ path: 'statefulset-patch.yaml' }]);
  const patch = read('statefulset-patch.yaml');
  t.match(patch, {
    kind: 'StatefulSet',
    metadata: { name: UPSTREAM_STATEFULSET.name, namespace: UPSTREAM_STATEFULSET.namespace },
  });
  t.strictSame(TUNING_FLAGS, ['--client-go-qps=100', '--client-go-burst=200', '--workers=10']);
});

t.test(
  'the patch adds the three flags to the upstream container and changes nothing else',
  { skip: haveKubectl ? false : NO_KUBECTL },
  async (t) => {
    const before = standIn();
    const after = patched(before);
    const want = structuredClone(before);
    want.spec.template.spec.containers[0].args = [...UPSTREAM_STATEFULSET.args, ...TUNING_FLAGS];
    t.strictSame(after, want, 'only args changed: the upstream args kept, the flags appended');
    t.doesNotThrow(() => new StatefulSet(after as any).validate(), 'a valid StatefulSet');
  },
);

t.test('the Helm values for Metacontroller’s chart pass the same flags', async (t) => {
  t.strictSame(read('helm-values.yaml'), { commandArgs: TUNING_FLAGS });
});

const src = process.env.METACONTROLLER_SRC;
const upstreamFile = src && join(src, 'manifests/production/metacontroller.yaml');
t.test(
  'the hard-coded names and args match the upstream manifests (METACONTROLLER_SRC)',
  {
    skip:
      upstreamFile && existsSync(upstreamFile)
        ? false
        : 'METACONTROLLER_SRC not set: names and args were checked by hand against v4.17.2',
  },
  async (t) => {
    const text = readFileSync(upstreamFile!, 'utf8');
    const sts = parseAllDocuments(text)
      .map((d) => d.toJS() as Json)
      .find((o) => o?.kind === 'StatefulSet')!;
    t.equal(sts.metadata.name, UPSTREAM_STATEFULSET.name);
    t.equal(sts.metadata.namespace, UPSTREAM_STATEFULSET.namespace);
    const c = sts.spec.template.spec.containers.find(
      (x: Json) => x.name === UPSTREAM_STATEFULSET.container,
    );
    t.ok(c, 'the container is there by name');
    t.strictSame(c?.args, UPSTREAM_STATEFULSET.args, 'the args the patch repeats');
    t.match(c?.image, `:${METACONTROLLER_VERSION}`, 'the pinned release');
    const main = join(src!, 'pkg/cmd/metacontroller/main.go');
    if (existsSync(main)) {
      const go = readFileSync(main, 'utf8');
      for (const name of TUNING_FLAGS.map((f) => f.slice(2).split('=')[0]))
        t.ok(go.includes(`flag.`) && go.includes(`"${name}"`), `Metacontroller defines --${name}`);
    }
    const tuned = patched(text).spec.template.spec.containers[0].args;
    t.strictSame(tuned, [...UPSTREAM_STATEFULSET.args, ...TUNING_FLAGS], 'patched upstream');
  },
);
