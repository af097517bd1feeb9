/**
 * The pods of the loop's handler versions, as far as a gateway and Prometheus can tell: for
 * every version Deployment with replicas > 0 (and an image that becomes Available), one
 * VersionApp (./apps.ts) listening on every interface, published in EndpointSlices of each
 * Service that selects the Deployment's pods, and listed as a Prometheus scrape target.
 *
 * What a real cluster's kubelet and EndpointSlice controller would do, in the order that
 * matters for traffic: a starting version's endpoint is ready before its Deployment reports
 * Available (the kubelet stand-in waits for reconcile()), and a stopping one is first marked
 * not ready, then its preStop sleep passes, then its server stops — so a gateway that stops
 * sending it requests in time never sees a refused connection.
 *
 * Facts of the data plane this follows (docs/testing.md, "Traffic"): the API server refuses
 * loopback addresses in EndpointSlices, so endpoints carry the node's own non-loopback
 * address; a gateway matches a slice's port to the Service port by NAME; an endpoint needs
 * `conditions.ready: true` to be used; one Service's endpoints are de-duplicated by address, so
 * a Deployment gets one server whatever its replicas.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { HANDLER_LABEL, VERSION_ID_ANNOTATION, VERSION_LABEL } from '../../../src/api/keys.js';
import { hash8 } from '../../../src/resources/names.js';
import type { Api, Obj } from '../../e2e/lib/api.js';
import { behaviourOf, VersionApp } from './apps.js';

/** The managed-by label of the EndpointSlices written here. */
const SLICE_MANAGER = 'loop-kubelet.gati.dev';

/** The node's first non-loopback IPv4 address, or undefined when it has none. */
export function nodeAddress(): string | undefined {
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

const keyOf = (o: Obj): string => `${o.metadata.namespace}/${o.metadata.name}`;
const podLabels = (d: Obj): Record<string, string> => d.spec?.template?.metadata?.labels ?? {};
const container = (d: Obj): Obj | undefined => d.spec?.template?.spec?.containers?.[0];

/** The Service selects the Deployment's pods (same namespace, every selector label matches). */
function selects(svc: Obj, d: Obj): boolean {
  const sel: Record<string, string> = svc.spec?.selector ?? {};
  const labels = podLabels(d);
  return (
    svc.metadata.namespace === d.metadata.namespace &&
    Object.keys(sel).length > 0 &&
    Object.entries(sel).every(([k, v]) => labels[k] === v)
  );
}

/** The slice of `svc` for the pods of Deployment `d` (one per pair: their ports differ). */
function sliceName(svc: Obj, d: Obj): string {
  return `${String(svc.metadata.name).slice(0, 54)}-${hash8(d.metadata.name)}`;
}

interface Running {
  deployment: Obj;
  app: VersionApp;
  /** Its endpoint's condition: false from the moment it starts stopping. */
  ready: boolean;
}

export interface PodRuntimeOptions {
  /** The address endpoints carry (the node's, not loopback). */
  address: string;
  /** A Prometheus file_sd file rewritten with one target per running app. */
  targetsFile?: string;
}

/** The runtime the kubelet stand-in drives; see the file comment. */
export interface PodRuntime {
  /**
   * Brings the Deployment's app in line with whether its pods run (`up`: replicas that become
   * Available); resolves once its endpoints say so. Only version Deployments get an app.
   */
  reconcile(d: Obj, up: boolean): Promise<void>;
  /** A Deployment was deleted: its app stops like one scaled to 0. */
  removed(d: Obj): Promise<void>;
  /** A Service appeared or changed: slices for the apps it selects. */
  service(svc: Obj): Promise<void>;
  /** A Service was deleted (its slices go with it, by ownerReference). */
  serviceDeleted(svc: Obj): void;
  /** Apps that failed to start and EndpointSlice writes that failed (the stories then see failed requests). */
  errors(): string[];
  /** The apps running now, by `namespace/deployment`, with their version and port. */
  apps(): Array<{ key: string; versionId: string; port: number }>;
  stop(): Promise<void>;
}

/** The pod's preStop sleep in ms (what a real pod waits after its endpoint went not ready). */
function preStopOf(d: Obj): number {
  return Number(container(d)?.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
}

/** startPodRuntime: the runtime the kubelet stand-in drives (see the file comment). */
export function startPodRuntime(api: Api, opts: PodRuntimeOptions): PodRuntime {
  const running = new Map<string, Running>();
  const errors: string[] = [];
  const noting = (what: string) => (e: unknown) => {
    errors.push(`${what}: ${String(e)}`);
  };
  const services = new Map<string, Obj>();
  /** One chain of work per Deployment, so its starts and stops never interleave. */
  const chains = new Map<string, Promise<void>>();
  const serial = (key: string, work: () => Promise<void>): Promise<void> => {
    // Never rejects: a failure is kept for the diagnostics, and the next work still runs.
    const next = (chains.get(key) ?? Promise.resolve()).then(work).catch(noting(`app ${key}`));
    chains.set(key, next);
    return next;
  };

  const slice = (svc: Obj, r: Running): Obj => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: sliceName(svc, r.deployment),
      namespace: svc.metadata.namespace,
      labels: {
        'kubernetes.io/service-name': svc.metadata.name,
        'endpointslice.kubernetes.io/managed-by': SLICE_MANAGER,
      },
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid },
      ],
    },
    addressType: 'IPv4',
    endpoints: [
      {
        addresses: [opts.address],
        conditions: { ready: r.ready, serving: r.ready, terminating: !r.ready },
      },
    ],
    // Named as the Service's ports: gateways match a slice port to a Service port by name.
    ports: ((svc.spec?.ports ?? []) as Obj[]).map((p) => ({
      name: p.name ?? '',
      port: r.app.port,
      protocol: p.protocol ?? 'TCP',
    })),
  });

  const servicesOf = (d: Obj): Obj[] => [...services.values()].filter((s) => selects(s, d));
  const publish = async (r: Running, svcs = servicesOf(r.deployment)): Promise<void> => {
    for (const svc of svcs)
      await api.apply(slice(svc, r)).catch(noting(`apply slice of ${keyOf(svc)}`));
  };
  const unpublish = async (r: Running): Promise<void> => {
    for (const svc of servicesOf(r.deployment))
      await api
        .delete('EndpointSlice', svc.metadata.namespace, sliceName(svc, r.deployment))
        .catch(noting(`delete slice of ${keyOf(svc)}`));
  };
  const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));

  const writeTargets = (): void => {
    if (!opts.targetsFile) return;
    const targets = [...running.values()].map((r) => ({
      targets: [`127.0.0.1:${r.app.port}`],
      labels: {
        namespace: r.deployment.metadata.namespace,
        handler: podLabels(r.deployment)[HANDLER_LABEL] ?? '',
        deployment: r.deployment.metadata.name,
      },
    }));
    const tmp = `${opts.targetsFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(targets, null, 1));
    renameSync(tmp, opts.targetsFile); // atomic: Prometheus never reads half a file
  };

  const startApp = async (d: Obj): Promise<void> => {
    const versionId =
      d.metadata.annotations?.[VERSION_ID_ANNOTATION] ?? podLabels(d)[VERSION_LABEL] ?? '';
    const app = new VersionApp(versionId, behaviourOf(String(container(d)?.image ?? '')));
    await app.start();
    const r: Running = { deployment: d, app, ready: true };
    running.set(keyOf(d), r);
    writeTargets();
    await publish(r);
  };

  /** Not ready first, then the preStop sleep, then the server stops (graceful), then its slices go. */
  const stopApp = async (key: string): Promise<void> => {
    const r = running.get(key);
    if (!r) return;
    r.ready = false;
    await publish(r);
    await pause(preStopOf(r.deployment));
    await r.app.stop();
    running.delete(key);
    writeTargets();
    await unpublish(r);
  };

  return {
    reconcile(d, up) {
      const key = keyOf(d);
      return serial(key, async () => {
        const r = running.get(key);
        if (!up || podLabels(d)[VERSION_LABEL] === undefined) return stopApp(key);
        const sameImage = r && container(r.deployment)?.image === container(d)?.image;
        if (r && sameImage) {
          r.deployment = d;
          return;
        }
        await startApp(d);
        // A new image is a new rollout of its pods: the new app replaces the old one in the
        // same slices (surge first, as a Deployment's rolling update), then the old one stops.
        if (r) await pause(preStopOf(r.deployment)).then(() => r.app.stop());
      });
    },
    removed(d) {
      return serial(keyOf(d), () => stopApp(keyOf(d)));
    },
    async service(svc) {
      services.set(keyOf(svc), svc);
      for (const r of running.values()) if (selects(svc, r.deployment)) await publish(r, [svc]);
    },
    serviceDeleted(svc) {
      services.delete(keyOf(svc));
    },
    errors: () => [...errors],
    apps: () =>
      [...running.entries()].map(([key, r]) => ({
        key,
        versionId: r.app.versionId,
        port: r.app.port,
      })),
    async stop() {
      await Promise.all([...running.values()].map((r) => r.app.stop(0)));
      running.clear();
    },
  };
}
