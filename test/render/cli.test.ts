import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { main } from '../../src/cli/main.js';
import { UsageError } from '../../src/cli/usage.js';
import { parseRenderArgs, renderCommand, renderFiles } from '../../src/cli/render.js';
import { OutputError, writeFiles } from '../../src/render/write.js';
import { ROOT, relativePaths } from './lib.js';

// A directory of Gati objects only (examples/ also holds production/kubernetes.yaml).
const EX = join(ROOT, 'test/fixtures/valid');
const tmp = () => mkdtempSync(join(tmpdir(), 'gati-render-'));

/** capture runs fn with stdout/stderr captured. */
async function capture(
  fn: () => Promise<number>,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => (
    out.push(String(s)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (
    err.push(String(s)),
    true
  )) as typeof process.stderr.write;
  try {
    return { code: await fn(), out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

t.test('argument parsing', async (t) => {
  const a = parseRenderArgs(['-f', EX, '--filename=x', '-o', 'out'], {});
  t.equal(a.target, 'kubernetes', 'default target');
  t.same(a.inputs, [EX, 'x']);
  t.equal(
    parseRenderArgs(['-f', EX, '-o', 'o'], { DEPLOYMENT_TARGET: 'helm' }).target,
    'helm',
    'DEPLOYMENT_TARGET',
  );
  t.equal(
    parseRenderArgs(['--target', 'gitops', '-f', EX, '-o', 'o'], { DEPLOYMENT_TARGET: 'helm' })
      .target,
    'gitops',
    'flag wins',
  );
  const g = parseRenderArgs(
    [
      '--target=gitops',
      '--static',
      '--force',
      '-f',
      EX,
      '-o',
      'o',
      '--gitops-tool',
      'flux',
      '--env',
      'a',
      '--env',
      'b',
      '--repo-url',
      'u',
      '--repo-path',
      'p',
      '--revision',
      'r',
      '--name',
      'n',
      '--chart-name',
      'c',
      '--chart-version',
      '2.0.0',
    ],
    {},
  );
  t.same([g.static, g.force, g.chartName, g.chartVersion], [true, true, 'c', '2.0.0']);
  t.same(g.gitops, {
    tool: 'flux',
    repoUrl: 'u',
    repoPath: 'p',
    revision: 'r',
    envs: ['a', 'b'],
    name: 'n',
  });
  const usage: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['-o', 'o'], {}, /-f <file\|dir> is required/],
    [['-f', EX], {}, /-o <dir> is required/],
    [['-f', EX, '-o', 'o', '-o', 'p'], {}, /--output given more than once/],
    [['-f', EX, '-o', 'o', '--target', 'pulumi'], {}, /--target: unknown target "pulumi"/],
    [
      ['-f', EX, '-o', 'o'],
      { DEPLOYMENT_TARGET: 'nope' },
      /DEPLOYMENT_TARGET: unknown target "nope"/,
    ],
    [['-f', EX, '-o', 'o', '--gitops-tool', 'spinnaker'], {}, /unknown tool "spinnaker"/],
    [['-f', EX, '-o', 'o', '--env', 'Bad_Env'], {}, /must be a DNS label/],
    [['-f', EX, '-o', 'o', '--bogus'], {}, /unknown argument "--bogus"/],
    [['-f'], {}, /-f needs a value/],
  ];
  for (const [args, env, re] of usage)
    t.throws(() => parseRenderArgs(args, env), re, args.join(' '));
  let thrown: unknown;
  try {
    parseRenderArgs(['-f'], {});
  } catch (e) {
    thrown = e;
  }
  t.ok(thrown instanceof UsageError, 'a UsageError (exit 2)');
});

t.test('renders each target through main() with exit codes 0, 1 and 2', async (t) => {
  const dir = tmp();
  for (const target of ['kubernetes', 'helm', 'gitops']) {
    const out = join(dir, target);
    const r = await capture(() => main(['render', '--target', target, '-f', EX, '-o', out]));
    t.equal(r.code, 0, `${target}: ${r.err}`);
    t.match(r.out, `wrote ${out}/`);
    t.ok(relativePaths(out).length > 0);
  }
  const again = await capture(() => main(['render', '-f', EX, '-o', join(dir, 'kubernetes')]));
  t.equal(again.code, 1, 'non-empty output directory');
  t.match(again.err, /exists and is not empty \(use --force/);
  writeFileSync(join(dir, 'kubernetes', 'stale.yaml'), 'x');
  const forced = await capture(() =>
    main(['render', '--static', '-f', EX, '-o', join(dir, 'kubernetes'), '--force']),
  );
  t.equal(forced.code, 0);
  t.same(
    relativePaths(join(dir, 'kubernetes')),
    ['workloads.yaml'],
    '--force replaces the contents',
  );
  const bad = join(dir, 'bad.yaml');
  writeFileSync(
    bad,
    'apiVersion: gati.dev/v1alpha1\nkind: GatiHandler\nmetadata: {name: h}\nspec: {handlerPath: /h, version: v1, image: i, port: 70000}\n',
  );
  const input = await capture(() => main(['render', '-f', bad, '-o', join(dir, 'x')]));
  t.equal(input.code, 1);
  t.match(input.err, `${bad} (document 0): GatiHandler h: spec.port`);
  t.notOk(existsSync(join(dir, 'x')), 'nothing written on input errors');
  const usage = await capture(() => main(['render', '-f', EX]));
  t.equal(usage.code, 2);
  t.match(usage.err, /Usage: gati-operator render/);
  const note = await capture(() =>
    renderCommand(['--target', 'gitops', '-f', EX, '-o', join(dir, 'g2')], {}),
  );
  t.match(note.err, /--repo-url not given/);
  t.same(
    renderFiles(parseRenderArgs(['-f', EX, '-o', 'o', '--target', 'helm', '--static'], {}))
      .get('Chart.yaml')
      ?.includes('static'),
    true,
  );
});

t.test('writeFiles refusals', async (t) => {
  const dir = tmp();
  const file = join(dir, 'f');
  writeFileSync(file, 'x');
  t.throws(() => writeFiles(file, new Map()), OutputError);
  t.throws(() => writeFiles(file, new Map()), /exists and is not a directory/);
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, '.git'), { recursive: true });
  t.throws(() => writeFiles(repo, new Map(), true), /holds a \.git directory/);
  t.throws(() => writeFiles(process.cwd(), new Map(), true), /root, home or current directory/);
  const fresh = join(dir, 'new', 'deep');
  t.same(
    writeFiles(
      fresh,
      new Map([
        ['b/x.yaml', 'b'],
        ['a.yaml', 'a'],
      ]),
    ),
    [join(fresh, 'a.yaml'), join(fresh, 'b/x.yaml')],
  );
  t.equal(readFileSync(join(fresh, 'b/x.yaml'), 'utf8'), 'b');
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  t.same(
    writeFiles(empty, new Map([['a', '1']])),
    [join(empty, 'a')],
    'an existing empty directory is fine',
  );
});
