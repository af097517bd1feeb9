import { getHeapStatistics } from 'node:v8';
import type { FastifyUnderPressureOptions } from '@fastify/under-pressure';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';
import { hookCallOf } from './routes.js';

/** Thresholds from config (`OVERLOAD_*`); 0 disables a check. */
export interface PressureLimits {
  /** Mean event-loop delay over a sample, in ms. */
  maxEventLoopDelayMs: number;
  /** Heap use as a percent of the V8 heap limit. */
  maxHeapPercent: number;
  retryAfterSeconds: number;
}

/**
 * pressureOptions configures @fastify/under-pressure: once a second it samples the mean
 * event-loop delay and the heap; while one is over its limit, hook calls are answered 429 with
 * Retry-After (Metacontroller retries at once without one) and everything else — /healthz,
 * /readyz, /metrics, unknown paths — is let through: kubelet and Prometheus must always get in.
 * `heapLimitBytes` is what the percent is of (V8's heap limit).
 */
export function pressureOptions(
  limits: PressureLimits,
  heapLimitBytes: number = getHeapStatistics().heap_size_limit,
): FastifyUnderPressureOptions {
  return {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: Math.floor((limits.maxHeapPercent / 100) * heapLimitBytes),
    pressureHandler: refuseHookCalls(limits.retryAfterSeconds, heapLimitBytes),
  };
}

type PressureHandler = NonNullable<FastifyUnderPressureOptions['pressureHandler']>;

/**
 * refuseHookCalls answers a hook call 429 itself (returning nothing, so under-pressure sends
 * nothing more) and lets any other request through.
 */
function refuseHookCalls(retryAfterSeconds: number, heapLimitBytes: number): PressureHandler {
  const retryAfter = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  return (req: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => {
    if (!hookCallOf(req)) return;
    const reason = pressureReason(type, value, heapLimitBytes);
    req.log.warn({ reason }, 'overloaded; asking the caller to retry');
    reply
      .code(429)
      .header('retry-after', retryAfter)
      .type('application/json; charset=utf-8')
      .send(errorBody('GATI_ERR_OVERLOADED', `overloaded (${reason}); retry later`));
  };
}

/** pressureReason says which limit under-pressure found exceeded, for the log and the 429 body. */
export function pressureReason(type: string, value: number | undefined, heapLimitBytes: number) {
  if (type === 'eventLoopDelay') return `event-loop delay ${Math.round(value ?? 0)}ms`;
  if (type === 'heapUsedBytes')
    return `heap ${Math.round(((value ?? 0) / heapLimitBytes) * 100)}% of limit`;
  return type;
}
