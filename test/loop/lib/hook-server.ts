/**
 * Our hook server as a child process (`gati-operator serve`, from src/ through tsx or from the
 * built dist/), so stories can stop and restart it; and the front the loop suite puts between
 * Metacontroller and it, which counts hook calls per parent and can answer 500 on demand.
 */
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { freePort, rawRequest } from '../../apiserver/lib/cluster.js';
import { startProcess, type ManagedProcess } from '../../apiserver/lib/process.js';
import { REPO } from '../../e2e/lib/controllers.js';
import { SERVER_NODE_FLAGS, SERVER_NODE_OPTIONS } from '../../../src/install/manifests.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How to run the real hook server: from src/ through tsx (no build) or the built dist/. */
export type HookEntry = 'tsx' | 'dist';

/**
 * The command line of the real hook server, with the image's node flags; nodeArgs go before
 * the script (e.g. --cpu-prof).
 */
export function hookServerCommand(entry: HookEntry = 'tsx', nodeArgs: string[] = []): string[] {
  const node = [process.execPath, ...SERVER_NODE_FLAGS, ...nodeArgs];
  return entry === 'dist'
    ? [...node, 'dist/cli/main.js', 'serve']
    : [...node, '--import', 'tsx', 'src/cli/main.ts', 'serve'];
}

/** The command line of the loop benchmark's replay floor (bench/loop/replay-server.ts), with the same node flags. */
export function replayServerCommand(nodeArgs: string[] = []): string[] {
  return [
    process.execPath,
    ...SERVER_NODE_FLAGS,
    ...nodeArgs,
    '--import',
    'tsx',
    'bench/loop/replay-server.ts',
  ];
}

export interface HookServerOptions {
  /** argv of the server; it must listen on $PORT at $HOST and answer GET /readyz. Default: hookServerCommand(). */
  command?: string[];
  /** Extra environment (LOG_LEVEL, ...). */
  env?: Record<string, string>;
  /** Directory for its log file. */
  logDir: string;
  name?: string;
}

/** One hook server process on a fixed loopback port, restartable on that port. */
export class HookServer {
  readonly command: string[];
  port = 0;
  proc: ManagedProcess | undefined;
  private starts = 0;

  constructor(private readonly opts: HookServerOptions) {
    this.command = opts.command ?? hookServerCommand();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get logPath(): string {
    return join(this.opts.logDir, `${this.opts.name ?? 'hook-server'}.log`);
  }

  /** Starts it (on the same port as before, after a stop) and waits until /readyz answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (!this.port) this.port = await freePort();
    const [bin, ...args] = this.command as [string, ...string[]];
    this.starts++;
    this.proc = startProcess(this.opts.name ?? 'hook-server', bin, args, this.logPath, {
      cwd: REPO,
      env: {
        ...process.env,
        // The V8 flags manifests/300-deployment.yaml gives the container.
        NODE_OPTIONS: SERVER_NODE_OPTIONS,
        ...this.opts.env,
        HOST: '127.0.0.1',
        PORT: String(this.port),
      },
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.proc.exited)
        throw new Error(`hook server exited (code ${this.proc.exitCode}):\n${this.proc.tail(30)}`);
      const r = await rawRequest(new URL(`${this.url}/readyz`), 'GET', {}, undefined, 2000).catch(
        () => undefined,
      );
      if (r?.status === 200) return;
      if (Date.now() > deadline)
        throw new Error(`hook server not ready in ${timeoutMs} ms:\n${this.proc.tail(30)}`);
      await sleep(100);
    }
  }

  /** Stops it: SIGTERM (graceful: readiness off, in-flight hooks finish), SIGKILL after 30 s. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exited) return;
    p.signal('SIGTERM');
    if (!(await p.waitExit(30_000))) await p.kill();
    // The port must be free again before a restart binds it.
    for (let i = 0; i < 50 && (await portOpen(this.port)); i++) await sleep(100);
  }

  /** Its pid, for CPU accounting. */
  pid(): number | undefined {
    return this.proc?.pid();
  }

  /** GET /metrics (Prometheus text). */
  async metrics(): Promise<string> {
    const r = await rawRequest(new URL(`${this.url}/metrics`), 'GET', {}, undefined, 10_000);
    return String(r.body);
  }

  async kill(): Promise<void> {
    await this.proc?.kill();
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/* ---------------------------------------------------------------------------------- front */

/** The controller/hook of a hook URL path: /hooks/<controller>/<hook>. */
const hookOf = (url: string | undefined): string =>
  /^\/hooks\/([^/?]+)\/([^/?]+)/
    .exec(url ?? '')
    ?.slice(1)
    .join('/') ?? 'other';

/** namespace/name of a hook request's parent (sync/finalize: parent; customize: parent too). */
function parentOf(body: Buffer): string {
  try {
    const m = (
      JSON.parse(body.toString('utf8')) as { parent?: { metadata?: Record<string, string> } }
    ).parent?.metadata;
    return `${m?.namespace ?? ''}/${m?.name ?? '?'}`;
  } catch {
    return '?/?';
  }
}

/**
 * A pass-through HTTP front on loopback: Metacontroller calls it, it forwards to the hook
 * server. It counts calls per controller/hook and per parent, can answer every call 500
 * (`failing`), and when the hook server is down it drops the connection, as a dead server would.
 */
export class HookFront {
  failing = false;
  readonly total: Record<string, number> = {};
  readonly perParent: Record<string, number> = {};
  /** When the last calls of each `<controller>/<hook> <ns>/<name>` came (ms since epoch), for failure messages. */
  readonly history = new Map<string, number[]>();
  failed = 0;
  private server: http.Server | undefined;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  port = 0;

  constructor(private readonly upstream: () => number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const hook = hookOf(req.url);
      const key = `${hook} ${parentOf(body)}`;
      this.total[hook] = (this.total[hook] ?? 0) + 1;
      this.perParent[key] = (this.perParent[key] ?? 0) + 1;
      const times = this.history.get(key) ?? [];
      times.push(Date.now());
      this.history.set(key, times.slice(-50));
      if (this.failing) {
        this.failed++;
        res.writeHead(500, { 'content-type': 'text/plain' }).end('injected failure (loop suite)');
        return;
      }
      const up = http.request(
        {
          host: '127.0.0.1',
          port: this.upstream(),
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: `127.0.0.1:${this.upstream()}` },
          agent: this.agent,
        },
        (upRes) => {
          if ((upRes.statusCode ?? 0) >= 300) this.failed++;
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => {
        // The hook server is down: behave like it, not like a proxy answering 502.
        this.failed++;
        req.socket.destroy();
      });
      up.end(body);
    });
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
