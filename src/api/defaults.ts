import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Probes } from './gatihandler.js';

/**
 * defaultsOf is what an empty object becomes under a schema's defaults: the one way code gets
 * a default, so no constant ever repeats what the schema says.
 */
export function defaultsOf<T extends TSchema>(schema: T): Static<T> {
  return Value.Default(schema, {}) as Static<T>;
}

/** Probe and shutdown timing of workloads without spec.probes (modules). */
export const PROBE_DEFAULTS = defaultsOf(Probes);
