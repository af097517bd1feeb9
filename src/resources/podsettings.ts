import type { EnvVar } from '../api/common.js';
import { isOperatorLabel, type PodSettings, type VersionOverrides } from '../api/pod.js';
import type { Labels } from './labels.js';

/**
 * How a user's pod settings meet the operator's own pod fields. Everything here is a pure
 * merge in one direction: where both set something the operator's safety fields win
 * (labels, annotations, reserved env), the user's overrides win over security defaults.
 */

/**
 * withOverrides: a handler's pod settings with one GatiVersion's overrides for its own
 * version. env merges by name (the version's entry replaces the handler's in place, new names
 * follow), envFrom sources follow the handler's (a later source wins on the same key), and
 * podAnnotations merge by key (the version's win).
 */
export function withOverrides(pod: PodSettings, o: VersionOverrides | undefined): PodSettings {
  if (!o || (!o.env && !o.envFrom && !o.podAnnotations)) return pod;
  const out: PodSettings = { ...pod };
  if (o.env) out.env = mergeEnv(pod.env ?? [], o.env);
  if (o.envFrom) out.envFrom = [...(pod.envFrom ?? []), ...o.envFrom];
  if (o.podAnnotations) out.podAnnotations = { ...pod.podAnnotations, ...o.podAnnotations };
  return out;
}

function mergeEnv(base: EnvVar[], over: EnvVar[]): EnvVar[] {
  const byName = new Map(over.map((e) => [e.name, e]));
  const merged = base.map((e) => byName.get(e.name) ?? e);
  const present = new Set(base.map((e) => e.name));
  return [...merged, ...over.filter((e) => !present.has(e.name))];
}

/** podLabels: the user's podLabels without the operator's keys, then the operator's labels. */
export function podLabels(ours: Labels, user: Record<string, string> | undefined): Labels {
  if (!user) return ours;
  const kept = Object.entries(user).filter(([k]) => !isOperatorLabel(k));
  return { ...Object.fromEntries(kept), ...ours };
}

/** podAnnotations: the user's podAnnotations, then the operator's (which win on the same key). */
export function podAnnotations(
  ours: Record<string, string> | undefined,
  user: Record<string, string> | undefined,
): Record<string, string> | undefined {
  return user ? { ...user, ...ours } : ours;
}

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * overlay merges `over` onto `base` field by field: nested objects merge (so
 * `capabilities: {add: [NET_BIND_SERVICE]}` keeps `drop: [ALL]`), lists and scalars replace.
 */
export function overlay<T extends object>(base: T, over: T | undefined): T {
  if (!over) return base;
  const out: Rec = { ...(base as Rec) };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isRecord(b) && isRecord(v) ? overlay(b, v) : v;
  }
  return out as T;
}
