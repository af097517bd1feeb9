import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadNotifyConfig, NOTIFY_ENV } from '../notify/config.js';
import { startNotify } from '../notify/run.js';
import { CliError, EXIT } from './errors.js';
import { UsageError } from './usage.js';

const ENV_HELP = Object.entries(NOTIFY_ENV)
  .map(([name, v]) => `  ${name.padEnd(24)} ${'default' in v ? String(v.default) : '(unset)'}`)
  .join('\n');

/**
 * `gati-operator notify`: the optional notifier (docs/progressive-delivery.md, "Events and
 * notifications"), a process of its own with its own ServiceAccount, apart from the hook server.
 */
export const notifyCommand = {
  summary: 'write Kubernetes Events and post notifications for rollout transitions',
  usage: `gati-operator notify [--kubeconfig <file>] [--context <name>]

Watches GatiHandlers, GatiVersions and GatiRolloutPolicies and, for every numbered transition
in a handler's status, writes one events.k8s.io/v1 Event on the handler (and its GatiVersion)
and posts it to the policy's notification targets, at least once. Runs until SIGTERM/SIGINT.
In a pod it uses its ServiceAccount; elsewhere the kubeconfig.

Environment variables (default):
${ENV_HELP}`,
  async run(args: string[]): Promise<number> {
    let values: { kubeconfig?: string; context?: string };
    try {
      ({ values } = parseArgs({
        args,
        options: { kubeconfig: { type: 'string' }, context: { type: 'string' } },
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const config = loadNotifyConfig(process.env);
    const log = pino({ level: config.logLevel, base: { component: 'notify' } });
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    try {
      if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
      else kc.loadFromDefault();
      if (values.context) kc.setCurrentContext(values.context);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new CliError(
        `cannot read the kubeconfig: ${typeof code === 'string' ? code : 'invalid'}`,
        EXIT.api,
      );
    }
    const running = await startNotify({ kubeconfig: kc, config, log });
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await running.stop();
    return EXIT.ok;
  },
};
