import { configHelp, loadConfig } from '../server/config.js';
import { buildApp } from '../server/app.js';
import { listenWithGrace, type ServeOptions } from '../server/lifecycle.js';
import { UsageError } from './usage.js';

/** `gati-operator serve`: the hook server Metacontroller calls, configured by environment variables. */
export const serveCommand = {
  summary: 'run the Metacontroller hook server (configured by environment variables)',
  usage: `gati-operator serve

Serves POST /hooks/<gatihandler|gatimodule|gativersion>/<sync|finalize|customize>,
GET /healthz, /readyz and /metrics. SIGTERM/SIGINT drain in-flight hooks, then exit.

Environment variables (default):
${configHelp()}
See docs/configuration.md for their meaning.`,
  async run(args: string[]): Promise<number> {
    if (args.length > 0)
      throw new UsageError(
        `serve takes no arguments (got ${JSON.stringify(args[0])}); configure it with environment variables`,
      );
    await serve(process.env);
    return 0;
  },
};

/** serve loads the config, builds the app with the real hooks and listens until a signal stops it; returns the address. */
export async function serve(
  env: Record<string, string | undefined>,
  process?: Pick<ServeOptions, 'signals' | 'exit'>,
): Promise<string> {
  const config = loadConfig(env);
  const readiness = { ready: true };
  const app = buildApp({ config, readiness });
  return listenWithGrace({ app, config, readiness, ...process });
}
