import t from 'tap';
import { ONE_SHOT_ACTIONS } from '../../src/api/rollout.js';
import {
  EVENT_KINDS,
  STATE_KINDS,
  fromRecord,
  transition,
  type EngineContext,
  type RolloutEvent,
  type RolloutRecord,
  type RolloutState,
  type StateKind,
} from '../../src/timescape/engine.js';
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
