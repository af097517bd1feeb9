import { canonicalShared } from '../render/canonical.js';
import { labelValue, memo, versionName } from './names.js';

/**
 * Labels and selectors of every child. Selectors hold only what identifies a workload for its
 * whole life — never the image or anything else that changes between rollouts of the same
 * version — because a Deployment's selector is immutable.
 */

export type Labels = Record<string, string>;

// Every child and pod template of every version carries these maps, rebuilt on every sync:
// memoised per input (bounded), canonical and frozen, so builders share one copy.
const labelSets = new Map<string, Labels>();

function memoised(key: string, make: () => Labels): Labels {
  return memo(labelSets, key, () => canonicalShared(make()));
}

export const MANAGED_BY = 'gati-operator';
export const PART_OF = 'gati';
export const HANDLER_LABEL = 'gati.dev/handler';
export const VERSION_LABEL = 'gati.dev/version';
export const MODULE_LABEL = 'gati.dev/module';

/** handlerSelector selects every pod of a handler, whatever its version (the apex Service). */
export function handlerSelector(handlerName: string): Labels {
  return memoised(`hs\u0000${handlerName}`, () => ({ [HANDLER_LABEL]: labelValue(handlerName) }));
}

/** handlerVersionSelector selects the pods of one handler version. */
export function handlerVersionSelector(handlerName: string, versionId: string): Labels {
  return memoised(`hvs\u0000${handlerName}\u0000${versionId}`, () => ({
    ...handlerSelector(handlerName),
    [VERSION_LABEL]: labelValue(versionId),
  }));
}

/** moduleSelector selects the pods of one GatiModule (by object name, unique in its namespace). */
export function moduleSelector(moduleObjectName: string): Labels {
  return memoised(`ms\u0000${moduleObjectName}`, () => ({
    [MODULE_LABEL]: labelValue(moduleObjectName),
  }));
}

function common(name: string, component: 'handler' | 'module'): Labels {
  return {
    'app.kubernetes.io/name': labelValue(name),
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** handlerLabels are the labels of a handler's shared children (apex Service, HTTPRoute). */
export function handlerLabels(handlerName: string): Labels {
  return memoised(`hl\u0000${handlerName}`, () => ({
    ...common(handlerName, 'handler'),
    'app.kubernetes.io/instance': labelValue(handlerName),
    ...handlerSelector(handlerName),
  }));
}

/** handlerVersionLabels are the labels of one version's children and pods (⊇ its selector). */
export function handlerVersionLabels(handlerName: string, versionId: string): Labels {
  return memoised(`hvl\u0000${handlerName}\u0000${versionId}`, () => ({
    ...common(handlerName, 'handler'),
    'app.kubernetes.io/instance': versionName(handlerName, versionId),
    'app.kubernetes.io/version': labelValue(versionId),
    ...handlerVersionSelector(handlerName, versionId),
  }));
}

/** moduleLabels are the labels of a module's children and pods (⊇ its selector). */
export function moduleLabels(moduleObjectName: string, gatiModuleName: string): Labels {
  return memoised(`ml\u0000${moduleObjectName}\u0000${gatiModuleName}`, () => ({
    ...common(gatiModuleName, 'module'),
    'app.kubernetes.io/instance': labelValue(moduleObjectName),
    ...moduleSelector(moduleObjectName),
  }));
}
