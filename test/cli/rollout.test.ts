import t from 'tap';
import {
  annotationValue,
  parseRolloutArgs,
  runRollout,
  setAction,
  WRITE_ATTEMPTS,
} from '../../src/cli/rollout.js';
import { Conflict, type HandlerClient, type StoredHandler } from '../../src/cli/kube.js';
import { renderRollout } from '../../src/cli/rollout-view.js';
import { CliError, EXIT } from '../../src/cli/errors.js';
import { UsageError } from '../../src/cli/usage.js';
import { rollingV2 } from '../timescape/lib.js';

// `gati-operator rollout`: argument parsing, what it prints, and how it waits for the operator.
// test/apiserver/rollout-cli.test.ts runs the same command against a real kube-apiserver.

function handler(status = rollingV2().status): StoredHandler {
  return {
    metadata: { name: 'users', namespace: 'shop', resourceVersion: '1' },
    spec: { version: 'v2' },
    status,
  };
}

/**
 * fakeClient serves one handler like the API server: each write bumps its resourceVersion and a
 * write conditional on an older one is a Conflict. `react` plays the operator on each write;
 * `race` is another writer's edit landing just before the CLI's next write.
 */
function fakeClient(
  h = handler(),
  react?: (value: string, h: StoredHandler) => void,
  race: Array<(h: StoredHandler) => void> = [],
) {
  const calls: string[] = [];
  const bump = () => (h.metadata.resourceVersion = String(Number(h.metadata.resourceVersion) + 1));
  const client: HandlerClient = {
    namespace: 'default',
    get: async (ns, name) => (calls.push(`get ${ns}/${name}`), structuredClone(h)),
    annotate: async (ns, name, key, value, rv) => {
      const edit = race.shift();
      if (edit) {
        edit(h);
        bump();
      }
      calls.push(`annotate ${ns}/${name} ${key}=${value}${rv ? ` if ${rv}` : ''}`);
      if (rv !== undefined && rv !== h.metadata.resourceVersion)
        throw new Conflict('conflict: the object has been modified');
      h.metadata.annotations = { ...h.metadata.annotations, [key]: value };
      bump();
      react?.(value, h);
    },
  };
  return { client, calls };
}

t.test('parseRolloutArgs', async (t) => {
  t.match(parseRolloutArgs(['status', 'users', '-n', 'shop', '--watch']), {
    verb: 'status',
    handler: 'users',
    namespace: 'shop',
    watch: true,
  });
  t.match(
    parseRolloutArgs(['promote-full', 'users', '--no-wait', '--kubeconfig', 'k', '--context', 'c']),
    {
      verb: 'promote-full',
      wait: false,
      kubeconfig: 'k',
      context: 'c',
    },
  );
  const parsed = [
    {
      reason: 'options before the verb, --opt=value, short -w',
      args: ['--namespace=shop', '-w', 'status', 'users', '--timeout=2.5'],
      want: {
        verb: 'status',
        handler: 'users',
        namespace: 'shop',
        watch: true,
        timeoutSeconds: 2.5,
      },
    },
    {
      reason: 'defaults: wait, no watch, no timeout',
      args: ['abort', 'users'],
      want: { verb: 'abort', wait: true, watch: false, timeoutSeconds: undefined },
    },
    {
      reason: 'the last of a repeated option wins',
      args: ['pause', 'users', '-n', 'a', '-n', 'b'],
      want: { namespace: 'b' },
    },
    {
      reason: 'after --, a name may start with a dash',
      args: ['status', '--', '-odd'],
      want: { handler: '-odd' },
    },
  ];
  for (const r of parsed) t.match(parseRolloutArgs(r.args), r.want, r.reason);
  const rows = [
    { args: ['jump', 'users'], match: /unknown rollout command "jump"/ },
    { args: ['status'], match: /which GatiHandler/ },
    { args: ['abort', 'users', '--watch'], match: /--watch goes with status/ },
    { args: ['status', 'users', '-n'], match: /^-n needs a value \(got nothing\)$/ },
    { args: ['status', 'users', '-n', '--watch'], match: /^-n needs a value \(got --watch\)$/ },
    { args: ['status', 'users', '--namespace='], match: /--namespace needs a value/ },
    {
      args: ['status', 'users', '--timeout', '0'],
      match: /--timeout needs a number of seconds > 0 \(got 0\)/,
    },
    {
      args: ['status', 'users', '--timeout', '-1'],
      match: /--timeout needs a number of seconds > 0 \(got -1\)/,
    },
    { args: ['status', 'users', '--timeout', 'soon'], match: /\(got soon\)/ },
    { args: ['status', 'users', '--bogus'], match: /^unknown argument "--bogus"$/ },
    { args: ['status', 'users', '-x'], match: /^unknown argument "-x"$/ },
    { args: ['status', 'users', '--watch=yes'], match: /^--watch takes no value$/ },
    { args: ['status', 'a', 'b'], match: /unexpected argument "b"/ },
  ];
  for (const r of rows) t.throws(() => parseRolloutArgs(r.args), r.match, r.args.join(' '));
  try {
    parseRolloutArgs([]);
    t.fail('no arguments');
  } catch (e) {
    t.ok(e instanceof UsageError, 'mistakes are UsageErrors (exit 2 with the usage)');
  }
});

t.test(
  'annotationValue: pause is a state, the rest carry a token so each command acts once',
  async (t) => {
    t.equal(annotationValue('pause', 'x'), 'pause');
    t.equal(annotationValue('promote', 'lz3k'), 'promote@lz3k');
  },
);

t.test('status prints versions, weights, the step, the analysis and the conditions', async (t) => {
  const text = renderRollout(handler());
  t.match(text, /^GatiHandler {2}shop\/users {2}spec\.version v2/);
  t.match(
    text,
    /Rollout {6}Version v1 → v2 {2}Progressing \(Started\) {2}step 1 {2}10% of the move {2}v2 has 10% of traffic/,
  );
  t.match(text, /VERSION +PHASE +WEIGHT +EFFECTIVE +TRAFFIC/);
  t.match(text, /\nv1 +Active +100 +90 +90%/);
  t.match(text, /\nv2 +Active +100 +10 +10%/);
  t.match(renderRollout({ metadata: { name: 'x' } }), /Rollout {6}none recorded yet/);
  const out: string[] = [];
  const { client, calls } = fakeClient();
  t.equal(await runRollout(parseRolloutArgs(['status', 'users']), client, (s) => out.push(s)), 0);
  t.same(calls, ['get default/users'], "the kubeconfig context's namespace by default");
  t.equal(out.length, 1);
});

t.test('status --watch prints again only when the handler changed', async (t) => {
  const h = handler();
  let n = 0;
  const client: HandlerClient = {
    namespace: 'shop',
    get: async () => ({
      ...h,
      metadata: { ...h.metadata, resourceVersion: n++ < 2 ? '1' : '2' },
    }),
    annotate: async () => {},
  };
  let clock = 0;
  const out: string[] = [];
  const a = parseRolloutArgs(['status', 'users', '--watch', '--timeout', '5']);
  await runRollout(a, client, (s) => out.push(s), { now: () => (clock += 1000), pollMs: 0 });
  t.equal(out.filter((s) => s.startsWith('GatiHandler')).length, 2, 'two distinct states seen');
});

t.test('an action sets the annotation and reports what the operator did with it', async (t) => {
  const applied = fakeClient(handler(), (value, h) => {
    h.status!.rollout!.lastAction = {
      value,
      action: 'promote',
      at: '2026-01-01T00:01:00Z',
      outcome: 'Applied',
      message: 'promoted past step 1',
    };
  });
  const out: string[] = [];
  const code = await runRollout(
    parseRolloutArgs(['promote', 'users', '-n', 'shop']),
    applied.client,
    (s) => out.push(s),
    {
      now: () => 1_000_000,
      pollMs: 0,
    },
  );
  t.equal(code, 0);
  t.same(
    applied.calls.slice(0, 2),
    ['get shop/users', 'annotate shop/users gati.dev/rollout-action=promote@lfls if 1'],
    'read, then a write conditional on the version read',
  );
  t.match(out.join(''), /Applied: promoted past step 1; rollout Progressing/);

  const ignored = fakeClient(handler(), (value, h) => {
    h.status!.rollout!.lastAction = {
      value,
      action: 'retry',
      at: 'x',
      outcome: 'Ignored',
      message: 'the rollout is not aborted',
    };
  });
  t.equal(
    await runRollout(parseRolloutArgs(['retry', 'users']), ignored.client, () => {}, { pollMs: 0 }),
    1,
    'ignored: exit 1',
  );

  const nowait = fakeClient();
  t.equal(
    await runRollout(parseRolloutArgs(['pause', 'users', '--no-wait']), nowait.client, () => {}),
    0,
  );
  t.same(nowait.calls, [
    'get default/users',
    'annotate default/users gati.dev/rollout-action=pause if 1',
  ]);

  const pausing = fakeClient(handler(), (_v, h) => {
    h.status!.rollout!.phase = 'Paused';
    h.status!.rollout!.message = 'paused by gati.dev/rollout-action=pause';
  });
  const p: string[] = [];
  t.equal(
    await runRollout(parseRolloutArgs(['pause', 'users']), pausing.client, (s) => p.push(s), {
      pollMs: 0,
    }),
    0,
  );
  t.match(p.join(''), /Paused: paused by gati.dev\/rollout-action=pause/);
});

t.test('no answer within --timeout is exit 4, not 0 (issue 21 row 10)', async (t) => {
  const silent = fakeClient();
  let clock = 0;
  const said: string[] = [];
  const a = parseRolloutArgs(['abort', 'users', '--timeout', '2']);
  const run = runRollout(a, silent.client, (s) => said.push(s), {
    now: () => (clock += 500),
    pollMs: 0,
  });
  await t.rejects(run, {
    exitCode: EXIT.timedOut,
    message:
      'no answer from the operator within 2s: is it running? (gati-operator rollout status users -n default)',
  });
  t.equal(said.length, 1, 'only the line saying the annotation is set');

  const stale = handler();
  stale.status!.rollout!.lastAction = {
    value: 'abort@0',
    action: 'abort',
    at: 'x',
    outcome: 'Applied',
    message: 'an earlier abort',
    cleared: true,
  };
  clock = 0;
  await t.rejects(
    runRollout(
      parseRolloutArgs(['abort', 'users', '--timeout', '1']),
      fakeClient(stale).client,
      () => {},
      {
        now: () => (clock += 500),
        pollMs: 0,
      },
    ),
    { exitCode: EXIT.timedOut, message: /^no answer/ },
    "another action's record is no answer",
  );
});

t.test('pause is answered by the Paused phase or the RolloutAction condition', async (t) => {
  const idle = handler({
    ...rollingV2().status,
    rollout: undefined,
    conditions: [],
  });
  const client = fakeClient(idle, (_v, h) => {
    h.status!.conditions = [
      {
        type: 'RolloutAction',
        status: 'True',
        reason: 'Paused',
        message: 'pause holds every rollout step until it is removed or set to resume',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ];
  }).client;
  const out: string[] = [];
  t.equal(
    await runRollout(parseRolloutArgs(['pause', 'users']), client, (s) => out.push(s), {
      pollMs: 0,
    }),
    0,
  );
  t.match(out.join(''), /Paused: pause holds every rollout step/);
});

t.test(
  'setAction: a write on a stale version is retried, never applied over the other edit',
  async (t) => {
    const team = fakeClient(handler(), undefined, [
      (h) => (h.metadata.annotations = { ...h.metadata.annotations, owner: 'someone else' }),
    ]);
    await setAction(team.client, 'shop', 'users', 'promote@1');
    t.same(team.calls, [
      'get shop/users',
      'annotate shop/users gati.dev/rollout-action=promote@1 if 1',
      'get shop/users',
      'annotate shop/users gati.dev/rollout-action=promote@1 if 2',
    ]);
    const h = await team.client.get('shop', 'users');
    t.same(h.metadata.annotations, {
      owner: 'someone else',
      'gati.dev/rollout-action': 'promote@1',
    });

    const rival = fakeClient(handler(), undefined, [
      (h) => (h.metadata.annotations = { 'gati.dev/rollout-action': 'abort@someone' }),
    ]);
    await t.rejects(setAction(rival.client, 'shop', 'users', 'promote@1'), {
      exitCode: EXIT.conflict,
      message:
        'gati.dev/rollout-action=abort@someone was set on shop/users meanwhile: left as is, not replaced by promote@1; run the command again to replace it',
    });
    t.equal(
      (await rival.client.get('shop', 'users')).metadata.annotations?.['gati.dev/rollout-action'],
      'abort@someone',
    );

    const removed = handler();
    removed.metadata.annotations = { 'gati.dev/rollout-action': 'pause' };
    const unpaused = fakeClient(removed, undefined, [(h) => (h.metadata.annotations = {})]);
    await t.rejects(setAction(unpaused.client, 'shop', 'users', 'promote@1'), {
      message: /gati.dev\/rollout-action=\(removed\) was set/,
    });

    const busy = fakeClient(
      handler(),
      undefined,
      Array(WRITE_ATTEMPTS).fill(() => {}),
    );
    await t.rejects(setAction(busy.client, 'shop', 'users', 'promote@1'), {
      exitCode: EXIT.conflict,
      message: `shop/users changed under each of ${WRITE_ATTEMPTS} writes of gati.dev/rollout-action: try again`,
    });
    t.equal(busy.calls.filter((c) => c.startsWith('annotate')).length, WRITE_ATTEMPTS, 'bounded');

    const broken: HandlerClient = {
      ...fakeClient().client,
      annotate: async () => {
        throw new CliError('forbidden: no', EXIT.api);
      },
    };
    await t.rejects(
      setAction(broken, 'shop', 'users', 'x'),
      { exitCode: EXIT.api, message: 'forbidden: no' },
      'other errors pass through',
    );
  },
);
