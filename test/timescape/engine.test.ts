import t from 'tap';
import { ONE_SHOT_ACTIONS } from '../../src/api/rollout.js';
import {
  EVENT_KINDS,
  PRESCALE_POLL_SECONDS,
  STATE_KINDS,
  advance,
  fromRecord,
  transition,
  type EngineContext,
  type RolloutEvent,
  type RolloutRecord,
  type RolloutState,
  type StateKind,
} from '../../src/timescape/engine.js';
import { rfc3339 } from '../../src/kube/time.js';
import { at } from './lib.js';

// The rollout engine's transition table (issue #23): every (state, event) pair, generated from
// the closed lists, with the state it leads to and — for an action — whether it was applied.
// A pair missing from the table fails the test, so a new state or event cannot go unhandled.

const ctx: EngineContext = {
  now: at(40),
  steps: [
    { weight: 10, pauseSeconds: 60 },
    { weight: 50, pauseSeconds: 60 },
  ],
  targetReady: true,
  over: false,
};

/** A Version move v1 → v2; its step 1 started at t=30 (10 s ago: its wait is not over). */
const base: RolloutRecord = {
  versionId: 'v2',
  image: 'users:v2',
  previousVersionId: 'v1',
  phase: 'Progressing',
  step: 0,
  stepWeight: 0,
  startedAt: at(20).toISOString(),
  move: { kind: 'Version', fromWeight: 0, toWeight: 100, incumbentWeight: 100 },
};
const stepping = { ...base, stepWeight: 10, stepStartedAt: at(30).toISOString() };

const STATES: Record<StateKind, RolloutState> = {
  Idle: { kind: 'Idle' },
  WaitingForTarget: fromRecord(base),
  Stepping: fromRecord(stepping),
  Paused: fromRecord({ ...stepping, phase: 'Paused', reason: 'ManualPause' }),
  Aborted: fromRecord({ ...stepping, phase: 'Aborted', reason: 'Aborted', stepWeight: 0 }),
  Succeeded: fromRecord({ ...stepping, phase: 'Succeeded', reason: 'StepCompleted' }),
};

/** Every event, the action one expanded into each one-shot action. */
const EVENTS: Record<string, RolloutEvent> = {
  AnnotationCleared: { kind: 'AnnotationCleared' },
  NewMove: {
    kind: 'NewMove',
    move: { record: { ...base, versionId: 'v3', startedAt: at(40).toISOString() } },
  },
  Revert: { kind: 'Revert' },
  Retarget: { kind: 'Retarget', image: 'users:v2-b' },
  ...Object.fromEntries(
    ONE_SHOT_ACTIONS.map((a) => [
      `Action:${a}`,
      { kind: 'Action', action: a, value: `${a}@1` } as RolloutEvent,
    ]),
  ),
  Pause: { kind: 'Pause' },
  PauseLifted: { kind: 'PauseLifted' },
  IncumbentGone: { kind: 'IncumbentGone' },
  Step: { kind: 'Step' },
};

type Outcome = StateKind | `${StateKind} (Applied)` | `${StateKind} (Ignored)`;
const W = 'WaitingForTarget';

/** The table: state → event → what it leads to. */
const TABLE: Record<StateKind, Record<string, Outcome>> = {
  Idle: {
    AnnotationCleared: 'Idle',
    NewMove: W,
    Revert: 'Idle',
    Retarget: 'Idle',
    'Action:promote': 'Idle',
    'Action:promote-full': 'Idle',
    'Action:abort': 'Idle',
    'Action:retry': 'Idle',
    'Action:resume': 'Idle',
    Pause: 'Idle',
    PauseLifted: 'Idle',
    IncumbentGone: 'Idle',
    Step: 'Idle',
  },
  WaitingForTarget: {
    AnnotationCleared: W,
    NewMove: W,
    Revert: 'Aborted',
    Retarget: W,
    'Action:promote': 'Stepping (Applied)',
    'Action:promote-full': 'Succeeded (Applied)',
    'Action:abort': 'Aborted (Applied)',
    'Action:retry': `${W} (Ignored)`,
    'Action:resume': `${W} (Ignored)`,
    Pause: 'Paused',
    PauseLifted: W,
    IncumbentGone: 'Succeeded',
    Step: 'Stepping',
  },
  Stepping: {
    AnnotationCleared: 'Stepping',
    NewMove: W,
    Revert: 'Aborted',
    Retarget: 'Stepping',
    'Action:promote': 'Stepping (Applied)',
    'Action:promote-full': 'Succeeded (Applied)',
    'Action:abort': 'Aborted (Applied)',
    'Action:retry': 'Stepping (Ignored)',
    'Action:resume': 'Stepping (Ignored)',
    Pause: 'Paused',
    PauseLifted: 'Stepping',
    IncumbentGone: 'Succeeded',
    Step: 'Stepping',
  },
  Paused: {
    AnnotationCleared: 'Paused',
    NewMove: W,
    Revert: 'Aborted',
    Retarget: 'Paused',
    'Action:promote': 'Stepping (Applied)',
    'Action:promote-full': 'Succeeded (Applied)',
    'Action:abort': 'Aborted (Applied)',
    'Action:retry': 'Paused (Ignored)',
    'Action:resume': 'Stepping (Applied)',
    Pause: 'Paused',
    PauseLifted: 'Stepping',
    IncumbentGone: 'Succeeded',
    Step: 'Paused',
  },
  Aborted: {
    AnnotationCleared: 'Aborted',
    NewMove: W,
    Revert: 'Aborted',
    Retarget: 'Aborted',
    'Action:promote': 'Aborted (Ignored)',
    'Action:promote-full': 'Aborted (Ignored)',
    'Action:abort': 'Aborted (Ignored)',
    'Action:retry': `${W} (Applied)`,
    'Action:resume': 'Aborted (Ignored)',
    Pause: 'Aborted',
    PauseLifted: 'Aborted',
    IncumbentGone: 'Aborted',
    Step: 'Aborted',
  },
  Succeeded: {
    AnnotationCleared: 'Succeeded',
    NewMove: W,
    Revert: 'Succeeded',
    Retarget: 'Succeeded',
    'Action:promote': 'Succeeded (Ignored)',
    'Action:promote-full': 'Succeeded (Ignored)',
    'Action:abort': 'Succeeded (Ignored)',
    'Action:retry': 'Succeeded (Ignored)',
    'Action:resume': 'Succeeded (Ignored)',
    Pause: 'Succeeded',
    PauseLifted: 'Succeeded',
    IncumbentGone: 'Succeeded',
    Step: 'Succeeded',
  },
};

t.test('the table covers every state and every event of the closed lists', async (t) => {
  t.same(Object.keys(TABLE).sort(), [...STATE_KINDS].sort(), 'every state');
  t.same(
    [...new Set(Object.values(EVENTS).map((e) => e.kind))].sort(),
    [...EVENT_KINDS].sort(),
    'every event kind',
  );
  for (const s of STATE_KINDS)
    t.same(Object.keys(TABLE[s]).sort(), Object.keys(EVENTS).sort(), `${s}: every event`);
});

t.test('every (state, event) pair leads where the table says', async (t) => {
  for (const s of STATE_KINDS) {
    for (const [name, e] of Object.entries(EVENTS)) {
      const before = STATES[s];
      const after = transition(before, e, ctx).state;
      const outcome =
        e.kind === 'Action' &&
        after.kind !== 'Idle' &&
        after.record.lastAction?.value === `${e.action}@1`
          ? `${after.kind} (${after.record.lastAction.outcome})`
          : after.kind;
      t.equal(outcome, TABLE[s][name], `${s} + ${name}`);
    }
  }
});

t.test('a transition never loses the record of the last action', async (t) => {
  const acted = transition(STATES.Stepping, EVENTS['Action:promote']!, ctx).state;
  const next = transition(acted, EVENTS.NewMove!, ctx).state;
  t.match(next, { kind: W, record: { versionId: 'v3', lastAction: { action: 'promote' } } });
  const cleared = transition(next, EVENTS.AnnotationCleared!, ctx).state;
  t.match(cleared, { record: { lastAction: { cleared: true } } });
});

// The capacity gate (issue #25, spec.scaling Proportional): the version gaining traffic runs
// the next step's pods before its weight moves. ctx.capacity says whether it does.
const gate = (ready: boolean): EngineContext => ({
  ...ctx,
  capacity: (step) => ({ ready, replicas: 3 + step }),
});
/** Step 1 of `stepping`, its 60 s wait over at t=100. */
const due = { ...gate(false), now: at(100) };

t.test('the capacity gate: weight moves only once the gaining version runs its pods', async (t) => {
  const rows: Array<{
    reason: string;
    from: RolloutState;
    events: RolloutEvent[];
    ctx: EngineContext;
    want: Record<string, unknown>;
  }> = [
    {
      reason: 'a step whose wait is over, its pods not Available: held, weight unchanged',
      from: STATES.Stepping,
      events: [EVENTS.Step!],
      ctx: due,
      want: {
        kind: 'Stepping',
        record: {
          step: 0,
          stepWeight: 10,
          preScale: { step: 1, reason: 'StepCompleted', replicas: 4, since: rfc3339(at(100)) },
        },
      },
    },
    {
      reason: 'the held advance happens once they are (whatever the wait)',
      from: fromRecord({
        ...stepping,
        preScale: { step: 1, reason: 'StepCompleted', replicas: 4, since: rfc3339(at(100)) },
      }),
      events: [EVENTS.Step!],
      ctx: { ...gate(true), now: at(105) },
      want: { kind: 'Stepping', record: { step: 1, stepWeight: 50, preScale: undefined } },
    },
    {
      reason: 'still not Available: still held, since kept',
      from: fromRecord({
        ...stepping,
        preScale: { step: 1, reason: 'StepCompleted', replicas: 4, since: rfc3339(at(100)) },
      }),
      events: [EVENTS.Step!],
      ctx: { ...gate(false), now: at(130) },
      want: { record: { step: 0, preScale: { since: rfc3339(at(100)) } } },
    },
    {
      reason: 'the first step waits for the target to run its pods',
      from: STATES.WaitingForTarget,
      events: [EVENTS.Step!],
      ctx: gate(false),
      want: { kind: W, record: { stepWeight: 0, preScale: { step: 0, reason: 'Started' } } },
    },
    {
      reason: 'and starts once it does',
      from: STATES.WaitingForTarget,
      events: [EVENTS.Step!],
      ctx: gate(true),
      want: { kind: 'Stepping', record: { stepWeight: 10, preScale: undefined } },
    },
    {
      reason: 'promote acts once: the advance waits for the pods',
      from: STATES.Stepping,
      events: [EVENTS['Action:promote']!, EVENTS.Step!],
      ctx: gate(false),
      want: {
        record: {
          step: 0,
          preScale: { step: 1, reason: 'Promoted' },
          lastAction: { outcome: 'Applied' },
        },
      },
    },
    {
      reason: 'a held promote moves on as Promoted',
      from: fromRecord({
        ...stepping,
        preScale: { step: 1, reason: 'Promoted', replicas: 4, since: rfc3339(at(40)) },
      }),
      events: [EVENTS.Step!],
      ctx: gate(true),
      want: { kind: 'Stepping', record: { step: 1, reason: 'Promoted' } },
    },
    {
      reason: 'promote-full waits for the whole size',
      from: STATES.Stepping,
      events: [EVENTS['Action:promote-full']!],
      ctx: gate(false),
      want: {
        kind: 'Stepping',
        record: { preScale: { step: 2, reason: 'PromotedFull', replicas: 5 } },
      },
    },
    {
      reason: 'a held promote-full completes once the pods run',
      from: fromRecord({
        ...stepping,
        preScale: { step: 2, reason: 'PromotedFull', replicas: 5, since: rfc3339(at(40)) },
      }),
      events: [EVENTS.Step!],
      ctx: gate(true),
      want: { kind: 'Succeeded', record: { reason: 'PromotedFull', preScale: undefined } },
    },
    {
      reason: 'the last step is held too: the move completes once the target runs its whole size',
      from: fromRecord({ ...stepping, step: 1, stepWeight: 50 }),
      events: [EVENTS.Step!],
      ctx: due,
      want: { kind: 'Stepping', record: { step: 1, preScale: { step: 2, replicas: 5 } } },
    },
    {
      reason: 'a pause keeps the held advance; resume goes on with it',
      from: fromRecord({
        ...stepping,
        phase: 'Paused',
        reason: 'ManualPause',
        pausedAt: at(35).toISOString(),
        preScale: { step: 1, reason: 'StepCompleted', replicas: 4, since: rfc3339(at(30)) },
      }),
      events: [EVENTS['Action:resume']!],
      ctx: gate(false),
      want: { kind: 'Stepping', record: { preScale: { step: 1 } } },
    },
    {
      reason: 'an abort drops it',
      from: fromRecord({
        ...stepping,
        preScale: { step: 1, reason: 'StepCompleted', replicas: 4, since: rfc3339(at(30)) },
      }),
      events: [EVENTS['Action:abort']!],
      ctx: gate(false),
      want: { kind: 'Aborted', record: { preScale: undefined } },
    },
    {
      reason: 'no gate (spec.scaling Full): the step moves as before',
      from: STATES.Stepping,
      events: [EVENTS.Step!],
      ctx: { ...ctx, now: at(100) },
      want: { kind: 'Stepping', record: { step: 1, preScale: undefined } },
    },
  ];
  for (const r of rows) {
    const out = advance(r.from, r.events, r.ctx);
    t.match(out.state, r.want, r.reason);
    if (r.want.kind === 'Stepping' && (out.state as { record: RolloutRecord }).record.preScale)
      t.equal(out.dueInSeconds, PRESCALE_POLL_SECONDS, `${r.reason}: looked at again soon`);
  }
});

// A gateway slow to apply the route (Accepted reported for an older generation): the step's
// weights may not serve yet, so the step is not judged, and it starts over once they can.
const behind = { generation: 7, applied: 6 };

t.test('a step the gateway has not applied yet holds, and starts over once it has', async (t) => {
  // Step 1 started at t=30 with a 60 s wait: over at t=90, but the gateway lags until t=120.
  const held = advance(STATES.Stepping, [EVENTS.Step!], {
    ...ctx,
    now: at(100),
    routeBehind: behind,
  });
  t.match(held.state, {
    kind: 'Stepping',
    record: { step: 0, stepWeight: 10, routeBehindSince: rfc3339(at(100)) },
  });
  t.match(
    (held.state as { record: RolloutRecord }).record.message,
    /held: the gateway has applied the route only at generation 6 of 7/,
    'the status says why and which generations',
  );
  t.equal(held.dueInSeconds, 5, 'looked at again within 5 s besides the route’s own events');

  const still = advance(held.state, [EVENTS.Step!], { ...ctx, now: at(110), routeBehind: behind });
  t.equal(
    (still.state as { record: RolloutRecord }).record.routeBehindSince,
    rfc3339(at(100)),
    'the time it was first seen behind is kept: the status does not change every sync',
  );

  const caught = advance(still.state, [EVENTS.Step!], { ...ctx, now: at(120) });
  t.match(
    caught.state,
    {
      kind: 'Stepping',
      record: {
        step: 0,
        stepWeight: 10,
        stepStartedAt: rfc3339(at(120)),
        stepEndsAt: rfc3339(at(180)),
        routeBehindSince: undefined,
      },
    },
    'caught up at t=120: the step starts over, its whole 60 s wait still to come',
  );
  t.equal(caught.dueInSeconds, 60);

  const early = advance(caught.state, [EVENTS.Step!], { ...ctx, now: at(170) });
  t.match(early.state, { record: { step: 0 } }, 'not before its wait is over');
  const next = advance(caught.state, [EVENTS.Step!], { ...ctx, now: at(180) });
  t.match(next.state, { record: { step: 1, stepWeight: 50 } }, 'then the next step');
});

t.test('a gateway that is not behind changes nothing', async (t) => {
  const plain = advance(STATES.Stepping, [EVENTS.Step!], { ...ctx, now: at(90) });
  t.match(plain.state, { record: { step: 1, routeBehindSince: undefined } }, 'advances on time');
});

t.test('held for the gateway, a person can still act on the move', async (t) => {
  const held = advance(STATES.Stepping, [EVENTS.Step!], { ...ctx, routeBehind: behind });
  const lag = { ...ctx, routeBehind: behind };
  const abort = { kind: 'Action', action: 'abort', value: 'abort@2' } as RolloutEvent;
  t.match(advance(held.state, [abort], lag).state, {
    kind: 'Aborted',
    record: { routeBehindSince: undefined },
  });
  t.match(advance(held.state, [EVENTS.Pause!], lag).state, { kind: 'Paused' });
  const promote = { kind: 'Action', action: 'promote', value: 'promote@2' } as RolloutEvent;
  t.match(advance(held.state, [promote], lag).state, {
    kind: 'Stepping',
    record: { step: 1, routeBehindSince: undefined },
  });
});
