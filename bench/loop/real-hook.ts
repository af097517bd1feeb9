/**
 * The one place the replay floor calls our real hooks: on a recording miss, the answer our
 * hooks give to this request, as the JSON text the hook server would send (callHook answers
 * in canonical form, as the server does).
 */
import { callHook } from '../../src/hooks/call.js';
import { isControllerName } from '../../src/hooks/controllers.js';
import type { HookName } from '../../src/hooks/types.js';

/** realHook answers one hook call with the real hooks; throws on an unknown controller or hook. */
export function realHook(controller: string, hook: string, request: unknown, now: Date): string {
  if (!isControllerName(controller)) throw new Error(`unknown controller ${controller}`);
  return JSON.stringify(callHook(controller, hook as HookName, request, { now }));
}
