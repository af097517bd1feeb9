/**
 * Traefik as the loop's Gateway API implementation: the real binary (scripts/traefik/ensure.sh,
 * built from the pinned official module), run out of cluster against the loop's API server
 * with its admin token and serving certificate, a GatewayClass for its controller and one
 * Gateway whose HTTP listener port is Traefik's `web` entrypoint port. HTTPRoutes attached to
 * that Gateway get their status from Traefik and their requests routed by it.
 *
 * Both entrypoints listen on loopback only; Traefik reaches the versions' servers at the
 * node's own address (EndpointSlices cannot carry loopback).
 */
import { join } from 'node:path';
import {
  freePort,
  rawRequest,
  runEnsureScript,
  type TestCluster,
} from '../../apiserver/lib/cluster.js';
import { startProcess, type ManagedProcess } from '../../apiserver/lib/process.js';
import type { Api, Obj } from '../../e2e/lib/api.js';
import { REPO } from '../../e2e/lib/controllers.js';

export const TRAEFIK_ENSURE = join(REPO, 'scripts/traefik/ensure.sh');
/**
 * The Gateway API release whose standard-channel CRDs the loop installs: the one Traefik 3.6 is
 * built against (it watches BackendTLSPolicy v1, new in v1.4). Our HTTPRoutes are the same in
 * v1.3.0, which the API-server suite and the install docs pin.
 */
export const GATEWAY_API_VERSION = 'v1.4.0';
/** The controllerName of Traefik's Gateway API provider. */
export const TRAEFIK_CONTROLLER = 'traefik.io/gateway-controller';
/** Where the loop's Gateway lives; stories attach their routes to it. */
export const GATEWAY = { namespace: 'gateways', name: 'public' } as const;
/**
 * A namespace with this label is not allowed by the Gateway's listener: Traefik then reports
 * its routes Accepted=False (NotAllowedByListeners) and routes none of their requests.
 */
export const REJECT_LABEL = 'loop.gati.dev/gateway-rejects';
/**
 * Traefik applies a batch of configuration changes at most this often (its
 * providers.providersThrottleDuration, left at its default and passed explicitly so the
 * stories can name it): a route's status can precede its routing by this much.
 */
export const THROTTLE_SECONDS = 2;

export interface RunningTraefik {
  proc: ManagedProcess;
  /** http://127.0.0.1:<web entrypoint port>: where requests go. */
  url: string;
  /** 127.0.0.1:<traefik entrypoint port>, serving /metrics and /ping. */
  metricsAddress: string;
  /** parentRefs that attach a route to the Gateway. */
  parentRefs: Obj[];
  /** Accepted=False for the routes of this namespace (true), or accepted again (false). */
  rejectNamespace(namespace: string, on: boolean): Promise<void>;
}

/** The binary, or why there is none (exit 3 of the ensure script: no Go toolchain). */
export function ensureTraefik(): Promise<{ path: string } | { skip: string }> {
  return runEnsureScript(TRAEFIK_ENSURE, [], { timeoutMs: 30 * 60_000 });
}

/** The GatewayClass and Gateway for a Traefik whose web entrypoint listens on `port`. */
export function gatewayObjects(port: number): Obj[] {
  return [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'traefik' },
      spec: { controllerName: TRAEFIK_CONTROLLER },
    },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: GATEWAY.namespace } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: GATEWAY.name, namespace: GATEWAY.namespace },
      spec: {
        gatewayClassName: 'traefik',
        listeners: [
          {
            name: 'web',
            protocol: 'HTTP',
            port, // must equal the web entrypoint's port: that is how Traefik pairs them
            allowedRoutes: {
              namespaces: {
                from: 'Selector',
                selector: { matchExpressions: [{ key: REJECT_LABEL, operator: 'DoesNotExist' }] },
              },
            },
          },
        ],
      },
    },
  ];
}

/** The command line of Traefik for the cluster (see the file comment). */
export function traefikArgs(
  cluster: Pick<TestCluster, 'url' | 'token' | 'workDir'>,
  ports: { web: number; metrics: number },
): string[] {
  return [
    `--entrypoints.web.address=127.0.0.1:${ports.web}`,
    `--entrypoints.traefik.address=127.0.0.1:${ports.metrics}`,
    '--ping=true',
    '--metrics.prometheus=true',
    '--providers.kubernetesgateway=true',
    `--providers.kubernetesgateway.endpoint=${cluster.url}`,
    `--providers.kubernetesgateway.token=${cluster.token}`,
    // kube-apiserver's self-signed serving certificate (with its CA) from --cert-dir.
    `--providers.kubernetesgateway.certauthfilepath=${join(cluster.workDir, 'certs', 'apiserver.crt')}`,
    '--providers.kubernetesgateway.statusaddress.ip=127.0.0.1',
    `--providers.providersThrottleDuration=${THROTTLE_SECONDS}s`,
    '--global.checknewversion=false',
    '--global.sendanonymoususage=false',
    '--log.level=INFO',
  ];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Installs the GatewayClass and Gateway, starts Traefik and waits until it programmed the Gateway. */
export async function startTraefik(
  cluster: TestCluster,
  api: Api,
  bin: string,
  timeoutMs = 60_000,
): Promise<RunningTraefik> {
  const ports = { web: await freePort(), metrics: await freePort() };
  for (const o of gatewayObjects(ports.web)) await api.apply(o);
  const proc = startProcess(
    'traefik',
    bin,
    traefikArgs(cluster, ports),
    join(cluster.workDir, 'traefik.log'),
  );
  const metricsAddress = `127.0.0.1:${ports.metrics}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exited) throw new Error(`traefik exited (code ${proc.exitCode}):\n${proc.tail(40)}`);
    const ping = await rawRequest(
      new URL(`http://${metricsAddress}/ping`),
      'GET',
      {},
      undefined,
      2000,
    )
      .then((r) => r.status)
      .catch(() => 0);
    const gw = await api.get('Gateway', GATEWAY.namespace, GATEWAY.name);
    const programmed = ((gw?.status?.conditions ?? []) as Obj[]).find(
      (c) => c.type === 'Programmed',
    );
    if (ping === 200 && programmed?.status === 'True') break;
    if (Date.now() > deadline)
      throw new Error(
        `traefik did not program Gateway ${GATEWAY.name}: ping ${ping}, Programmed ${JSON.stringify(programmed ?? null)}\n${proc.tail(40)}`,
      );
    await sleep(250);
  }
  return {
    proc,
    url: `http://127.0.0.1:${ports.web}`,
    metricsAddress,
    parentRefs: [{ name: GATEWAY.name, namespace: GATEWAY.namespace }],
    async rejectNamespace(namespace, on) {
      await api.patch('Namespace', undefined, namespace, {
        metadata: { labels: { [REJECT_LABEL]: on ? 'true' : null } },
      });
    },
  };
}
