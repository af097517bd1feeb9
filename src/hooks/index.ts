// The pure hooks of every controller, the controller table, and the one way to call a hook.
export {
  CONTROLLERS,
  HOOK_NAMES,
  controllerList,
  hookNames,
  hookPath,
  isControllerName,
  withHooks,
  type Controller,
  type ControllerTable,
} from './controllers.js';
export { callHook, type HookAnswer } from './call.js';
export { gatihandlerHooks, syncHandler, customizeHandler } from './gatihandler.js';
export { gatimoduleHooks, syncModule } from './gatimodule.js';
export {
  gativersionHooks,
  syncGatiVersion,
  finalizeGatiVersion,
  customizeGatiVersion,
} from './gativersion.js';
export * from './types.js';
