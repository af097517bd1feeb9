/**
 * The exit codes of gati-operator, one per class of outcome, so a script can tell them apart.
 * `failed` is each command's own failure: for `rollout`, the operator refused the action; for
 * `render` and `hook`, bad input. The rest are only `rollout`'s, which talks to a cluster.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  timedOut: 4,
  api: 5,
  conflict: 6,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** CliError is a failure main() prints as one plain line before exiting with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode) {
    super(message);
    this.exitCode = exitCode;
  }
}
