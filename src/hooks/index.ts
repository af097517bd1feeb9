import { gatihandlerHooks } from './gatihandler.js';
import { gatimoduleHooks } from './gatimodule.js';
import { gativersionHooks } from './gativersion.js';
import type { HookRegistry } from './types.js';

/** Every controller's hooks, by the name used in hook URLs and on the command line. */
export const HOOKS: HookRegistry = {
  gatihandler: gatihandlerHooks,
  gatimodule: gatimoduleHooks,
  gativersion: gativersionHooks,
};
