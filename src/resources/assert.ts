import type { KubeObject } from '../api/metacontroller.js';
import { GatiError } from '../errors.js';
import { CONTROLLERS } from '../hooks/kinds.js';
import { isCanonical, madeCanonical, nonCanonicalPath } from '../render/canonical.js';
import type { ControllerName } from '../hooks/types.js';

function fail(message: string): never {
  throw new GatiError('GATI_ERR_INVALID_OUTPUT', message);
}

/** Each controller's declared child kinds as `<apiVersion>/<kind>`, built once. */
const DECLARED = Object.fromEntries(
  Object.entries(CONTROLLERS).map(([name, c]) => [
    name,
    new Set(c.children.map((t) => `${t.apiVersion}/${t.kind}`)),
  ]),
) as Record<ControllerName, Set<string>>;

/**
 * assertChildren checks a hook's own output before it leaves: every child has apiVersion,
 * kind and metadata.name, is of a kind the controller declares, appears once, and is
 * canonical (no null anywhere, keys in canonical order: the server serialises it as it is).
 * A failure is our bug; it throws so the server answers 5xx instead of a bad 200.
 */
export function assertChildren(children: KubeObject[], controller: ControllerName): void {
  const declared = DECLARED[controller];
  const seen = new Set<string>();
  children.forEach((c, i) => {
    if (!c?.apiVersion || !c.kind || !c.metadata?.name)
      fail(`children[${i}]: apiVersion, kind and metadata.name are required`);
    const kind = `${c.apiVersion}/${c.kind}`;
    if (!declared.has(kind)) fail(`children[${i}]: ${kind} is not a child kind of ${controller}`);
    const id = `${kind}/${c.metadata.namespace ?? ''}/${c.metadata.name}`;
    if (seen.has(id)) fail(`children[${i}]: duplicate ${id}`);
    seen.add(id);
    // Builders' output is canonical by construction (and branded so); anything else is walked.
    if (!madeCanonical(c) && !isCanonical(c)) fail(nonCanonicalPath(c, `children[${i}]`)!);
  });
}
