import t from 'tap';
import { makeApp } from './helpers.js';

// Its own file: Node prints a deprecation once per process, so this must be the process's first
// app. A deprecation would print on every start of the hook server, in front of the operator.

t.test('building the app emits no Fastify deprecation warning (FSTDEP…)', async (t) => {
  const seen: string[] = [];
  const onWarning = (w: Error & { code?: string }) => seen.push(`${w.code}: ${w.message}`);
  process.on('warning', onWarning);
  t.teardown(() => process.off('warning', onWarning));
  const { app } = makeApp(t);
  await app.ready();
  await new Promise((r) => setImmediate(r));
  t.strictSame(
    seen.filter((w) => w.startsWith('FSTDEP')),
    [],
  );
});
