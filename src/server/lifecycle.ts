import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Readiness } from './app.js';

/** What the process-level shutdown needs; exit and signal source are injectable for tests. */
export interface ServeOptions {
  app: FastifyInstance;
  config: Pick<Config, 'host' | 'port' | 'shutdownGraceMs'>;
  readiness: Readiness;
  exit?: (code: number) => void;
  signals?: { once(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown };
}

/**
 * listenWithGrace listens on HOST:PORT and, on SIGTERM or SIGINT, turns readiness false at
 * once, stops accepting connections, lets in-flight hooks finish and exits 0, or exits 1 when
 * the grace runs out first. Returns the listening address.
 */
export async function listenWithGrace(opts: ServeOptions): Promise<string> {
  const { app, config, readiness } = opts;
  const exit = opts.exit ?? process.exit.bind(process);
  const address = await app.listen({ host: config.host, port: config.port });
  app.log.info({ address }, 'gati-operator hook server listening');
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    readiness.ready = false;
    app.log.info(
      { signal, graceMs: config.shutdownGraceMs },
      'shutting down: readiness off, finishing in-flight hooks',
    );
    const hard = setTimeout(() => {
      app.log.error({ graceMs: config.shutdownGraceMs }, 'shutdown grace exceeded; exiting 1');
      exit(1);
    }, config.shutdownGraceMs);
    hard.unref();
    // app.close stops listening, closes idle keep-alive sockets and waits for in-flight requests.
    app.close().then(
      () => {
        clearTimeout(hard);
        app.log.info('shutdown complete');
        exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  const signals = opts.signals ?? process;
  signals.once('SIGTERM', () => shutdown('SIGTERM'));
  signals.once('SIGINT', () => shutdown('SIGINT'));
  return address;
}
