import { GATI_HANDLER } from '../api/kinds.js';
import { CliError, EXIT } from './errors.js';
import type { HandlerView } from './rollout-view.js';

/** A GatiHandler as the CLI reads it: what `rollout status` shows and the version a write is conditional on. */
export type StoredHandler = HandlerView & { metadata: { resourceVersion?: string } };

/** What the rollout command needs from the cluster; every failure is a CliError (kubeError). */
export interface HandlerClient {
  namespace: string;
  get(namespace: string, name: string): Promise<StoredHandler>;
  /**
   * Sets one annotation with a JSON merge patch. With `resourceVersion` the patch carries it, so
   * the API server applies it only to that version and answers a Conflict otherwise.
   */
  annotate(
    namespace: string,
    name: string,
    key: string,
    value: string,
    resourceVersion?: string,
  ): Promise<void>;
}

/** Conflict: the object changed since the version a write was conditional on (HTTP 409). */
export class Conflict extends CliError {
  constructor(message: string) {
    super(message, EXIT.conflict);
  }
}

/** The object a failed call was about and where it was sent, for the one line that reports it. */
export interface CallTarget {
  namespace: string;
  name: string;
  server: string;
}

const [GROUP, VERSION] = GATI_HANDLER.apiVersion.split('/') as [string, string];

/** The parts of a Kubernetes Status (the body of an API error) worth printing. */
interface Status {
  message?: string;
  reason?: string;
  details?: { name?: string };
}

/** statusOf reads an error body, which the client hands over as parsed JSON, JSON text or plain text. */
function statusOf(body: unknown): Status {
  if (typeof body === 'string') {
    try {
      return statusOf(JSON.parse(body));
    } catch {
      return { message: firstLine(body) };
    }
  }
  if (body === null || typeof body !== 'object') return {};
  const { message, reason, details } = body as Record<string, unknown>;
  return {
    message: typeof message === 'string' ? firstLine(message) : undefined,
    reason: typeof reason === 'string' ? reason : undefined,
    details: details !== null && typeof details === 'object' ? (details as Status['details']) : {},
  };
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0]!;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** answered maps an HTTP error answer of the API server to its class and one line. */
function answered(code: number, s: Status, t: CallTarget): CliError {
  const id = `${GATI_HANDLER.kind} ${t.namespace}/${t.name}`;
  const said = s.message ?? `HTTP ${code}`;
  if (code === 404 && s.reason === 'NotFound' && s.details?.name === t.name)
    return new CliError(`${id} not found`, EXIT.notFound);
  if (code === 404)
    return new CliError(
      `${id} not found: the API server at ${t.server} serves no ${GATI_HANDLER.resource}.${GROUP}/${VERSION} (are the Gati CRDs installed?)`,
      EXIT.notFound,
    );
  // The client drops the body of a 401, so the line says what it means.
  if (code === 401)
    return new CliError(
      `unauthorized: ${s.message ?? `the API server at ${t.server} did not accept the kubeconfig's credentials`}`,
      EXIT.api,
    );
  if (code === 403) return new CliError(`forbidden: ${said}`, EXIT.api);
  if (code === 409) return new Conflict(`conflict: ${said}`);
  return new CliError(`the API server answered ${code}: ${said}`, EXIT.api);
}

/**
 * kubeError turns what @kubernetes/client-node 1.x throws into one plain line and an exit code.
 * An ApiException carries the HTTP `code` and the server's `body` (a Status); its own message
 * dumps the body and every response header, so only the Status message is kept. A failed
 * connection (node-fetch's FetchError) carries a system error `code` such as ECONNREFUSED.
 */
export function kubeError(err: unknown, t: CallTarget): CliError {
  if (err instanceof CliError) return err;
  const e = (err ?? {}) as Partial<Record<'code' | 'body' | 'name' | 'type' | 'message', unknown>>;
  if (typeof e.code === 'number') return answered(e.code, statusOf(e.body), t);
  const why = typeof e.code === 'string' ? e.code : e.name === 'FetchError' ? e.type : undefined;
  if (typeof why === 'string')
    return new CliError(`cannot reach the API server at ${t.server}: ${why}`, EXIT.api);
  return new CliError(firstLine(typeof e.message === 'string' ? e.message : String(err)), EXIT.api);
}

/** Where a GatiHandler lives, in the shape of the client's custom-object requests. */
interface Ref {
  group: string;
  version: string;
  plural: string;
  namespace: string;
  name: string;
}

/**
 * kubeClient talks to the cluster with the user's kubeconfig (@kubernetes/client-node, loaded
 * only here). A kubeconfig that cannot be read or lacks the context asked for is exit 5 too.
 */
export async function kubeClient(a: {
  kubeconfig?: string;
  context?: string;
}): Promise<HandlerClient> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    if (a.kubeconfig) kc.loadFromFile(a.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    const why = typeof code === 'string' ? code : firstLine(String(message));
    throw new CliError(
      `cannot read the kubeconfig ${a.kubeconfig ?? '$KUBECONFIG'}: ${why}`,
      EXIT.api,
    );
  }
  if (a.context) {
    if (!kc.getContextObject(a.context))
      throw new CliError(`no context "${a.context}" in the kubeconfig`, EXIT.api);
    kc.setCurrentContext(a.context);
  }
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const server = kc.getCurrentCluster()?.server ?? '(no server in the kubeconfig)';
  async function call<T>(namespace: string, name: string, send: (ref: Ref) => Promise<T>) {
    try {
      return await send({
        group: GROUP,
        version: VERSION,
        plural: GATI_HANDLER.resource,
        namespace,
        name,
      });
    } catch (err) {
      throw kubeError(err, { namespace, name, server });
    }
  }
  return {
    namespace: kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default',
    get: (namespace, name) =>
      call(namespace, name, (ref) => api.getNamespacedCustomObject(ref)) as Promise<StoredHandler>,
    annotate: async (namespace, name, key, value, resourceVersion) => {
      const metadata = {
        annotations: { [key]: value },
        ...(resourceVersion && { resourceVersion }),
      };
      await call(namespace, name, (ref) =>
        api.patchNamespacedCustomObject(
          { ...ref, body: { metadata } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        ),
      );
    },
  };
}
