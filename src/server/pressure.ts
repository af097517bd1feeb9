import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** PressureProbe tells whether the process is too loaded to take a hook call, and why. */
export interface PressureProbe {
  /** undefined when fine; otherwise a short reason for the log. */
  overloaded(): string | undefined;
  close(): void;
}

/** Thresholds of the default probe; 0 disables a check. */
export interface PressureLimits {
  maxEventLoopDelayMs: number;
  maxHeapPercent: number;
  /** How often the samples are refreshed. */
  sampleIntervalMs?: number;
}

/** What the default probe samples; injectable so the thresholds are testable. */
export interface PressureSamples {
  eventLoopDelayMs(): number;
  heapPercent(): number;
  close?(): void;
}

/**
 * createPressureProbe samples event-loop delay and heap use on a timer and compares the latest
 * sample against the limits, so the per-request check costs nothing.
 */
export function createPressureProbe(
  limits: PressureLimits,
  samples: PressureSamples = processSamples(),
): PressureProbe {
  let reason: string | undefined;
  const sample = () => {
    reason = judge(limits, samples.eventLoopDelayMs(), samples.heapPercent());
  };
  const timer = setInterval(sample, limits.sampleIntervalMs ?? 1000);
  timer.unref();
  return {
    overloaded: () => reason,
    close() {
      clearInterval(timer);
      samples.close?.();
    },
  };
}

/** judge names the first exceeded limit, or undefined. */
export function judge(
  limits: PressureLimits,
  delayMs: number,
  heapPercent: number,
): string | undefined {
  if (limits.maxEventLoopDelayMs > 0 && delayMs > limits.maxEventLoopDelayMs)
    return `event-loop delay ${Math.round(delayMs)}ms`;
  if (limits.maxHeapPercent > 0 && heapPercent > limits.maxHeapPercent)
    return `heap ${Math.round(heapPercent)}% of limit`;
  return undefined;
}

/** processSamples measures this process: the worst event-loop delay since the last sample, and heap use. */
export function processSamples(): PressureSamples {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const limit = getHeapStatistics().heap_size_limit;
  return {
    eventLoopDelayMs() {
      const ms = histogram.max / 1e6;
      histogram.reset();
      return ms;
    },
    heapPercent: () => (process.memoryUsage().heapUsed / limit) * 100,
    close: () => histogram.disable(),
  };
}
