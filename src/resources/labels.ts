import {
  APP_COMPONENT_LABEL,
  APP_INSTANCE_LABEL,
  APP_MANAGED_BY_LABEL,
  APP_NAME_LABEL,
  APP_PART_OF_LABEL,
  APP_VERSION_LABEL,
  HANDLER_LABEL,
  MODULE_LABEL,
  VERSION_LABEL,
  OPERATOR_NAME,
  PART_OF,
} from '../api/keys.js';
import { labelValue, versionName } from './names.js';

/**
 * Labels and selectors of every child. Selectors hold only what identifies a workload for its
 * whole life — never the image or anything else that changes between rollouts of the same
 * version — because a Deployment's selector is immutable.
 */

export type Labels = Record<string, string>;

/** Value of app.kubernetes.io/managed-by on every child. */
export const MANAGED_BY = OPERATOR_NAME;
/** handlerSelector selects every pod of a handler, whatever its version (the apex Service). */
export function handlerSelector(handlerName: string): Labels {
  return { [HANDLER_LABEL]: labelValue(handlerName) };
}

/** handlerVersionSelector selects the pods of one handler version. */
export function handlerVersionSelector(handlerName: string, versionId: string): Labels {
  return { ...handlerSelector(handlerName), [VERSION_LABEL]: labelValue(versionId) };
}

/** moduleSelector selects the pods of one GatiModule (by object name, unique in its namespace). */
export function moduleSelector(moduleObjectName: string): Labels {
  return { [MODULE_LABEL]: labelValue(moduleObjectName) };
}

function common(name: string, component: 'handler' | 'module'): Labels {
  return {
    [APP_NAME_LABEL]: labelValue(name),
    [APP_COMPONENT_LABEL]: component,
    [APP_PART_OF_LABEL]: PART_OF,
    [APP_MANAGED_BY_LABEL]: MANAGED_BY,
  };
}

/** handlerLabels are the labels of a handler's shared children (apex Service, HTTPRoute). */
export function handlerLabels(handlerName: string): Labels {
  return {
    ...common(handlerName, 'handler'),
    [APP_INSTANCE_LABEL]: labelValue(handlerName),
    ...handlerSelector(handlerName),
  };
}

/** handlerVersionLabels are the labels of one version's children and pods (⊇ its selector). */
export function handlerVersionLabels(handlerName: string, versionId: string): Labels {
  return {
    ...common(handlerName, 'handler'),
    [APP_INSTANCE_LABEL]: versionName(handlerName, versionId),
    [APP_VERSION_LABEL]: labelValue(versionId),
    ...handlerVersionSelector(handlerName, versionId),
  };
}

/** moduleLabels are the labels of a module's children and pods (⊇ its selector). */
export function moduleLabels(moduleObjectName: string, gatiModuleName: string): Labels {
  return {
    ...common(gatiModuleName, 'module'),
    [APP_INSTANCE_LABEL]: labelValue(moduleObjectName),
    ...moduleSelector(moduleObjectName),
  };
}
