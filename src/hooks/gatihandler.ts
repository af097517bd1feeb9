import { validateHandlerSpec, validateVersionSpec } from '../api/index.js';
import { formatErrors } from '../api/validate.js';
import type { GatiHandlerStatus, VersionStatus } from '../api/gatihandler.js';
import type {
  CustomizeRequest,
  CustomizeResponse,
  KubeObject,
  SyncRequest,
  SyncResponse,
} from '../api/metacontroller.js';
import { makeApexService, versionChildren, type HandlerParent } from '../resources/handler.js';
import { makeHTTPRoute } from '../resources/httproute.js';
import { apexServiceName, routeName, versionName } from '../resources/names.js';
import { canonical } from '../render/canonical.js';
import { condition, conditions, type Verdict } from '../status/conditions.js';
import { invalidSpecResponse, respond } from '../status/response.js';
import { replicaCounts } from '../status/workload.js';
import { handlerOf } from '../timescape/membership.js';
import { planVersions, type Plan } from '../timescape/plan.js';
import { VERSION_ID_ANNOTATION, type OwnedVersion } from '../timescape/versions.js';
import { DEPLOYMENT, GATI_HANDLER, GATI_VERSION, HTTP_ROUTE } from './kinds.js';
import { observedGroup, observedNamed, readParent, type ParentInfo } from './observed.js';
import { drainKey, type ControllerHooks, type HookContext } from './types.js';

/**
 * GatiHandler controller: one controller owns everything for a handler (DESIGN §2). Each
 * sync sees the handler's per-version Deployments, its HTTPRoute and its GatiVersions in one
 * request, plans every live version with Timescape, and emits a consistent whole: per
 * version a Deployment, Service, autoscaler and PDB; once per handler the apex Service and
 * the HTTPRoute.
 */
export function syncHandler(request: SyncRequest, ctx: HookContext): SyncResponse {
  const parent = readParent(request);
  const spec = validateHandlerSpec(parent.spec);
  if (!spec.ok)
    return invalidSpecResponse(
      'gatihandler',
      parent,
      request.children,
      formatErrors(spec.errors),
      ctx.now,
    );
  const handler: HandlerParent = {
    metadata: { name: parent.name, namespace: parent.namespace },
    spec: spec.value,
  };
  const previous = request.parent.status as GatiHandlerStatus | undefined;
  // Read once: the plan maps them to versions, the status sums their replicas.
  const deployments = observedGroup(request.children, DEPLOYMENT);
  const { owned, invalid } = ownedVersions(request, parent.name, previous?.versions ?? []);
  const plan = planVersions({
    name: parent.name,
    namespace: parent.namespace ?? '',
    spec: spec.value,
    annotations: annotationsOf(request.parent),
    previous,
    owned,
    deployments: deploymentsByVersion(deployments, parent.name, [
      spec.value.version,
      ...owned.map((o) => o.spec.versionId),
      ...(previous?.versions ?? []).map((v) => v.versionId),
    ]),
    route: observedNamed(request.children, HTTP_ROUTE, routeName(parent.name)),
    now: ctx.now,
    rates: ratesFor(ctx, parent.namespace ?? '', parent.name),
  });
  const route =
    spec.value.routing?.provider === 'none'
      ? undefined
      : makeHTTPRoute(
          handler,
          plan.versions.map((v) => ({
            versionId: v.status.versionId,
            pin: v.pin,
            weight: v.weight,
          })),
        );
  const children = [
    ...plan.versions.flatMap((v) => (v.workload ? versionChildren(handler, v.workload) : [])),
    makeApexService(handler),
  ];
  if (route) children.push(route);
  const status = handlerStatus(
    parent,
    deployments,
    plan,
    spec.value.version,
    Boolean(route),
    invalid,
    ctx.now,
    spec.value.routing?.provider === 'none',
  );
  return respond('gatihandler', status, children, plan.resyncAfterSeconds);
}

function annotationsOf(o: KubeObject): Record<string, string> {
  const a = (o.metadata as { annotations?: unknown }).annotations;
  return typeof a === 'object' && a !== null ? (a as Record<string, string>) : {};
}

/**
 * ownedVersions: the GatiVersions that belong to this handler. One whose spec is invalid
 * keeps the meaning it had (from the handler's previous status) rather than dropping its
 * version: a bad edit must never retire a serving version.
 */
function ownedVersions(
  request: SyncRequest,
  name: string,
  previous: VersionStatus[],
): { owned: OwnedVersion[]; invalid: string[] } {
  const rivals = [
    name,
    ...observedGroup(request.related, GATI_HANDLER).map((h) => h.metadata.name),
  ];
  const owned: OwnedVersion[] = [];
  const invalid: string[] = [];
  for (const gv of observedGroup(request.related, GATI_VERSION)) {
    if (handlerOf(gv as Parameters<typeof handlerOf>[0], rivals)?.name !== name) continue;
    const base = {
      name: gv.metadata.name,
      deleting: Boolean(gv.metadata.deletionTimestamp),
      annotations: annotationsOf(gv),
    };
    const v = validateVersionSpec(gv.spec);
    if (v.ok) {
      owned.push({ ...base, spec: v.value });
      continue;
    }
    invalid.push(`${gv.metadata.name}: ${formatErrors(v.errors)}`);
    const prev = previous.find((p) => p.gatiVersion === gv.metadata.name);
    if (prev)
      owned.push({
        ...base,
        spec: {
          versionId: prev.versionId,
          routingWeight: prev.desiredWeight,
          breaking: prev.breaking,
          image: prev.image,
        },
      });
  }
  return { owned, invalid };
}

/** deploymentsByVersion maps observed Deployments to versionIds: by annotation, else by the name a known version would have. */
function deploymentsByVersion(
  deployments: KubeObject[],
  name: string,
  known: string[],
): Map<string, KubeObject> {
  const byName = new Map(known.map((id) => [versionName(name, id), id]));
  const out = new Map<string, KubeObject>();
  for (const d of deployments) {
    const id = annotationsOf(d)[VERSION_ID_ANNOTATION] ?? byName.get(d.metadata.name);
    if (id !== undefined) out.set(id, d);
  }
  return out;
}

function ratesFor(ctx: HookContext, namespace: string, name: string): Record<string, number> {
  const prefix = drainKey(namespace, name, '');
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(ctx.observations?.requestRates ?? {}))
    if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

type HandlerPhase = 'Pending' | 'Progressing' | 'Running' | 'Degraded' | 'Failed';

function handlerStatus(
  parent: ParentInfo,
  deployments: KubeObject[],
  plan: Plan,
  version: string,
  routed: boolean,
  invalid: string[],
  now: Date,
  noProvider: boolean,
): Record<string, unknown> {
  const { phase, verdicts } = judge(plan, version, routed, invalid, noProvider);
  return {
    ...replicaCounts(deployments),
    phase,
    version,
    service: apexServiceName(parent.name),
    route: routed ? routeName(parent.name) : undefined,
    rollout: plan.rollout,
    versions: plan.versions.map((v) => v.status),
    conditions: conditions(verdicts, parent.previousConditions, now, parent.generation),
  };
}

/** judge sums the plan up as the handler's phase and kstatus-compatible conditions. */
function judge(
  plan: Plan,
  version: string,
  routed: boolean,
  invalid: string[],
  noProvider: boolean,
): { phase: HandlerPhase; verdicts: Verdict[] } {
  const vs = plan.versions.map((v) => v.status);
  const own = vs.find((v) => v.versionId === version)!;
  const serving = vs.filter((v) => v.phase === 'Active' && (v.effectiveWeight > 0 || noProvider));
  const moving = vs.filter((v) => v.phase === 'Pending' || v.phase === 'Draining');
  const stalled: Verdict[] = [];
  if (own.phase === 'Failed')
    stalled.push(
      condition('Stalled', true, own.reason ?? 'VersionFailed', `${version}: ${own.message}`),
    );
  if (plan.lastServing.length)
    stalled.push(
      condition(
        'Stalled',
        true,
        'LastServingVersion',
        `retirement of ${plan.lastServing.join(', ')} refused: no other version can serve weighted traffic`,
      ),
    );
  if (plan.overLimit.length)
    stalled.push(
      condition(
        'Stalled',
        true,
        'TooManyVersions',
        `Gateway API allows 16 rules and 16 backends per rule; left out of the route: ${plan.overLimit.join(', ')}`,
      ),
    );
  if (invalid.length)
    stalled.push(condition('Stalled', true, 'InvalidGatiVersion', invalid.join('; ')));
  const ready =
    own.phase === 'Failed'
      ? condition('Ready', false, own.reason ?? 'VersionFailed', own.message ?? '')
      : own.phase !== 'Active'
        ? condition('Ready', false, own.reason ?? own.phase, own.message ?? own.phase)
        : plan.rollout
          ? condition(
              'Ready',
              false,
              'RollingOut',
              `rolling out ${version}: step ${plan.rollout.step + 1}`,
            )
          : !plan.routeAccepted
            ? condition(
                'Ready',
                false,
                'WaitingForRoute',
                'waiting for the gateway to accept the HTTPRoute at its latest generation',
              )
            : condition(
                'Ready',
                true,
                'Ready',
                `${version} is serving; ${vs.length} live version(s)`,
              );
  const verdicts = [
    ready,
    condition(
      'Available',
      serving.length > 0,
      serving.length > 0 ? 'Serving' : 'NoServingVersion',
      serving.length > 0
        ? `serving: ${serving.map((v) => `${v.versionId} ${v.trafficPercent}%`).join(', ')}`
        : 'no version is Available with weight',
    ),
    routedVerdict(plan, routed, noProvider),
  ];
  if (plan.rollout || moving.length > 0) {
    const what = plan.rollout
      ? `rolling out ${version}`
      : moving.map((v) => `${v.versionId} ${v.phase}`).join(', ');
    verdicts.push(
      condition('Reconciling', true, plan.rollout ? 'RollingOut' : moving[0]!.phase, what),
    );
  }
  if (stalled.length) verdicts.push(stalled[0]!);
  const phase: HandlerPhase =
    serving.length === 0
      ? own.phase === 'Failed'
        ? 'Failed'
        : 'Pending'
      : stalled.length
        ? 'Degraded'
        : plan.rollout || moving.length > 0 || ready.status !== 'True'
          ? 'Progressing'
          : 'Running';
  return { phase, verdicts };
}

function routedVerdict(plan: Plan, routed: boolean, noProvider: boolean): Verdict {
  if (noProvider)
    return condition(
      'TrafficRouted',
      true,
      'ApexServiceOnly',
      'routing provider none: the apex Service selects every version (no weights, no pins)',
    );
  if (!routed)
    return condition(
      'TrafficRouted',
      false,
      'NoRoutableVersion',
      'no version is Available yet: no HTTPRoute written',
    );
  return plan.routeAccepted
    ? condition(
        'TrafficRouted',
        true,
        'Accepted',
        'the HTTPRoute is accepted at its latest generation',
      )
    : condition(
        'TrafficRouted',
        false,
        'WaitingForRoute',
        'waiting for the gateway to accept the HTTPRoute at its latest generation',
      );
}

/**
 * customizeHandler asks for every GatiVersion and GatiHandler of the handler's namespace: a
 * GatiVersion may belong by name prefix alone, and the longest matching handler name wins,
 * so the sync must see them all. The answer depends only on the parent's identity.
 */
export function customizeHandler(request: CustomizeRequest): CustomizeResponse {
  const parent = readParent(request, false);
  const rule = (t: typeof GATI_VERSION) =>
    parent.namespace
      ? { apiVersion: t.apiVersion, resource: t.resource, namespace: parent.namespace }
      : { apiVersion: t.apiVersion, resource: t.resource };
  return canonical({ relatedResources: [rule(GATI_HANDLER), rule(GATI_VERSION)] });
}

/** The GatiHandler controller: sync and customize. */
export const gatihandlerHooks: ControllerHooks = { sync: syncHandler, customize: customizeHandler };
