import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG, KindCluster, skipReason, type Phase } from './lib/kind.js';
import { runStories } from './lib/stories.js';
import { log, MINUTE } from './lib/wait.js';

// The kind end-to-end suite (docs/testing.md, "End-to-end (kind)"): a real cluster, the real
// Metacontroller, the operator image built from our Dockerfile, our install set, then the
// stories of test/e2e/lib/stories.ts (shared with the loop suite) against it, and an
// uninstall that leaves nothing behind.

const reason = skipReason();
if (reason && process.env.E2E_REQUIRE === '1') {
  // CI sets E2E_REQUIRE=1 so a runner that lost Docker or kind fails instead of passing as skipped.
  t.fail(`kind e2e required (E2E_REQUIRE=1) but cannot run: ${reason}`);
} else if (reason) {
  t.plan(0, `kind e2e: ${reason}`);
} else {
  await suite();
}

async function suite(): Promise<void> {
  // Cluster creation, two image builds and the stories: well past tap's default.
  t.setTimeout(90 * MINUTE * CONFIG.waitScale);
  const work = mkdtempSync(join(tmpdir(), 'gati-e2e-'));
  const kind = new KindCluster(work);
  log('e2e', `cluster ${CONFIG.clusterName}, node image ${CONFIG.nodeImage}, work dir ${work}`);
  // tap's timeout and Ctrl-C arrive as signals; never leave a cluster behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      kind.deleteSync();
      process.exit(130);
    });
  }
  t.teardown(async () => {
    await kind.delete();
    // Diagnostics written into the work dir stay for the failure message that names them.
    if (CONFIG.artifacts || !kind.kube.diagnosed) rmSync(work, { recursive: true, force: true });
  });

  // A failed essential phase (cluster, images, install) skips everything after it, with why.
  let blocked: string | undefined;
  const phase = async (p: Phase): Promise<void> => {
    if (blocked) {
      await t.test(p.name, { skip: `not run: "${blocked}" failed` }, async () => {});
      return;
    }
    const results = await t.test(p.name, (tt: Test) => p.run(tt));
    if (p.essential && !results?.ok) blocked = p.name;
  };
  for (const p of kind.setupPhases()) await phase(p);
  if (blocked) {
    await t.test('the stories', { skip: `not run: "${blocked}" failed` }, async () => {});
    return;
  }
  await runStories(t, kind.driver());
  await phase(kind.uninstallPhase());
}
