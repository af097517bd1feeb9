/**
 * Every label and annotation key the operator reads or writes, in one place. Values that go
 * with them (e.g. `managed-by: gati-operator`) live beside their builders in resources/labels.ts.
 */

/** On children and pods: the handler they belong to. On a GatiVersion: the handler it belongs to. */
export const HANDLER_LABEL = 'gati.dev/handler';
/**
 * On a GatiVersion: which rule set its gati.dev/handler label, `<rule>/<handler>` (rule
 * handlerRef, namePrefix or label). Written by the GatiVersion controller with the label, so it
 * can tell a label it derived (and re-derives) from one a person wrote (which it follows).
 */
export const HANDLER_RESOLVED_BY_ANNOTATION = 'gati.dev/handler-resolved-by';
/** On a handler version's children and pods: its versionId, sanitised for a label value. */
export const VERSION_LABEL = 'gati.dev/version';
/** On a module's children and pods: the GatiModule's object name. */
export const MODULE_LABEL = 'gati.dev/module';

/** Kubernetes' recommended labels. */
export const APP_NAME_LABEL = 'app.kubernetes.io/name';
export const APP_COMPONENT_LABEL = 'app.kubernetes.io/component';
export const APP_PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const APP_MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const APP_INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const APP_VERSION_LABEL = 'app.kubernetes.io/version';
/** The operator's name: app.kubernetes.io/managed-by on every child, app.kubernetes.io/name of its own objects. */
export const OPERATOR_NAME = 'gati-operator';
/** app.kubernetes.io/part-of on every child and install object. */
export const PART_OF = 'gati';

/** On per-version Deployments: the raw versionId (labels hold a sanitised one). */
export const VERSION_ID_ANNOTATION = 'gati.dev/version-id';
/** On a module's children and pods: spec.runtime, informational. */
export const RUNTIME_ANNOTATION = 'gati.dev/runtime';
/** On a GatiVersion (or the GatiHandler, for spec.version): a breaking version without transformers may take weighted traffic. */
export const ROUTE_BREAKING_ANNOTATION = 'gati.dev/route-breaking';
/** On a GatiHandler: pause, resume, promote, promote-full, abort or retry its rollout (docs/progressive-delivery.md). */
export const ROLLOUT_ACTION_ANNOTATION = 'gati.dev/rollout-action';
/** On a GatiVersion: skip the drain wait when it is deleted. */
export const FORCE_ANNOTATION = 'gati.dev/force-decommission';

/** Metacontroller's record of what it last applied to a child; never sent back. */
export const LAST_APPLIED_ANNOTATION = 'metacontroller.k8s.io/last-applied-configuration';
