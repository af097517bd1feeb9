import { ROLLOUT_ACTIONS, type RolloutAction } from '../api/rollout.js';
import { ROLLOUT_ACTION_ANNOTATION } from '../api/keys.js';
import { CliError, EXIT, type ExitCode } from './errors.js';
import { Conflict, kubeClient, type HandlerClient, type StoredHandler } from './kube.js';
import { renderRollout } from './rollout-view.js';
import { parseCommandLine, UsageError } from './usage.js';

export const ROLLOUT_USAGE = [
  'gati-operator rollout <status|pause|resume|promote|promote-full|abort|retry> <handler> [-n <namespace>]',
  '    status           versions, weights, step, analysis and conditions; --watch follows changes',
  '    pause            hold every step (a state: until resume)',
  "    resume           continue a paused rollout with the step's remaining time",
  '    promote          end the current step now; promote-full: go to 100% now',
  '    abort            new version to weight 0 at once, the incumbent back to its full share',
  '    retry            roll an aborted version out again from step 1',
  "  -n, --namespace <ns>   default: the kubeconfig context's, else default",
  '  --kubeconfig <file>    default: $KUBECONFIG, else ~/.kube/config, else in-cluster',
  '  --context <name>       a kubeconfig context other than the current one',
  '  -w, --watch            status: print again on every change (Ctrl-C to stop)',
  '  --no-wait              actions: set the annotation and return without waiting for the operator',
  '  --timeout <seconds>    how long to wait for the operator (default 30) or to watch (default: forever)',
  'Exit codes:',
  `  ${EXIT.ok}  shown, or the operator applied the action (or --no-wait: the annotation is set)`,
  `  ${EXIT.failed}  the operator refused the action (Ignored; its reason is printed)`,
  `  ${EXIT.usage}  usage error`,
  `  ${EXIT.notFound}  no such GatiHandler (or the Gati CRDs are not installed)`,
  `  ${EXIT.timedOut}  no answer from the operator within --timeout`,
  `  ${EXIT.api}  the API server could not be used: unreachable, unauthorized, forbidden, an unreadable kubeconfig, another API error`,
  `  ${EXIT.conflict}  another rollout action was set meanwhile (left as is), or the handler kept changing under every write`,
].join('\n');

const ACTIONS = ROLLOUT_ACTIONS;
type Action = RolloutAction;
type Verb = 'status' | Action;

/** The parsed `rollout` command line. */
export interface RolloutArgs {
  verb: Verb;
  handler: string;
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  watch: boolean;
  wait: boolean;
  timeoutSeconds?: number;
}

const OPTIONS = {
  namespace: { type: 'string', short: 'n' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  watch: { type: 'boolean', short: 'w' },
  'no-wait': { type: 'boolean' },
  timeout: { type: 'string' },
} as const;

const isVerb = (v: string | undefined): v is Verb =>
  v === 'status' || (ACTIONS as readonly string[]).includes(v ?? '');

/** seconds reads --timeout: a number of seconds > 0. */
function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--timeout needs a number of seconds > 0 (got ${value})`);
  return n;
}

/** parseRolloutArgs reads the command line; mistakes are UsageErrors. */
export function parseRolloutArgs(args: string[]): RolloutArgs {
  const { values: v, positionals } = parseCommandLine(args, OPTIONS, {
    timeout: 'a number of seconds > 0',
  });
  const [verb, handler, ...extra] = positionals;
  if (!isVerb(verb)) throw new UsageError(`unknown rollout command "${verb ?? ''}"`);
  if (!handler) throw new UsageError('which GatiHandler? give its name');
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (v.watch && verb !== 'status') throw new UsageError('--watch goes with status');
  return {
    verb,
    handler,
    namespace: v.namespace,
    kubeconfig: v.kubeconfig,
    context: v.context,
    watch: v.watch ?? false,
    wait: !v['no-wait'],
    timeoutSeconds: seconds(v.timeout),
  };
}

/** annotationValue: pause is a state; one-shot actions carry a token so each command acts once. */
export function annotationValue(verb: Action, token: string): string {
  return verb === 'pause' ? 'pause' : `${verb}@${token}`;
}

/** How many conditional writes setAction tries before it gives up on a handler that keeps changing. */
export const WRITE_ATTEMPTS = 5;

/**
 * setAction sets the action annotation on the version of the handler it read. The merge patch
 * carries that resourceVersion, so a write racing another edit (a person, a GitOps tool, the
 * operator writing status) is answered 409 instead of being applied over it, and is retried on a
 * fresh read. Another rollout action set meanwhile is someone's decision too: it is not
 * overwritten, the command stops with exit 6.
 */
export async function setAction(
  client: HandlerClient,
  namespace: string,
  name: string,
  value: string,
): Promise<void> {
  const actionOf = (h: StoredHandler) => h.metadata.annotations?.[ROLLOUT_ACTION_ANNOTATION];
  let h = await client.get(namespace, name);
  const before = actionOf(h);
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.annotate(
        namespace,
        name,
        ROLLOUT_ACTION_ANNOTATION,
        value,
        h.metadata.resourceVersion,
      );
    } catch (err) {
      if (!(err instanceof Conflict)) throw err;
      if (attempt === WRITE_ATTEMPTS)
        throw new Conflict(
          `${namespace}/${name} changed under each of ${WRITE_ATTEMPTS} writes of ${ROLLOUT_ACTION_ANNOTATION}: try again`,
        );
    }
    h = await client.get(namespace, name);
    const now = actionOf(h);
    if (now !== before)
      throw new Conflict(
        `${ROLLOUT_ACTION_ANNOTATION}=${now ?? '(removed)'} was set on ${namespace}/${name} meanwhile: left as is, not replaced by ${value}; run the command again to replace it`,
      );
  }
}

/** The operator's answer to an action: the line to print and the exit code. */
interface Answer {
  text: string;
  code: ExitCode;
}

/**
 * answerTo reads what the operator has said about `value`, undefined while it has said nothing.
 * pause is a state, not recorded in lastAction: the rollout's phase or the RolloutAction
 * condition says it holds. A one-shot action is answered by lastAction carrying its value.
 */
function answerTo(h: StoredHandler, verb: Action, value: string): Answer | undefined {
  const r = h.status?.rollout;
  if (verb === 'pause') {
    if (r?.phase === 'Paused') return { text: `Paused: ${r.message ?? ''}`, code: EXIT.ok };
    const c = h.status?.conditions?.find((c) => c.type === 'RolloutAction');
    return c?.reason === 'Paused' ? { text: `Paused: ${c.message}`, code: EXIT.ok } : undefined;
  }
  const act = r?.lastAction;
  if (!r || act?.value !== value || act.cleared) return undefined;
  return {
    text: `${act.outcome}: ${act.message}; rollout ${r.phase}, step ${r.step + 1}, ${r.trafficPercent ?? 0}% of traffic on ${r.versionId}`,
    code: act.outcome === 'Applied' ? EXIT.ok : EXIT.failed,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How runRollout keeps time; tests pass a fake clock and no poll interval. */
interface Clock {
  now?: () => number;
  pollMs?: number;
}

/** showStatus prints the handler once, or on every change until --timeout with --watch. */
async function showStatus(
  a: RolloutArgs,
  ns: string,
  client: HandlerClient,
  out: (text: string) => void,
  { now = Date.now, pollMs = 1000 }: Clock,
): Promise<ExitCode> {
  let last: string | undefined;
  const until = a.timeoutSeconds === undefined ? Infinity : now() + a.timeoutSeconds * 1000;
  do {
    const h = await client.get(ns, a.handler);
    if (h.metadata.resourceVersion !== last) {
      out(renderRollout(h));
      last = h.metadata.resourceVersion;
      if (a.watch) out('\n');
    }
    if (!a.watch) return EXIT.ok;
    await sleep(pollMs);
  } while (now() < until);
  return EXIT.ok;
}

/** awaitAnswer polls the handler until the operator answers `value`; silence past --timeout is exit 4. */
async function awaitAnswer(
  a: RolloutArgs & { verb: Action },
  ns: string,
  value: string,
  client: HandlerClient,
  out: (text: string) => void,
  { now = Date.now, pollMs = 1000 }: Clock,
): Promise<ExitCode> {
  const timeout = a.timeoutSeconds ?? 30;
  const until = now() + timeout * 1000;
  do {
    const answer = answerTo(await client.get(ns, a.handler), a.verb, value);
    if (answer) {
      out(`${answer.text}\n`);
      return answer.code;
    }
    await sleep(pollMs);
  } while (now() < until);
  throw new CliError(
    `no answer from the operator within ${timeout}s: is it running? (gati-operator rollout status ${a.handler} -n ${ns})`,
    EXIT.timedOut,
  );
}

/**
 * runRollout runs one parsed command against `client`, writing results to `out`; returns the
 * exit code of an answer (0 or 1) and throws a CliError for every other class (ROLLOUT_USAGE).
 */
export async function runRollout(
  a: RolloutArgs,
  client: HandlerClient,
  out: (text: string) => void,
  clock: Clock = {},
): Promise<ExitCode> {
  const ns = a.namespace ?? client.namespace;
  if (a.verb === 'status') return showStatus(a, ns, client, out, clock);
  const value = annotationValue(a.verb, (clock.now ?? Date.now)().toString(36));
  await setAction(client, ns, a.handler, value);
  out(`${ns}/${a.handler}: ${ROLLOUT_ACTION_ANNOTATION}=${value}\n`);
  if (!a.wait) return EXIT.ok;
  return awaitAnswer({ ...a, verb: a.verb }, ns, value, client, out, clock);
}

/** rolloutCommand is `gati-operator rollout`. */
export async function rolloutCommand(args: string[]): Promise<number> {
  const a = parseRolloutArgs(args);
  return runRollout(a, await kubeClient(a), (t) => process.stdout.write(t));
}
