/**
 * The loop cluster driver: the stories of test/e2e/lib/stories.ts and traffic-stories.ts
 * against the loopback control plane of ./loop.ts. Images are never pulled: the kubelet
 * stand-in makes every Deployment Available except those whose image ends in
 * UNAVAILABLE_SUFFIX. Routes attach to Traefik's Gateway when the loop has its data plane (the
 * Gateway rejects a namespace's routes when told to), else to a Gateway the stand-in reports
 * status for. Every knob is supported.
 */
import { Api, CHILD_KINDS, GATI_KINDS, type Obj } from '../../e2e/lib/api.js';
import type { ClusterDriver, HookCalls } from '../../e2e/lib/driver.js';
import { saveDiagnostics } from '../../e2e/lib/wait.js';
import type { Loop } from './loop.js';
import { UNAVAILABLE_SUFFIX } from './standins.js';

/** Drops what makes a dump unreadable (managedFields, last-applied annotations). */
function trim(o: Obj): Obj {
  const { managedFields: _m, ...metadata } = o.metadata ?? {};
  const annotations = Object.fromEntries(
    Object.entries<string>(metadata.annotations ?? {}).filter(([k]) => !k.includes('last-applied')),
  );
  return { ...o, metadata: { ...metadata, annotations } };
}

export function loopDriver(
  loop: Loop,
  opts: { waitScale?: number; artifacts: string },
): ClusterDriver {
  const api: Api = loop.api;
  const front = loop.front;
  const plane = 'traefik' in loop.dataPlane ? loop.dataPlane : undefined;
  const gateway = loop.gateway;
  const image = (tag: string) => `registry.example/gati-story:${tag}`;
  return {
    name: 'loop',
    api,
    waitScale: opts.waitScale ?? 1,
    resyncPeriodSeconds: loop.resyncPeriodSeconds,
    gatiVersionFinalizer: loop.gatiVersionFinalizer,
    parentRefs: plane?.traefik.parentRefs ?? [{ name: 'public', namespace: 'gateways' }],
    image,
    unavailableImage: (tag) => `registry.example/gati-story:${tag}${UNAVAILABLE_SUFFIX}`,
    traffic: plane?.traffic(image) ?? {
      unsupported: `loop without its data plane: ${'unsupported' in loop.dataPlane ? loop.dataPlane.unsupported : ''}`,
    },
    knobs: {
      // Traefik refuses every route of the namespace (its listener no longer allows it).
      gatewayRejects: plane
        ? (ns, _route, reject) => plane.traefik.rejectNamespace(ns, reject)
        : (ns, route, reject) => gateway!.reject(ns, route, reject),
      // Traefik stopped by SIGSTOP (its watches and its status writes with it), then SIGCONT.
      gatewayFreezes: plane
        ? async (on) => plane.traefik.proc.signal(on ? 'SIGSTOP' : 'SIGCONT')
        : (on) => gateway!.freeze(on),
      stopHookServer: () => loop.hook.stop(),
      startHookServer: () => loop.hook.start(),
      failHooks: async (on) => {
        if (!front) throw new Error('failHooks needs the front');
        front.failing = on;
      },
      hostilePrometheus: async (on) => {
        loop.prometheusFront.hostile = on;
      },
    },
    async hookServer() {
      const ready = await fetch(`${loop.hook.url}/readyz`, { signal: AbortSignal.timeout(5000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      return { pid: loop.hook.pid(), ready };
    },
    async hookCalls(): Promise<HookCalls | undefined> {
      if (!front) return undefined;
      return { total: { ...front.total }, perParent: { ...front.perParent }, failed: front.failed };
    },
    async diagnose(what, namespaces) {
      const parts: string[] = [`===== diagnostics for: ${what}`];
      for (const ns of namespaces) {
        for (const kind of [...GATI_KINDS, ...CHILD_KINDS]) {
          const items = await api.list(kind, ns).catch((e) => [{ error: String(e) }]);
          if (items.length)
            parts.push(`===== ${kind} in ${ns}\n${JSON.stringify(items.map(trim), null, 1)}`);
        }
      }
      const procs = [
        ['metacontroller', loop.metacontroller.proc, 200],
        ['hook server', loop.hook.proc, 80],
        ['kube-controller-manager', loop.cluster.processes['kube-controller-manager'], 40],
        ['traefik', plane?.traefik.proc, 60],
        ['prometheus', plane?.prometheus.proc, 20],
      ] as const;
      for (const [name, p, lines] of procs)
        if (p) parts.push(`===== ${name} log\n${p.tail(lines)}`);
      if (plane)
        parts.push(
          `===== versions' servers\n${JSON.stringify(plane.pods.apps())}\nslice errors: ${plane.pods.errors().join('; ') || 'none'}`,
        );
      if (front)
        parts.push(
          `===== hook calls\n${JSON.stringify({ total: front.total, failed: front.failed })}`,
        );
      return saveDiagnostics(opts.artifacts, what, parts.join('\n'), 6_000);
    },
  };
}
