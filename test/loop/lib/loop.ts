/**
 * The whole Metacontroller loop on loopback, for the loop suite and the loop benchmark:
 * etcd + kube-apiserver + kube-controller-manager (garbagecollector, namespace), the real
 * Metacontroller out of cluster, our hook server as a child process (optionally behind the
 * counting front), our CRDs and the generated controllers/ with each webhook pointed at
 * loopback, and the kubelet stand-in. Routes get their status from Traefik when the loop has
 * its real data plane (`dataPlane`: Traefik, the versions' servers, Prometheus), else from the
 * Gateway stand-in.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyCRDs, isSkip, startCluster, type TestCluster } from '../../apiserver/lib/cluster.js';
import { loadThirdPartyCRDs } from '../../apiserver/lib/thirdparty.js';
import { Api, type Obj } from '../../e2e/lib/api.js';
import {
  controllerFor,
  finalizerOf,
  loadControllers,
  REPO,
  rewriteForLoopback,
} from '../../e2e/lib/controllers.js';
import { ensureDataPlane, startDataPlane, type DataPlane } from './dataplane.js';
import { HookFront, HookServer, type HookServerOptions } from './hook-server.js';
import { PrometheusFront } from './prometheus-front.js';
import {
  ensureMetacontroller,
  startMetacontroller,
  type MetacontrollerOptions,
  type RunningMetacontroller,
} from './metacontroller.js';
import { startGateway, startKubelet, type Gateway, type StandIn } from './standins.js';
import { GATEWAY_API_VERSION } from './traefik.js';

export interface LoopOptions {
  /** Put the counting, fault-injecting front between Metacontroller and the hook server. */
  front?: boolean;
  /** The hook server (default: the real one from src/ through tsx). */
  hookServer?: Omit<HookServerOptions, 'logDir'>;
  metacontroller?: Omit<MetacontrollerOptions, 'logPath'>;
  /** resyncPeriodSeconds written into the rewritten controllers (default: as generated). */
  resyncPeriodSeconds?: number;
  /**
   * Run the real data plane (Traefik, the versions' servers, Prometheus) and point the hook
   * server's PROMETHEUS_URL at it; when its binaries cannot be had, the loop runs without it
   * and says why in `dataPlane`.
   */
  dataPlane?: boolean;
  log?: (line: string) => void;
}

export interface Loop {
  cluster: TestCluster;
  /** What the hook server's PROMETHEUS_URL names: the data plane's Prometheus behind a front. */
  prometheusFront: PrometheusFront;
  api: Api;
  hook: HookServer;
  front: HookFront | undefined;
  metacontroller: RunningMetacontroller;
  kubelet: StandIn;
  /** The Gateway stand-in, when routes do not go to Traefik. */
  gateway: Gateway | undefined;
  /** The real data plane, or why the loop runs without it. */
  dataPlane: DataPlane | { unsupported: string };
  /** The controllers as installed (rewritten copies). */
  controllers: Obj[];
  resyncPeriodSeconds: number;
  gatiVersionFinalizer: string;
  /** Where the CRDs of Metacontroller came from. */
  metacontrollerCrds: string;
  /** pid of every process of the loop, by name: etcd, kube-apiserver, kube-controller-manager, metacontroller, hook-server (and traefik, prometheus). */
  pids(): Record<string, number | undefined>;
  stop(): Promise<void>;
}

const GATI_CRDS_DIR = join(REPO, 'crds');

function loadYamlFiles(dir: string): Obj[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS()))
    .filter((o: Obj | null): o is Obj => o?.kind === 'CustomResourceDefinition');
}

/**
 * startLoop brings the loop up, or resolves { skip } with one line naming what is missing
 * (METACONTROLLER_BIN/METACONTROLLER_SRC, or the Go toolchain for the kube binaries).
 */
export async function startLoop(opts: LoopOptions = {}): Promise<Loop | { skip: string }> {
  const log = opts.log ?? (() => {});
  const mc = await ensureMetacontroller();
  if ('skip' in mc) return mc;
  const bins = opts.dataPlane ? await ensureDataPlane() : { skip: 'not asked for' };
  if ('skip' in bins && opts.dataPlane) log(`no data plane: ${bins.skip}`);
  const started = await startCluster({
    controllers: ['garbagecollector', 'namespace'],
    deferControllerManager: true,
  });
  if (isSkip(started)) return { skip: `kube binaries unavailable: ${started.skip}` };
  const cluster = started;
  const cleanups: Array<() => Promise<void> | void> = [() => cluster.stop()];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const api = new Api(cluster.request.bind(cluster));
    // Gateway API as Traefik needs it (it watches BackendTLSPolicy and GRPCRoute too).
    const third = loadThirdPartyCRDs(['gateway-api', 'keda'], /gateway\.networking|scaledobjects/, {
      gatewayApi: GATEWAY_API_VERSION,
    });
    if ('skip' in third) throw new Error(`third-party CRDs unavailable: ${third.skip}`);
    await applyCRDs(cluster, [
      ...mc.crds,
      ...third.map((c) => c.object),
      ...loadYamlFiles(GATI_CRDS_DIR),
    ]);
    log(`CRDs installed (Metacontroller's from ${mc.crdSource})`);
    await cluster.startControllerManager();

    let dataPlane: DataPlane | undefined;
    if (!('skip' in bins)) {
      dataPlane = await startDataPlane(cluster, api, bins);
      cleanups.push(() => dataPlane!.stop());
      log(
        `data plane: Traefik at ${dataPlane.traefik.url}, Prometheus at ${dataPlane.prometheus.url}`,
      );
    }
    // The hook server asks Prometheus through a front that can answer hostile on demand.
    const prometheusFront = new PrometheusFront();
    prometheusFront.upstream = dataPlane?.prometheus.url;
    await prometheusFront.start();
    cleanups.push(() => prometheusFront.stop());
    const hook = new HookServer({
      ...opts.hookServer,
      env: {
        ...opts.hookServer?.env,
        ...dataPlane?.hookEnv,
        PROMETHEUS_URL: prometheusFront.url,
      },
      logDir: cluster.workDir,
    });
    // Gracefully (SIGTERM), so a --cpu-prof hook server writes its profile; SIGKILL if it hangs.
    cleanups.push(() => hook.stop());
    await hook.start();
    let front: HookFront | undefined;
    if (opts.front) {
      front = new HookFront(() => hook.port);
      await front.start();
      cleanups.push(() => front!.stop());
    }
    const generated = loadControllers();
    const controllers = rewriteForLoopback(generated, {
      baseUrl: (front ?? hook).url,
      resyncPeriodSeconds: opts.resyncPeriodSeconds,
    });
    for (const c of controllers) await api.apply(c);

    const kubelet = startKubelet(cluster, api, dataPlane?.pods);
    const gateway = dataPlane ? undefined : startGateway(cluster, api);
    cleanups.push(
      () => kubelet.stop(),
      () => gateway?.stop(),
    );
    await Promise.all([kubelet.synced, gateway?.synced]);

    const metacontroller = await startMetacontroller(cluster, mc.bin, {
      ...opts.metacontroller,
      logPath: join(cluster.workDir, 'metacontroller.log'),
    });
    cleanups.push(() => metacontroller.proc.kill());
    log(`metacontroller ${metacontroller.args.slice(1).join(' ')}`);

    const gv = controllerFor(controllers, 'gativersions');
    return {
      cluster,
      prometheusFront,
      api,
      hook,
      front,
      metacontroller,
      kubelet,
      gateway,
      dataPlane: dataPlane ?? { unsupported: 'skip' in bins ? bins.skip : 'not started' },
      controllers,
      resyncPeriodSeconds: Number(gv.spec.resyncPeriodSeconds ?? 0),
      gatiVersionFinalizer: finalizerOf(gv),
      metacontrollerCrds: mc.crdSource,
      pids: () => ({
        etcd: cluster.processes.etcd?.pid(),
        'kube-apiserver': cluster.processes['kube-apiserver']?.pid(),
        'kube-controller-manager': cluster.processes['kube-controller-manager']?.pid(),
        metacontroller: metacontroller.proc.pid(),
        'hook-server': hook.pid(),
        traefik: dataPlane?.traefik.proc.pid(),
        prometheus: dataPlane?.prometheus.proc.pid(),
      }),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
