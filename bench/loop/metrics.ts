/** Hook call counters read from the hook server's Prometheus metrics. */

export interface HookCounters {
  calls: number;
  requestBytes: number;
  responseBytes: number;
}

const LINE =
  /^gati_operator_(hook_requests_total|hook_request_bytes_sum|hook_response_bytes_sum)\{([^}]*)\} ([0-9.e+-]+)$/;

/** parseHookMetrics sums calls and body bytes per `<controller>/<hook>` over every outcome. */
export function parseHookMetrics(text: string): Record<string, HookCounters> {
  const out: Record<string, HookCounters> = {};
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]),
    );
    const key = `${labels.controller}/${labels.hook}`;
    const c = (out[key] ??= { calls: 0, requestBytes: 0, responseBytes: 0 });
    const v = Number(m[3]);
    if (m[1] === 'hook_requests_total') c.calls += v;
    else if (m[1] === 'hook_request_bytes_sum') c.requestBytes += v;
    else c.responseBytes += v;
  }
  return out;
}

/** after − before, per hook. */
export function subtract(
  after: Record<string, HookCounters>,
  before: Record<string, HookCounters>,
): Record<string, HookCounters> {
  const out: Record<string, HookCounters> = {};
  for (const [k, a] of Object.entries(after)) {
    const b = before[k] ?? { calls: 0, requestBytes: 0, responseBytes: 0 };
    const d = {
      calls: a.calls - b.calls,
      requestBytes: a.requestBytes - b.requestBytes,
      responseBytes: a.responseBytes - b.responseBytes,
    };
    if (d.calls > 0) out[k] = d;
  }
  return out;
}
