import type {
  CustomizeRequest,
  CustomizeResponse,
  DecoratorRequest,
  DecoratorResponse,
  SyncRequest,
  SyncResponse,
} from '../../src/api/metacontroller.js';
import { callHook } from '../../src/hooks/call.js';
import { controllerList, hookNames } from '../../src/hooks/controllers.js';
import type {
  ControllerHooks,
  ControllerName,
  HookContext,
  HookRegistry,
} from '../../src/hooks/types.js';

/**
 * HOOKS is every controller's hooks as the server calls them: each function goes through
 * callHook() (envelope check, output check, canonical answer), so a test of `HOOKS.x.sync`
 * sees exactly the bytes Metacontroller would.
 */
export const HOOKS: HookRegistry = Object.fromEntries(
  controllerList().map((c) => {
    const wired: Record<string, unknown> = {};
    for (const hook of hookNames(c)) {
      if (hook === 'customize')
        wired.customize = (req: CustomizeRequest) =>
          callHook(c.name, 'customize', req, { now: new Date(0) }) as CustomizeResponse;
      else
        wired[hook] = (req: SyncRequest | DecoratorRequest, ctx: HookContext) =>
          callHook(c.name, hook, req, ctx) as SyncResponse | DecoratorResponse;
    }
    return [c.name as ControllerName, wired as unknown as ControllerHooks];
  }),
) as unknown as HookRegistry;
