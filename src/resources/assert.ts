import type { KubeObject } from '../api/metacontroller.js';
import { GatiError } from '../errors.js';
import { CONTROLLERS } from '../hooks/kinds.js';
import type { ControllerName } from '../hooks/types.js';

function fail(message: string): never {
  throw new GatiError('GATI_ERR_INVALID_OUTPUT', message);
}

function findNull(value: unknown, path: string): string | undefined {
  if (value === null || value === undefined) return path;
  if (typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const hit = findNull(v, Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`);
    if (hit) return hit;
  }
  return undefined;
}

function hasNull(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'object') return false;
  for (const k in value) if (hasNull((value as Record<string, unknown>)[k])) return true;
  return false;
}

/**
 * assertChildren checks a hook's own output before it leaves: every child has apiVersion,
 * kind and metadata.name, is of a kind the controller declares, appears once, and holds no
 * null. A failure is our bug; it throws so the server answers 5xx instead of a bad 200.
 */
export function assertChildren(children: KubeObject[], controller: ControllerName): void {
  const declared = new Set(
    CONTROLLERS[controller].children.map((t) => `${t.apiVersion}/${t.kind}`),
  );
  const seen = new Set<string>();
  children.forEach((c, i) => {
    if (!c?.apiVersion || !c.kind || !c.metadata?.name)
      fail(`children[${i}]: apiVersion, kind and metadata.name are required`);
    const kind = `${c.apiVersion}/${c.kind}`;
    if (!declared.has(kind)) fail(`children[${i}]: ${kind} is not a child kind of ${controller}`);
    const id = `${kind}/${c.metadata.namespace ?? ''}/${c.metadata.name}`;
    if (seen.has(id)) fail(`children[${i}]: duplicate ${id}`);
    seen.add(id);
    // The cheap walk runs on every child; the path-building one only to word the error.
    if (hasNull(c)) fail(`${findNull(c, `children[${i}]`)}: null or undefined`);
  });
}
