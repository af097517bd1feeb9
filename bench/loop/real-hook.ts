/**
 * The one place the replay floor calls our real hooks: on a recording miss, the answer our
 * hooks give to this request, as the JSON text the hook server would send. When the hook
 * registry is replaced by a single callHook(), only this file changes.
 */
import { HOOKS } from '../../src/index.js';
import type { ControllerName } from '../../src/hooks/types.js';

/** realHook answers one hook call with the real hooks; throws on an unknown controller or hook. */
export function realHook(controller: string, hook: string, request: unknown, now: Date): string {
  const hooks = HOOKS[controller as ControllerName];
  if (!hooks) throw new Error(`unknown controller ${controller}`);
  if (hook === 'customize') {
    if (!hooks.customize) throw new Error(`${controller} has no customize hook`);
    return JSON.stringify(hooks.customize(request as never));
  }
  const fn = hook === 'finalize' ? hooks.finalize : hook === 'sync' ? hooks.sync : undefined;
  if (!fn) throw new Error(`${controller} has no ${hook} hook`);
  return JSON.stringify(fn(request as never, { now }));
}
