import t from 'tap';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/server/config.js';
import { buildApp } from '../../src/server/app.js';
import { MAX_DEPTH } from '../../src/server/body.js';
import { handlerCase, moduleCase, versionCase, type Case } from './lib/cases.js';

// Hostile JSON shapes sent through the real server (inject): a wrong type at every status
// path of every object in a valid request (the parent's own status, its children's and the
// related objects'), a key JavaScript gives a meaning of its own anywhere in a spec, and deep
// nesting anywhere. Whatever arrives, the answer is a 200 or a named 4xx — never a 5xx — and a
// hostile key in a spec is reported as InvalidSpec naming where it is.

const RUNS = Number(process.env.HOSTILE_RUNS ?? 60);

type Path = Array<string | number>;

/** paths lists the path to every node under `value` (objects, arrays and leaves). */
function paths(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value))
      paths(v, [...at, Array.isArray(value) ? Number(k) : k], out);
  return out;
}

/** setAt returns a copy of `root` with the node at `path` replaced by `value`. */
function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

/** Where a request carries status: the parent's (or object's) and every observed object's. */
function statusPaths(request: unknown): Path[] {
  const top = 'parent' in (request as object) ? 'parent' : 'object';
  const own: Path = [top, 'status'];
  const found = paths(request).filter((p) => p.includes('status'));
  return found.some((p) => p.join('.') === own.join('.')) ? found : [own, ...found];
}

/** Where a request carries the parent's spec: every object node under it. */
function specObjectPaths(request: unknown): Path[] {
  const top = 'parent' in (request as object) ? 'parent' : 'object';
  const spec = (request as Record<string, { spec?: unknown }>)[top]?.spec;
  return paths(spec, [top, 'spec']).filter((p) => {
    let v: unknown = request;
    for (const k of p) v = (v as Record<string | number, unknown>)[k];
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  });
}

const wrongValue = fc.constantFrom<unknown>(
  'x',
  '',
  7,
  -1,
  1.5,
  1e308,
  true,
  null,
  [],
  {},
  [1, 'a', null],
  { a: 1, b: [{}] },
  '2026-13-45T99:00:00Z',
);

const anyCase = fc.oneof(handlerCase, moduleCase, versionCase);

function routesOf(c: Case): string[] {
  const hooks = c.controller === 'gativersion' ? ['sync', 'finalize'] : ['sync'];
  return hooks.map((h) => `/hooks/${c.controller}/${h}`);
}

async function post(app: FastifyInstance, url: string, payload: string) {
  return app.inject({
    method: 'POST',
    url,
    payload,
    headers: { 'content-type': 'application/json' },
  });
}

function notServerError(url: string, what: string, res: { statusCode: number; body: string }) {
  if (res.statusCode >= 500)
    throw new Error(`${url} answered ${res.statusCode} to ${what}: ${res.body.slice(0, 400)}`);
}

t.test('hostile JSON shapes through the server', async (t) => {
  const app = buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }) });
  t.teardown(() => app.close());

  t.test('a wrong type at any status path: 200 or 4xx, never 5xx', async (t) => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        anyCase.chain((c) =>
          fc.tuple(fc.constant(c), fc.constantFrom(...statusPaths(c.request)), wrongValue),
        ),
        async ([c, path, value]) => {
          const payload = JSON.stringify(setAt(c.request, path, value));
          for (const url of routesOf(c)) {
            const res = await post(app, url, payload);
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            notServerError(url, `${path.join('.')} = ${JSON.stringify(value)}`, res);
          }
        },
      ),
      { numRuns: RUNS },
    );
    t.ok(statuses.size > 0, `statuses seen: ${JSON.stringify(Object.fromEntries(statuses))}`);
  });

  t.test('__proto__, constructor or prototype in a spec: InvalidSpec naming it', async (t) => {
    await fc.assert(
      fc.asyncProperty(
        anyCase.chain((c) =>
          fc.tuple(
            fc.constant(c),
            fc.constantFrom(...specObjectPaths(c.request)),
            fc.constantFrom('__proto__', 'constructor', 'prototype'),
            fc.constantFrom<unknown>('x', { polluted: 'yes' }, 1),
          ),
        ),
        async ([c, path, key, value]) => {
          // Written into the JSON text as a plain own key, as the API server would send it.
          const request = structuredClone(c.request) as unknown as Record<string | number, unknown>;
          let node = request;
          for (const k of path) node = node[k] as Record<string | number, unknown>;
          Object.defineProperty(node, key, { value, enumerable: true, writable: true });
          const payload = JSON.stringify(request);
          const field = [...path.slice(1), key]
            .map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`))
            .join('');
          for (const url of routesOf(c)) {
            const res = await post(app, url, payload);
            if (res.statusCode !== 200)
              throw new Error(`${url} answered ${res.statusCode} to ${field}: ${res.body}`);
            if (url.endsWith('/finalize')) continue; // releases or waits; never refuses
            const ready = (
              JSON.parse(res.body) as {
                status: { conditions?: Array<{ type: string; reason: string; message: string }> };
              }
            ).status.conditions?.find((x) => x.type === 'Ready');
            if (ready?.reason !== 'InvalidSpec' || !ready.message.includes(field))
              throw new Error(
                `${url}: Ready is ${JSON.stringify(ready)}, not InvalidSpec naming ${field}`,
              );
          }
          if (({} as Record<string, unknown>).polluted !== undefined)
            throw new Error('Object.prototype was polluted');
        },
      ),
      { numRuns: RUNS },
    );
    t.pass('every hostile key was named, nothing polluted');
  });

  t.test(`nesting deeper than ${MAX_DEPTH} levels anywhere: a named 400`, async (t) => {
    await fc.assert(
      fc.asyncProperty(
        anyCase.chain((c) =>
          fc.tuple(
            fc.constant(c),
            fc.constantFrom(...paths(c.request).filter((p) => p.length > 0)),
            fc.constantFrom(MAX_DEPTH + 2, 10_000),
          ),
        ),
        async ([c, path, depth]) => {
          // Written as text: JSON.stringify itself cannot nest 10,000 levels.
          const deep = '{"a":['.repeat(depth / 2) + '0' + ']}'.repeat(depth / 2);
          const marker = 'DEEP-MARKER-7f3a';
          const payload = JSON.stringify(setAt(c.request, path, marker)).replace(
            `"${marker}"`,
            deep,
          );
          for (const url of routesOf(c)) {
            const res = await post(app, url, payload);
            if (res.statusCode !== 400 || !res.body.includes('nests deeper'))
              throw new Error(`${url} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
          }
        },
      ),
      { numRuns: 20 },
    );
    t.pass('every deep body was refused by name');
  });
});
