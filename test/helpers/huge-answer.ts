import type { ServerResponse } from 'node:http';

const MB = 1024 * 1024;

/**
 * streamHugeVector writes a valid-looking Prometheus instant-query answer of many series of
 * 0.01 until about `bytes` are sent or the reader leaves, honouring back-pressure, so a test
 * can send 100 MB without holding it in memory. `declare` sends the size as Content-Length.
 */
export function streamHugeVector(res: ServerResponse, bytes: number, declare = false): void {
  res.writeHead(200, {
    'content-type': 'application/json',
    ...(declare ? { 'content-length': String(bytes) } : {}),
  });
  const series = `{"metric":{"pod":"${'x'.repeat(200)}"},"value":[1,"0.01"]},`;
  const chunk = series.repeat(Math.ceil(MB / series.length));
  let sent = 0;
  res.write('{"status":"success","data":{"resultType":"vector","result":[');
  const pump = () => {
    while (sent < bytes && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end('{"metric":{},"value":[1,"0.01"]}]}}');
  };
  pump();
}
