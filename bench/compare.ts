/**
 * `npx tsx bench/compare.ts <ref> [runs] [name]`: the hook bench (bench/run.ts) before and after, in
 * one invocation on one machine. The tree at git `<ref>` is exported to a temporary directory
 * with this tree's bench/ laid over it (so both are measured by the same harness) and this
 * tree's node_modules linked in; then the two run alternately, `runs` times each (default 3),
 * so a change in the machine's load weighs on both alike. Writes
 * bench/results/hooks-<date>[-<name>]-before.json and …-after.json (every run, plus per set the
 * median and the range over the runs) and prints the comparison. Environment as for
 * bench/run.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, ROOT, today, writeResult } from './lib.js';

const [ref, runsArg = '3', name] = process.argv.slice(2);
if (!ref)
  throw new Error('usage: npx tsx bench/compare.ts <git ref of the "before" tree> [runs] [name]');
const RUNS = Math.max(1, Number(runsArg));

interface Pure {
  set: string;
  parseMicroseconds: number;
  hookMicroseconds: number;
  hookOverParse: number;
}
interface Http {
  set: string;
  throughputRatio: number;
  answerRatio: number;
  hook: { p50Ms: number; p99Ms: number };
}
interface Run {
  machine: { commit: string };
  pure: Pure[];
  http: Http[];
}

/** exportTree writes `ref`'s tree to a temporary directory, with this tree's bench/ and node_modules. */
function exportTree(gitRef: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gati-bench-before-'));
  const tar = execFileSync('git', ['archive', gitRef], { cwd: ROOT, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  rmSync(join(dir, 'bench'), { recursive: true, force: true });
  cpSync(join(ROOT, 'bench'), join(dir, 'bench'), {
    recursive: true,
    filter: (src) => !src.includes(join('bench', 'results')),
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** benchOnce runs bench/run.ts in `tree` and returns its result. */
function benchOnce(tree: string, out: string): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('bench', 'run.ts')], {
    cwd: tree,
    env: { ...process.env, BENCH_OUT: out },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`bench in ${tree} exited with ${r.status}`);
  return JSON.parse(readFileSync(out, 'utf8')) as Run;
}

/** The median and range of one figure over the runs. */
function spread(xs: number[]) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

function summary(runs: Run[]) {
  const sets = runs[0]!.pure.map((p) => p.set);
  return Object.fromEntries(
    sets.map((set) => {
      const pure = runs.map((r) => r.pure.find((p) => p.set === set)!);
      const http = runs.map((r) => r.http.find((h) => h.set === set)).filter((h) => h);
      return [
        set,
        {
          pure: {
            parseMicroseconds: spread(pure.map((p) => p.parseMicroseconds)),
            hookMicroseconds: spread(pure.map((p) => p.hookMicroseconds)),
            hookOverParse: spread(pure.map((p) => p.hookOverParse)),
          },
          http:
            http.length === 0
              ? undefined
              : {
                  hookOverParseFloor: spread(http.map((h) => h!.throughputRatio)),
                  hookOverAnswerFloor: spread(http.map((h) => h!.answerRatio)),
                  p50Ms: spread(http.map((h) => h!.hook.p50Ms)),
                  p99Ms: spread(http.map((h) => h!.hook.p99Ms)),
                },
        },
      ];
    }),
  );
}

const fmt = (s: { median: number; min: number; max: number }, d: number) =>
  `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;

/** The BENCH_* settings of this invocation, as given. */
function benchEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('BENCH_')),
  );
}

function main() {
  const before = exportTree(ref!);
  const scratch = mkdtempSync(join(tmpdir(), 'gati-bench-runs-'));
  const runs: Record<'before' | 'after', Run[]> = { before: [], after: [] };
  try {
    for (let i = 1; i <= RUNS; i++)
      for (const [label, tree] of [
        ['before', before],
        ['after', ROOT],
      ] as const) {
        process.stderr.write(`\n== ${label}, run ${i} of ${RUNS}\n`);
        runs[label].push(benchOnce(tree, join(scratch, `${label}-${i}.json`)));
      }
  } finally {
    rmSync(before, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
  const command = `npx tsx bench/compare.ts ${ref} ${RUNS}${name ? ` ${name}` : ''}`;
  const summaries = { before: summary(runs.before), after: summary(runs.after) };
  for (const label of ['before', 'after'] as const)
    writeResult(`hooks-${today()}${name ? `-${name}` : ''}-${label}.json`, {
      environment: benchEnvironment(),
      command,
      ref: label === 'before' ? ref : 'working tree',
      runs: runs[label],
      summary: summaries[label],
    });
  console.log(`\n${command}: medians over ${RUNS} runs each (range)`);
  for (const set of Object.keys(summaries.after))
    for (const label of ['before', 'after'] as const) {
      const s = summaries[label][set]!;
      console.log(
        `${set.padEnd(7)} ${label.padEnd(7)} parse ${fmt(s.pure.parseMicroseconds, 0)} µs, hook ${fmt(s.pure.hookMicroseconds, 0)} µs, hook÷parse ${fmt(s.pure.hookOverParse, 2)}` +
          (s.http
            ? `; HTTP hook÷parse floor ${fmt(s.http.hookOverParseFloor, 2)}, ÷answer floor ${fmt(s.http.hookOverAnswerFloor, 2)}, p50 ${fmt(s.http.p50Ms, 1)} ms, p99 ${fmt(s.http.p99Ms, 1)} ms`
            : ''),
      );
    }
}

main();
