import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import {
  GATI_HANDLER,
  GATI_ROLLOUT_POLICY,
  GATI_VERSION,
  type ResourceType,
} from '../api/kinds.js';
import type { NotifyConfig } from './config.js';
import { httpPost, type EventStore, type Post } from './deliver.js';
import { REPORTING_CONTROLLER, type KubeEvent } from './events.js';
import {
  createNotifier,
  type HandlerObject,
  type Notifier,
  type NotifierOptions,
} from './notifier.js';

/**
 * `gati-operator notify` (DESIGN §4b "Credentials live apart from the hooks"): informers over
 * GatiRolloutPolicies, GatiVersions and GatiHandlers (@kubernetes/client-node), and the Events
 * API. Its ServiceAccount may read Gati objects and create and read Events, nothing else; the
 * hook server keeps no API access at all.
 */

type Log = NotifierOptions['log'] & { error(o: object, msg: string): void };

export interface RunOptions {
  kubeconfig: KubeConfig;
  config: NotifyConfig;
  log: Log;
  post?: Post;
  now?: () => Date;
}

export interface Running {
  notifier: Notifier;
  stop(): Promise<void>;
}

type Cached = KubernetesObject & { spec?: Record<string, unknown> };

/** startNotify lists and watches, then notifies until stopped. */
export async function startNotify(o: RunOptions): Promise<Running> {
  const k8s = await import('@kubernetes/client-node');
  const custom = o.kubeconfig.makeApiClient(k8s.CustomObjectsApi);
  const eventsApi = o.kubeconfig.makeApiClient(k8s.EventsV1Api);
  const ns = o.config.namespace;
  let stopped = false;
  const informer = (t: ResourceType) => {
    const [group, version] = t.apiVersion.split('/') as [string, string];
    const path = `/apis/${t.apiVersion}${ns ? `/namespaces/${ns}` : ''}/${t.resource}`;
    const list = () =>
      (ns
        ? custom.listNamespacedCustomObject({ group, version, namespace: ns, plural: t.resource })
        : custom.listClusterCustomObject({ group, version, plural: t.resource })) as Promise<
        import('@kubernetes/client-node').KubernetesListObject<Cached>
      >;
    const inf = k8s.makeInformer<Cached>(o.kubeconfig, path, list);
    // A watch that ends in an error is started again (it relists: nothing is missed).
    inf.on(k8s.ERROR, (err?: unknown) => {
      if (stopped) return;
      const code = (err as { code?: unknown })?.code;
      o.log.warn(
        {
          resource: t.resource,
          code: typeof code === 'string' || typeof code === 'number' ? code : undefined,
        },
        `watch of ${t.resource} failed; restarting`,
      );
      setTimeout(() => {
        if (!stopped) void inf.start().catch(() => {});
      }, 2000).unref();
    });
    return inf;
  };
  const policies = informer(GATI_ROLLOUT_POLICY);
  const versions = informer(GATI_VERSION);
  const handlers = informer(GATI_HANDLER);
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
  const notifier = createNotifier({
    events: eventStore(eventsApi),
    post: o.post ?? httpPost,
    allowedHosts: o.config.allowedHosts,
    leaseSeconds: o.config.leaseSeconds,
    maxAgeSeconds: o.config.maxAgeSeconds,
    timeoutMs: o.config.timeoutMs,
    backoffMs: [1000, 2000, 4000, 8000, 16000],
    reporter: { controller: REPORTING_CONTROLLER, instance: o.config.instance },
    now: o.now ?? (() => new Date()),
    sleep,
    log: o.log,
    policy: (namespace, name) => policies.get(name, namespace)?.spec,
    versionUid: (namespace, name) => versions.get(name, namespace)?.metadata?.uid,
  });
  // The policies and versions are listed first: a handler's targets come from its policy.
  await policies.start();
  await versions.start();
  handlers.on(k8s.ADD, (h) => notifier.handle(h as HandlerObject));
  handlers.on(k8s.UPDATE, (h) => notifier.handle(h as HandlerObject));
  handlers.on(k8s.DELETE, (h) => notifier.forget(h as HandlerObject));
  await handlers.start();
  o.log.info({ namespace: ns ?? '(all)', instance: o.config.instance }, 'notifier started');
  return {
    notifier,
    async stop() {
      stopped = true;
      notifier.stop();
      await Promise.all([handlers.stop(), versions.stop(), policies.stop()]);
    },
  };
}

/** eventStore: the Events API as the delivery needs it. */
function eventStore(api: import('@kubernetes/client-node').EventsV1Api): EventStore {
  const codeOf = (err: unknown) => (err as { code?: unknown })?.code;
  return {
    async create(e: KubeEvent) {
      try {
        await api.createNamespacedEvent({
          namespace: e.metadata.namespace,
          body: e as unknown as import('@kubernetes/client-node').EventsV1Event,
        });
        return 'created';
      } catch (err) {
        if (codeOf(err) === 409) return 'exists';
        throw err;
      }
    },
    async exists(namespace, name) {
      try {
        await api.readNamespacedEvent({ namespace, name });
        return true;
      } catch (err) {
        if (codeOf(err) === 404) return false;
        throw err;
      }
    },
  };
}
