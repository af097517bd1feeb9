/**
 * Request sizes per hook at several N, without a cluster (`npm run bench:sizes -- --n 25,250
 * [--policy]`): the handlers of bench/loop/objects.ts converged through Metacontroller's loop as
 * the scenario harness replays it (test/scenario/harness.ts: the same request building as the
 * static renderer, related objects from the customize rules). Sizes do not depend on the
 * machine, so this is the check that a request stays one handler's size whatever N is (#17,
 * and #24: every handler naming one GatiRolloutPolicy). Absolute bytes are below the real
 * loop's (no managedFields, fewer server-set fields); the ratio between N is what it shows.
 */
import { HOOKS } from '../../test/helpers/hooks.js';
import { Cluster, type Obj } from '../../test/scenario/harness.js';
import { handlerObjects } from './objects.js';

interface Sizes {
  n: number;
  policy: boolean;
  byHook: Record<string, { calls: number; requestBytesAvg: number; requestBytesMax: number }>;
}

/** sizesAt converges n handlers and averages the request bytes of every hook call. */
export function sizesAt(n: number, policy: boolean): Sizes {
  const sim = new Cluster({
    hooks: HOOKS,
    deploymentReadyAfterSeconds: 1,
    checkDeterminism: false,
    maxRounds: 400,
  });
  for (const o of handlerObjects('bench', n, 'h', policy)) sim.apply(o as Obj);
  sim.advance(30);
  const byHook: Sizes['byHook'] = {};
  for (const c of sim.responses) {
    const key = `${c.controller}/${c.hook}`;
    const bytes = Buffer.byteLength(JSON.stringify(c.request));
    const h = (byHook[key] ??= { calls: 0, requestBytesAvg: 0, requestBytesMax: 0 });
    h.requestBytesAvg += bytes;
    h.requestBytesMax = Math.max(h.requestBytesMax, bytes);
    h.calls++;
  }
  for (const h of Object.values(byHook))
    h.requestBytesAvg = Math.round(h.requestBytesAvg / h.calls);
  return { n, policy, byHook };
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

if (import.meta.url.endsWith(process.argv[1]?.split('/').pop() ?? '')) {
  const ns = arg('n', '25,250').split(',').map(Number);
  const policy = process.argv.includes('--policy');
  const all = ns.map((n) => sizesAt(n, policy));
  for (const s of all) process.stdout.write(`${JSON.stringify(s)}\n`);
  const [a, b] = [all[0]!, all[all.length - 1]!];
  for (const key of Object.keys(a.byHook).sort()) {
    const x = a.byHook[key]!.requestBytesAvg;
    const y = b.byHook[key]?.requestBytesAvg ?? NaN;
    process.stdout.write(
      `${key.padEnd(24)} N=${a.n}: ${x} B  N=${b.n}: ${y} B  ratio ${(Math.max(x, y) / Math.min(x, y)).toFixed(3)}\n`,
    );
  }
}
