/**
 * The closed lists of the rollout engine (docs/progressive-delivery.md), in one place: the CRD
 * enums, the engine (src/timescape/engine.ts), the status conditions, the CLI and the docs all
 * read them from here.
 */

/** The gati.dev/rollout-action values. `pause` is a state; the others act once. */
export const ROLLOUT_ACTIONS = [
  'pause',
  'resume',
  'promote',
  'promote-full',
  'abort',
  'retry',
] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

/** The actions that act once, on the move in flight when first seen. */
export const ONE_SHOT_ACTIONS = ['promote', 'promote-full', 'abort', 'retry', 'resume'] as const;
export type OneShotAction = (typeof ONE_SHOT_ACTIONS)[number];

/** What status.rollout.phase says. */
export const ROLLOUT_PHASES = ['Progressing', 'Paused', 'Aborted', 'Succeeded'] as const;

/**
 * Why a move is where it is, per phase. Progressing: why the current step began. Paused: what
 * holds it. Aborted: what took the target back. Succeeded: how it ended.
 */
const ROLLOUT_REASONS = {
  Progressing: ['Started', 'StepCompleted', 'Promoted', 'Resumed', 'Retried'],
  Paused: ['ManualPause', 'AnalysisInconclusive', 'AnalysisFailed'],
  Aborted: ['Aborted', 'Reverted', 'AnalysisFailed'],
  Succeeded: [
    'Available',
    'Completed',
    'StepCompleted',
    'Promoted',
    'PromotedFull',
    'IncumbentGone',
    'Immediate',
    'Rollback',
  ],
} as const;
export type PauseReason = (typeof ROLLOUT_REASONS)['Paused'][number];
export type AbortReason = (typeof ROLLOUT_REASONS)['Aborted'][number];
export type SuccessReason = (typeof ROLLOUT_REASONS)['Succeeded'][number];
type ProgressReason = (typeof ROLLOUT_REASONS)['Progressing'][number];
export type RolloutReason = PauseReason | AbortReason | SuccessReason | ProgressReason;

/** Every reason, once, in a stable order (the CRD enum). */
export const ALL_ROLLOUT_REASONS: RolloutReason[] = [
  ...new Set(Object.values(ROLLOUT_REASONS).flat()),
] as RolloutReason[];

/**
 * What kind of traffic move a rollout is. `Version`: a new spec.version takes over from the
 * version serving most. `Weight`: a GatiVersion gains weight beside the others (new, raised
 * routingWeight, a breaking version made routable). `Rollback`: spec.version goes back to the
 * version a move displaced, inside its rollback window: one step, no analysis.
 */
export const MOVE_KINDS = ['Version', 'Weight', 'Rollback'] as const;
export type MoveKind = (typeof MOVE_KINDS)[number];

/** How a GatiVersion takes weight: walking the handler's steps (default) or at once. */
export const VERSION_ROLLOUT_MODES = ['Stepped', 'Immediate'] as const;

/** The phases of one live version. */
export const VERSION_PHASES = [
  'Pending',
  'Active',
  'Draining',
  'Decommissioned',
  'Failed',
] as const;

/**
 * What a sync decides for one version, as one value (src/timescape/lifecycle.ts):
 * Serving — it should take traffic (weighted, pinned or aliased); Standby — a move displaced it
 * and its rollback window is open (pods, pin rule and a weight-0 backend kept); Draining — on
 * its way out, its pin rule and weight-0 backend kept until drained; Retired — drained, its
 * workloads go. An aborted target drains or retires like any other and is reported Failed.
 */
export type Lifecycle = 'Serving' | 'Standby' | 'Draining' | 'Retired';

/** Rollout and drain transitions, as logged and counted (gati_operator_rollout_transitions_total). */
export const TRANSITIONS = [
  'RolloutStarted',
  'StepAdvanced',
  'RolloutPaused',
  'RolloutResumed',
  'RolloutAborted',
  'RolloutSucceeded',
  'Promoted',
  'PromotedFull',
  'RolloutRetried',
  'Rollback',
  'DrainStarted',
  'Decommissioned',
] as const;
export type TransitionName = (typeof TRANSITIONS)[number];
