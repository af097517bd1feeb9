import t from 'tap';
import { Readable, Writable } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hookCommand, parseHookArgs, runHook } from '../../src/cli/hook.js';
import { main } from '../../src/cli/main.js';
import { UsageError } from '../../src/cli/usage.js';
import { HOOKS } from '../helpers/hooks.js';
import { toJson } from '../../src/kube/canonical.js';
import { ROOT } from '../helpers/fixtures.js';
import { module, syncRequest } from '../helpers/builders.js';

const NOW = '2026-01-01T00:00:00Z';

t.test('parseHookArgs', async (t) => {
  t.same(
    parseHookArgs(['gatimodule', 'sync', '--now', NOW]),
    { controller: 'gatimodule', hook: 'sync', now: new Date(NOW) },
    '--now fixes the clock',
  );
  t.same(
    parseHookArgs(['--now', NOW, 'gatihandler', 'customize']),
    { controller: 'gatihandler', hook: 'customize', now: new Date(NOW) },
    '--now anywhere',
  );
  t.same(
    parseHookArgs(['gativersion', 'finalize']),
    { controller: 'gativersion', hook: 'finalize' },
    'no --now',
  );
  const rows = [
    { reason: 'no arguments', args: [], match: /unknown controller ""/ },
    {
      reason: 'unknown controller',
      args: ['gatifoo', 'sync'],
      match: /unknown controller "gatifoo"/,
    },
    {
      reason: 'unknown hook',
      args: ['gatimodule', 'reconcile'],
      match: /unknown hook "reconcile"/,
    },
    {
      reason: 'a hook the controller lacks',
      args: ['gatimodule', 'finalize'],
      match: /gatimodule has no finalize hook/,
    },
    {
      reason: '--now without a value',
      args: ['gatimodule', 'sync', '--now'],
      match: /--now needs an RFC3339 time \(got nothing\)/,
    },
    {
      reason: '--now not a time',
      args: ['gatimodule', 'sync', '--now', 'soon'],
      match: /got soon/,
    },
    {
      reason: 'extra argument',
      args: ['gatimodule', 'sync', 'x'],
      match: /unexpected argument "x"/,
    },
  ];
  for (const r of rows) t.throws(() => parseHookArgs(r.args), r.match, r.reason);
  let caught: unknown;
  try {
    parseHookArgs([]);
  } catch (e) {
    caught = e;
  }
  t.ok(caught instanceof UsageError, 'mistakes are UsageErrors (exit 2)');
});

t.test('runHook', async (t) => {
  const req = syncRequest('gatimodule', module());
  const now = new Date(NOW);
  t.equal(
    runHook({ controller: 'gatimodule', hook: 'sync', now }, JSON.stringify(req)),
    toJson(HOOKS.gatimodule.sync(req, { now })),
    'sync: the hook’s canonical JSON',
  );
  t.equal(
    runHook(
      { controller: 'gatihandler', hook: 'customize' },
      JSON.stringify({ parent: req.parent }),
    ),
    toJson(HOOKS.gatihandler.customize!({ parent: req.parent })),
    'customize',
  );
  t.ok(
    runHook(
      { controller: 'gativersion', hook: 'finalize', now },
      JSON.stringify({
        object: { metadata: { name: 'v', namespace: 'shop' }, spec: { versionId: 'v1' } },
        related: {},
      }),
    ).includes('"finalized"'),
    'finalize',
  );
  t.ok(
    JSON.parse(runHook({ controller: 'gatimodule', hook: 'sync' }, JSON.stringify(req))).status,
    'default clock: now',
  );
  t.throws(
    () => runHook({ controller: 'gatimodule', hook: 'sync', now }, '{nope'),
    /stdin is not JSON/,
    'bad JSON',
  );
});

t.test('hookCommand and main', async (t) => {
  let out = '';
  const stdout = new Writable({ write: (chunk, _enc, cb) => ((out += String(chunk)), cb()) });
  const req = JSON.stringify(syncRequest('gatimodule', module()));
  t.equal(
    await hookCommand(['gatimodule', 'sync', '--now', NOW], Readable.from([req]), stdout),
    0,
    'exit 0',
  );
  t.ok(out.endsWith('}\n') && JSON.parse(out).children.length > 0, 'one JSON line on stdout');
  t.equal(await main(['hook', 'gatifoo', 'sync']), 2, 'bad arguments: exit 2');
});

t.test('gati-operator hook end to end', async (t) => {
  const cli = join(ROOT, 'src', 'cli', 'main.ts');
  const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
  const req = JSON.stringify(syncRequest('gatimodule', module()));
  // A clean environment: the child must not report coverage over this process's own. tap
  // re-injects its coverage variables into every spawn, even with `env` replaced, and the
  // tsx-compiled child's coverage then corrupts the merged report; `env -u` drops them
  // after tap's wrapper has run.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const clean = ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', tsx];
  const ok = spawnSync('env', [...clean, cli, 'hook', 'gatimodule', 'sync', '--now', NOW], {
    input: req,
    encoding: 'utf8',
    timeout: 60000,
    env,
  });
  t.equal(ok.status, 0, 'exit 0');
  t.equal(
    ok.stdout,
    `${toJson(HOOKS.gatimodule.sync(JSON.parse(req), { now: new Date(NOW) }))}\n`,
    'stdout is the canonical response',
  );
  const bad = spawnSync('env', [...clean, cli, 'hook', 'gatimodule', 'sync'], {
    input: '{"parent":{}}',
    encoding: 'utf8',
    timeout: 60000,
    env,
  });
  t.equal(bad.status, 1, 'a hook error: exit 1');
  t.match(bad.stderr, /parent.metadata: is required/, 'the error on stderr');
});
