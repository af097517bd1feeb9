/**
 * List-then-watch of one resource on the test API server, the way an informer does it: every
 * object is reported once from the list, then every change from a watch that resumes from the
 * last resourceVersion (and relists when the server says it is too old). For the stand-ins.
 */
import https from 'node:https';
import type { TestCluster } from '../../apiserver/lib/cluster.js';
import type { Obj } from '../../e2e/lib/api.js';

export type WatchEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Watch {
  /** Resolves once the first list has been reported. */
  synced: Promise<void>;
  stop(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * watch reports every object of `path` (a collection, e.g. /apis/apps/v1/deployments) and
 * every change to it until stop(). `onEvent` must not throw; errors of the stream are retried.
 */
export function watch(
  cluster: Pick<TestCluster, 'url' | 'token' | 'request'>,
  path: string,
  onEvent: (type: WatchEvent, obj: Obj) => void,
): Watch {
  let stopped = false;
  let current: ReturnType<typeof https.request> | undefined;
  let markSynced: () => void = () => {};
  const synced = new Promise<void>((r) => (markSynced = r));

  const list = async (): Promise<string> => {
    const r = await cluster.request('GET', path);
    if (r.status !== 200) throw new Error(`LIST ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    for (const o of r.body.items as Obj[]) onEvent('ADDED', o);
    markSynced();
    return r.body.metadata.resourceVersion as string;
  };

  /** One watch request; resolves with the resourceVersion to resume from, or '' to relist. */
  const stream = (rv: string): Promise<string> =>
    new Promise((resolve) => {
      const u = new URL(path, cluster.url);
      u.searchParams.set('watch', '1');
      u.searchParams.set('resourceVersion', rv);
      u.searchParams.set('allowWatchBookmarks', 'true');
      u.searchParams.set('timeoutSeconds', '300');
      let last = rv;
      let buf = '';
      const req = https.request(
        u,
        { headers: { Authorization: `Bearer ${cluster.token}` }, rejectUnauthorized: false },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            resolve('');
            return;
          }
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (!line.trim()) continue;
              const ev = JSON.parse(line) as { type: string; object: Obj };
              if (ev.type === 'ERROR') {
                last = ''; // 410 Gone: too old, relist
                req.destroy();
                return;
              }
              last = ev.object.metadata?.resourceVersion ?? last;
              if (ev.type !== 'BOOKMARK') onEvent(ev.type as WatchEvent, ev.object);
            }
          });
          res.on('end', () => resolve(last));
          res.on('error', () => resolve(last));
        },
      );
      req.on('error', () => resolve(last));
      req.end();
      current = req;
    });

  void (async () => {
    let rv = '';
    while (!stopped) {
      try {
        if (!rv) rv = await list();
        const began = Date.now();
        rv = await stream(rv);
        // A stream that ends at once (server going away, refused): do not spin.
        if (Date.now() - began < 200 && !stopped) await sleep(500);
      } catch {
        rv = '';
        if (!stopped) await sleep(500);
      }
    }
  })();

  return {
    synced,
    stop() {
      stopped = true;
      current?.destroy();
    },
  };
}
