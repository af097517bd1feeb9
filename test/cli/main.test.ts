import t from 'tap';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/cli/errors.js';
import { runCli } from './lib.js';

// gati-operator's entry: help, unknown commands, and how each command's mistakes come out.

t.test('main: exit code and output per command line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gati-main-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const rows = [
    {
      reason: 'no command: help, usage error',
      args: [],
      code: EXIT.usage,
      out: /^Usage: gati-operator <command>/,
    },
    { reason: 'help', args: ['help'], code: EXIT.ok, out: /\n {2}rollout {4}show or steer/ },
    { reason: '-h', args: ['-h'], code: EXIT.ok, out: /Commands:/ },
    {
      reason: 'unknown command',
      args: ['deploy'],
      code: EXIT.usage,
      err: /^gati-operator: unknown command "deploy"\n/,
    },
    {
      reason: "a command's --help",
      args: ['rollout', 'abort', '--help'],
      code: EXIT.ok,
      out: /^Usage: gati-operator rollout .*\nExit codes:/s,
    },
    { reason: 'crds -o', args: ['crds', '-o', join(dir, 'crds')], code: EXIT.ok, out: /^wrote / },
    {
      reason: 'crds: an argument it does not take',
      args: ['crds', 'x'],
      code: EXIT.usage,
      err: /^gati-operator crds: unexpected argument "x"\nUsage: gati-operator crds/,
    },
    {
      reason: 'manifests: an unknown option is refused, not ignored',
      args: ['manifests', '--bogus'],
      code: EXIT.usage,
      err: /unknown argument "--bogus"/,
    },
    {
      reason: 'docs: a flag given a value',
      args: ['docs', '--output'],
      code: EXIT.usage,
      err: /--output needs a value \(got nothing\)/,
    },
    {
      reason: 'serve takes no arguments: a usage error',
      args: ['serve', '--port', '1'],
      code: EXIT.usage,
      err: /serve takes no arguments/,
    },
  ];
  for (const r of rows) {
    const got = await runCli(r.args);
    t.equal(got.code, r.code, `${r.reason}: exit ${r.code}`);
    if (r.out) t.match(got.out, r.out, r.reason);
    if (r.err) t.match(got.err, r.err, r.reason);
  }
  t.ok(readdirSync(join(dir, 'crds')).length > 0, 'crds written');
});
