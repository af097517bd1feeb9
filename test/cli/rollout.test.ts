import t from 'tap';
import {
  annotationValue,
  parseRolloutArgs,
  runRollout,
  type HandlerClient,
} from '../../src/cli/rollout.js';
import { renderRollout, type HandlerView } from '../../src/cli/rollout-view.js';
import { UsageError } from '../../src/cli/usage.js';
import { rollingV2 } from '../timescape/lib.js';

// `gati-operator rollout`: argument parsing, what it prints, and how it waits for the operator.
// test/apiserver/rollout-cli.test.ts runs the same command against a real kube-apiserver.

function handler(
  status = rollingV2().status,
): HandlerView & { metadata: { resourceVersion?: string } } {
  return {
    metadata: { name: 'users', namespace: 'shop', resourceVersion: '1' },
    spec: { version: 'v2' },
    status,
  };
}

/** fakeClient serves one handler; `react` plays the operator on each annotate. */
function fakeClient(h = handler(), react?: (value: string, h: ReturnType<typeof handler>) => void) {
  const calls: string[] = [];
  const client: HandlerClient = {
    namespace: 'default',
    get: async (ns, name) => (calls.push(`get ${ns}/${name}`), structuredClone(h)),
    annotate: async (ns, name, key, value) => {
      calls.push(`annotate ${ns}/${name} ${key}=${value}`);
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
  const rows = [
    { args: ['jump', 'users'], match: /unknown rollout command "jump"/ },
    { args: ['status'], match: /which GatiHandler/ },
    { args: ['abort', 'users', '--watch'], match: /--watch goes with status/ },
    { args: ['status', 'users', '-n'], match: /-n needs a value/ },
    { args: ['status', 'users', '--timeout', '0'], match: /--timeout needs/ },
    { args: ['status', 'users', '--bogus'], match: /unknown option --bogus/ },
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
    /Rollout {6}v1 → v2 {2}Progressing {2}step 1 {2}10% of the pair {2}v2 has 10% of traffic/,
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
  t.same(applied.calls[0], 'annotate shop/users gati.dev/rollout-action=promote@lfls');
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

  const silent = fakeClient();
  let clock = 0;
  const said: string[] = [];
  const a = parseRolloutArgs(['abort', 'users', '--timeout', '2']);
  t.equal(
    await runRollout(a, silent.client, (s) => said.push(s), {
      now: () => (clock += 500),
      pollMs: 0,
    }),
    0,
  );
  t.match(said.join(''), /no answer from the operator within 2s: is it running\?/);

  const nowait = fakeClient();
  t.equal(
    await runRollout(parseRolloutArgs(['pause', 'users', '--no-wait']), nowait.client, () => {}),
    0,
  );
  t.same(nowait.calls, ['annotate default/users gati.dev/rollout-action=pause']);

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
