import { ROLLOUT_ACTION_ANNOTATION } from '../api/keys.js';
import { GATI_HANDLER } from '../api/kinds.js';
import { renderRollout, type HandlerView } from './rollout-view.js';
import { UsageError } from './usage.js';

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
  '  --watch                status: print again on every change (Ctrl-C to stop)',
  '  --no-wait              actions: set the annotation and return without waiting for the operator',
  '  --timeout <seconds>    how long to wait for the operator (default 30) or to watch (default: forever)',
  'Exit codes: 0 applied (or shown), 1 ignored by the operator or an API error, 2 usage error.',
].join('\n');

const ACTIONS = ['pause', 'resume', 'promote', 'promote-full', 'abort', 'retry'] as const;
type Verb = 'status' | (typeof ACTIONS)[number];

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

/** parseRolloutArgs reads the command line; mistakes are UsageErrors. */
export function parseRolloutArgs(args: string[]): RolloutArgs {
  const rest: string[] = [];
  const out: Partial<RolloutArgs> = { watch: false, wait: true };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined || v.startsWith('-')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '-n' || a === '--namespace') out.namespace = value();
    else if (a === '--kubeconfig') out.kubeconfig = value();
    else if (a === '--context') out.context = value();
    else if (a === '--watch' || a === '-w') out.watch = true;
    else if (a === '--no-wait') out.wait = false;
    else if (a === '--timeout') {
      const n = Number(value());
      if (!Number.isFinite(n) || n <= 0)
        throw new UsageError('--timeout needs a number of seconds > 0');
      out.timeoutSeconds = n;
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else rest.push(a);
  }
  const [verb, handler, ...extra] = rest;
  if (verb !== 'status' && !(ACTIONS as readonly string[]).includes(verb ?? ''))
    throw new UsageError(`unknown rollout command "${verb ?? ''}"`);
  if (!handler) throw new UsageError('which GatiHandler? give its name');
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (out.watch && verb !== 'status') throw new UsageError('--watch goes with status');
  return { ...out, verb: verb as Verb, handler } as RolloutArgs;
}

/** What the command needs from the cluster; the real one talks to the API server. */
export interface HandlerClient {
  namespace: string;
  get(
    namespace: string,
    name: string,
  ): Promise<HandlerView & { metadata: { resourceVersion?: string } }>;
  annotate(namespace: string, name: string, key: string, value: string): Promise<void>;
}

/** annotationValue: pause is a state; one-shot actions carry a token so each command acts once. */
export function annotationValue(verb: (typeof ACTIONS)[number], token: string): string {
  return verb === 'pause' ? 'pause' : `${verb}@${token}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** runRollout runs one parsed command against `client`, writing to `out`; returns the exit code. */
export async function runRollout(
  a: RolloutArgs,
  client: HandlerClient,
  out: (text: string) => void,
  opts: { now?: () => number; pollMs?: number } = {},
): Promise<number> {
  const ns = a.namespace ?? client.namespace;
  const now = opts.now ?? Date.now;
  const poll = opts.pollMs ?? 1000;
  if (a.verb === 'status') {
    let last: string | undefined;
    const until = a.timeoutSeconds === undefined ? Infinity : now() + a.timeoutSeconds * 1000;
    do {
      const h = await client.get(ns, a.handler);
      if (h.metadata.resourceVersion !== last) {
        out(renderRollout(h));
        last = h.metadata.resourceVersion;
        if (a.watch) out('\n');
      }
      if (!a.watch) return 0;
      await sleep(poll);
    } while (now() < until);
    return 0;
  }
  const value = annotationValue(a.verb, now().toString(36));
  await client.annotate(ns, a.handler, ROLLOUT_ACTION_ANNOTATION, value);
  out(`${ns}/${a.handler}: ${ROLLOUT_ACTION_ANNOTATION}=${value}\n`);
  if (!a.wait) return 0;
  const until = now() + (a.timeoutSeconds ?? 30) * 1000;
  while (now() < until) {
    const r = (await client.get(ns, a.handler)).status?.rollout;
    if (a.verb === 'pause' && r && (r.phase === 'Paused' || r.lastAction?.value === value)) {
      out(`${r.phase}: ${r.message ?? ''}\n`);
      return 0;
    }
    if (r?.lastAction?.value === value && !r.lastAction.cleared) {
      out(
        `${r.lastAction.outcome}: ${r.lastAction.message}; rollout ${r.phase}, step ${r.step + 1}, ${r.trafficPercent ?? 0}% of traffic on ${r.versionId}\n`,
      );
      return r.lastAction.outcome === 'Applied' ? 0 : 1;
    }
    await sleep(poll);
  }
  out(
    `no answer from the operator within ${a.timeoutSeconds ?? 30}s: is it running? (gati-operator rollout status ${a.handler} -n ${ns})\n`,
  );
  return 0;
}

/** kubeClient talks to the cluster with the user's kubeconfig (@kubernetes/client-node, loaded only here). */
export async function kubeClient(
  a: Pick<RolloutArgs, 'kubeconfig' | 'context'>,
): Promise<HandlerClient> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (a.kubeconfig) kc.loadFromFile(a.kubeconfig);
  else kc.loadFromDefault();
  if (a.context) kc.setCurrentContext(a.context);
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const [group, version] = GATI_HANDLER.apiVersion.split('/') as [string, string];
  const ref = (namespace: string, name: string) => ({
    group,
    version,
    namespace,
    plural: GATI_HANDLER.resource,
    name,
  });
  return {
    namespace: kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default',
    get: async (namespace, name) =>
      (await api.getNamespacedCustomObject(ref(namespace, name))) as HandlerView,
    annotate: async (namespace, name, key, value) => {
      await api.patchNamespacedCustomObject(
        { ...ref(namespace, name), body: { metadata: { annotations: { [key]: value } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    },
  };
}

/** rolloutCommand is `gati-operator rollout`. */
export async function rolloutCommand(args: string[]): Promise<number> {
  const a = parseRolloutArgs(args);
  const client = await kubeClient(a);
  return runRollout(a, client, (t) => process.stdout.write(t));
}
