/**
 * The limits the operator works within, each in one place: the schema docs, the core, the
 * status messages and the tests read them from here.
 */

/** Gateway API: rules in one HTTPRoute (standard channel). */
export const MAX_RULES = 16;
/** Gateway API: backendRefs in one rule. */
export const MAX_BACKENDS = 16;
/** Gateway API: matches in one rule. */
export const MAX_MATCHES = 64;

/**
 * Live versions one handler builds (DESIGN §4; issue #21). The route can carry 16 of them at
 * most (15 pin rules and the weighted rule, 16 backends); twice that leaves room for versions
 * that are draining, decommissioned at weight 0 or kept as history, while a handler's status
 * (about 0.5 KB a version) and its children (4 a version) stay far below etcd's 1.5 MB object
 * limit and Metacontroller's request sizes. Versions beyond it are reported, never built.
 */
export const MAX_LIVE_VERSIONS = 32;

/** gatewayLimitsText words the route limits for status messages. */
export const GATEWAY_LIMITS_TEXT = `Gateway API allows ${MAX_RULES} rules and ${MAX_BACKENDS} backends per rule`;
