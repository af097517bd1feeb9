import { Type } from '@sinclair/typebox';
import { hostList } from '../api/hosts.js';

/**
 * The environment variables of the webhook client (src/server/webhooks.ts), spread into the
 * server's one EnvSchema (config.ts) so they parse, default and document like every other.
 */
export const WEBHOOK_ENV = {
  WEBHOOK_ALLOWED_HOSTS: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9*.:,\\[\\] -]+$',
      expect: 'a comma-separated list of host names (host, host:port or *.domain)',
      description:
        'Hosts spec.rollout.webhooks may call (host, host:port, or *.domain for every host below it). Unset: none — every webhook is reported NotAllowed and never called.',
    }),
  ),
  WEBHOOK_TIMEOUT_MS: Type.Integer({
    minimum: 1,
    maximum: 60000,
    default: 10000,
    description:
      "The most one webhook call may take (a webhook's own timeoutSeconds is capped by it): connect, headers and the answer.",
  }),
  WEBHOOK_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 256,
    default: 4,
    description: 'Most webhook calls in flight at once, shared round robin between handlers.',
  }),
  WEBHOOK_MAX_ANSWER_BYTES: Type.Integer({
    minimum: 0,
    maximum: 16777216,
    default: 65536,
    description:
      'Largest webhook answer read (only its status counts); a larger one is inconclusive (AnswerTooLarge).',
  }),
};

/** The webhook client's settings. */
export interface WebhookConfig {
  allowedHosts: string[];
  timeoutMs: number;
  concurrency: number;
  maxAnswerBytes: number;
}

/** webhookConfig reads the parsed variables. */
export function webhookConfig(e: {
  WEBHOOK_ALLOWED_HOSTS?: string;
  WEBHOOK_TIMEOUT_MS: number;
  WEBHOOK_CONCURRENCY: number;
  WEBHOOK_MAX_ANSWER_BYTES: number;
}): WebhookConfig {
  return {
    allowedHosts: hostList(e.WEBHOOK_ALLOWED_HOSTS),
    timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    concurrency: e.WEBHOOK_CONCURRENCY,
    maxAnswerBytes: e.WEBHOOK_MAX_ANSWER_BYTES,
  };
}
