// What a controller declares under an install's switches (the switches: src/api/switches.ts).
import type { ResourceType } from '../api/kinds.js';
import {
  DEFAULT_INSTALL,
  OPTIONAL_KINDS,
  optionalKind,
  sameType,
  type InstallOptions,
} from '../api/switches.js';

/**
 * declaredChildren is what a controller whose hooks may emit `children` declares under
 * `options`: the required kinds in table order, then the switched-on optional ones.
 */
export function declaredChildren(
  children: readonly ResourceType[],
  options: Readonly<InstallOptions> = DEFAULT_INSTALL,
): ResourceType[] {
  const required = children.filter((t) => optionalKind(t) === undefined);
  const optional = OPTIONAL_KINDS.filter(
    (o) => options[o.option] && children.some((t) => sameType(t, o.type)),
  ).map((o) => children.find((t) => sameType(t, o.type))!);
  return [...required, ...optional];
}
