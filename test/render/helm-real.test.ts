// With a real Helm (scripts/helm/ensure.sh builds one from its Go module when go is available):
// `helm lint` passes and `helm template` with default values equals the canonical render.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { toYaml } from '../../src/kube/canonical.js';
import { renderHelm } from '../../src/render/helm.js';
import { readGatiObjects } from '../../src/render/input.js';
import { renderStatic } from '../../src/render/static.js';
import { writeFiles } from '../../src/render/write.js';
import { FIXTURE_SETS, ROOT, yamlObjects } from './lib.js';

// Reuse a built or installed Helm; GATI_HELM_BUILD=1 builds one here (minutes: raise the tap timeout).
const args = process.env.GATI_HELM_BUILD === '1' ? [] : ['--cached-only'];
const ensure = spawnSync('bash', [join(ROOT, 'scripts/helm/ensure.sh'), ...args], {
  encoding: 'utf8',
  timeout: 1_800_000,
});
const helm = ensure.status === 0 ? ensure.stdout.trim().split('\n').pop() : undefined;
if (!helm) {
  const why =
    ensure.status === 3 || ensure.status === 4
      ? ensure.stdout.trim()
      : `scripts/helm/ensure.sh failed (exit ${ensure.status}): ${ensure.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  t.pass(`SKIP: real Helm unavailable: ${why}`, { skip: true });
} else {
  const gati = readGatiObjects(Object.values(FIXTURE_SETS).flat()).map((o) => o.object);
  const modes = {
    operator: { objects: gati, static: false },
    static: { objects: renderStatic(gati).objects, static: true },
  };
  for (const [mode, payload] of Object.entries(modes)) {
    t.test(`helm lint and helm template (${mode})`, async (t) => {
      const dir = join(mkdtempSync(join(tmpdir(), 'gati-helm-')), 'chart');
      writeFiles(dir, renderHelm(payload));
      const lint = spawnSync(helm, ['lint', '--strict', dir], { encoding: 'utf8' });
      t.equal(lint.status, 0, `helm lint --strict: ${lint.stdout}${lint.stderr}`);
      const tpl = spawnSync(helm, ['template', 'release', dir], { encoding: 'utf8' });
      t.equal(tpl.status, 0, `helm template: ${tpl.stderr}`);
      t.equal(
        toYaml(yamlObjects(tpl.stdout).sort(byId)),
        toYaml([...payload.objects].sort(byId)),
        'helm template = canonical render',
      );
      const bad = spawnSync(helm, ['template', 'release', dir, '--set', 'nope=1'], {
        encoding: 'utf8',
      });
      t.not(bad.status, 0, 'values.schema.json refuses unknown values in Helm too');
    });
  }
}

function byId(a: any, b: any): number {
  const ka = `${a.kind} ${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.kind} ${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
