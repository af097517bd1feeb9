import { validateVersionSpec } from '../api/index.js';
import { GatiHandlerStatus, type VersionStatus } from '../api/gatihandler.js';
import { HANDLER_LABEL, ROLLOUT_ACTION_ANNOTATION, VERSION_ID_ANNOTATION } from '../api/keys.js';
import {
  DEPLOYMENT,
  GATI_HANDLER,
  GATI_MODULE,
  GATI_VERSION,
  HTTP_ROUTE,
  SCALED_OBJECT,
} from '../api/kinds.js';
import type {
  ChildObject,
  CustomizeRequest,
  CustomizeResponse,
  KubeObject,
  SyncRequest,
  SyncResponse,
} from '../api/metacontroller.js';
import { formatErrors, readStatus } from '../api/validate.js';
import {
  annotationsOf,
  isObject,
  labelsOf,
  observedGroup,
  observedNamed,
  readParent,
} from '../kube/observed.js';
import { makeApexService, versionChildren, type HandlerParent } from '../resources/handler.js';
import { makeHTTPRoute } from '../resources/httproute.js';
import {
  apexServiceName,
  labelValue,
  moduleName,
  routeName,
  versionName,
} from '../resources/names.js';
import { handlerStatus } from '../status/handler.js';
import { withHistory } from '../status/history.js';
import { invalidSpecResponse, respond } from '../status/response.js';
import { planVersions, routedVersions, type Plan } from '../timescape/plan.js';
import type { OwnedVersion } from '../timescape/versions.js';
import { forHandler } from './handler-observations.js';
import { handlerSpec, policyRule } from './policy.js';
import { declaredOnly, serviceConflict, validParent } from './steps.js';
import type { CompositeHooks, HookContext } from './types.js';

/**
 * GatiHandler controller: one controller owns everything for a handler (DESIGN §2). Each
 * sync sees the handler's per-version Deployments, its HTTPRoute and its GatiVersions in one
 * request, plans every live version with Timescape, and emits a consistent whole: per
 * version a Deployment, Service, autoscaler and PDB; once per handler the apex Service and
 * the HTTPRoute. A GatiModule of the same name that was there first keeps Service `<name>`
 * (src/kube/rivals.ts): the handler leaves its apex Service out and reports NameConflict.
 */
export function syncHandler(request: SyncRequest, ctx: HookContext): SyncResponse {
  // The handler's GatiRolloutPolicy is merged under its own spec.rollout before validation.
  const merged = handlerSpec(readParent(request).spec, request.related);
  if ('missing' in merged)
    return invalidSpecResponse(
      readParent(request),
      request.children,
      merged.missing,
      ctx.now,
      'PolicyNotFound',
    );
  const v = validParent(request, () => merged, ctx.now);
  if ('response' in v) return v.response;
  const { parent } = v;
  const spec = { value: v.spec };
  // Status is this hook's memory (rollout, drains, versions): one that does not match the
  // schema is never guessed at. Nothing moves until it is fixed; the children stay as they are.
  const status = readStatus<GatiHandlerStatus>(GatiHandlerStatus, request.parent.status);
  if (!status.ok)
    return invalidSpecResponse(
      parent,
      request.children,
      `${formatErrors(status.errors)}: the handler is held as it is until its status is fixed (kubectl edit --subresource=status)`,
      ctx.now,
      'InvalidStatus',
    );
  const handler: HandlerParent = {
    metadata: { name: parent.name, namespace: parent.namespace },
    spec: spec.value,
  };
  const deployments = observedGroup(request.children, DEPLOYMENT);
  const previous = status.value;
  const { owned, invalid } = ownedVersions(request, parent.name, previous?.versions ?? []);
  const plan = planVersions({
    name: parent.name,
    namespace: parent.namespace ?? '',
    spec: spec.value,
    annotations: annotationsOf(request.parent),
    previous,
    owned,
    deployments: deploymentsByVersion(
      deployments,
      parent.name,
      knownVersions(spec.value.version, owned, previous?.versions),
    ),
    route: observedNamed(request.children, HTTP_ROUTE, routeName(parent.name)),
    now: ctx.now,
    rates: forHandler(ctx.observations?.requestRates, parent.namespace ?? '', parent.name),
    analysis: forHandler(ctx.observations?.analysis, parent.namespace ?? '', parent.name),
    demand: forHandler(ctx.observations?.demand, parent.namespace ?? '', parent.name),
  });
  const route = spec.value.routing.provider === 'none' ? undefined : routeOf(handler, plan);
  const conflict = serviceConflict(
    request,
    GATI_HANDLER,
    GATI_MODULE,
    apexServiceName(parent.name),
    moduleName,
    'the apex Service',
  );
  const desired: ChildObject[] = [
    ...plan.versions.flatMap((w) => (w.workload ? versionChildren(handler, w.workload) : [])),
    ...(conflict === undefined ? [makeApexService(handler)] : []),
  ];
  if (route) desired.push(route);
  // A kind the calling controller does not declare is left out and reported (KindNotInstalled).
  const { children, missing, notInstalled } = declaredOnly(request, desired, [
    ...(route || spec.value.routing.provider === 'gateway-api' ? [HTTP_ROUTE] : []),
    ...(spec.value.autoscaling.mode === 'keda' ? [SCALED_OBJECT] : []),
  ]);
  const report = handlerStatus({
    name: parent.name,
    generation: parent.generation,
    previousConditions: parent.previousConditions,
    deployments,
    plan,
    version: spec.value.version,
    routed: route !== undefined && children.includes(route),
    notInstalled:
      notInstalled === undefined
        ? undefined
        : { message: notInstalled, route: missing.includes(HTTP_ROUTE) },
    provider: spec.value.routing.provider,
    nameConflict: conflict,
    invalidVersions: invalid,
    action: annotationsOf(request.parent)[ROLLOUT_ACTION_ANNOTATION],
    aliases: spec.value.routing.aliases !== undefined,
    now: ctx.now,
  });
  return respond(withHistory(previous, report, ctx.now), children, plan.resyncAfterSeconds);
}

function routeOf(handler: HandlerParent, plan: Plan) {
  return makeHTTPRoute(handler, routedVersions(plan.versions));
}

function knownVersions(
  version: string,
  owned: OwnedVersion[],
  previous: VersionStatus[] | undefined,
): string[] {
  return [
    version,
    ...owned.map((o) => o.spec.versionId),
    ...(previous ?? []).map((v) => v.versionId),
  ];
}

/**
 * belongsHere: a related GatiVersion is this handler's. Metacontroller sends the ones labelled
 * with its name (customize); one whose spec.handlerRef names another handler is a conflict the
 * GatiVersion reports itself, and is ignored here.
 */
function belongsHere(gv: KubeObject, name: string): boolean {
  if (labelsOf(gv)[HANDLER_LABEL] !== labelValue(name)) return false;
  const ref =
    isObject(gv.spec) && isObject(gv.spec.handlerRef) ? gv.spec.handlerRef.name : undefined;
  return typeof ref !== 'string' || ref === '' || ref === name;
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
  const owned: OwnedVersion[] = [];
  const invalid: string[] = [];
  for (const gv of observedGroup(request.related, GATI_VERSION)) {
    if (!belongsHere(gv, name)) continue;
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
          rollout: 'Stepped',
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

/**
 * customizeHandler asks only for the GatiVersions labelled with the handler's name: the
 * GatiVersion controller records each version's handler as that label, so a handler's request
 * holds its own versions and nothing else, however many handlers share the namespace. Besides
 * them, the one GatiModule that could want its apex Service's name (the module of the same
 * name). The answer depends only on the parent's identity.
 */
export function customizeHandler(request: CustomizeRequest): CustomizeResponse {
  const parent = readParent(request, false);
  const at = parent.namespace ? { namespace: parent.namespace } : {};
  return {
    relatedResources: [
      {
        apiVersion: GATI_VERSION.apiVersion,
        resource: GATI_VERSION.resource,
        ...at,
        labelSelector: { matchLabels: { [HANDLER_LABEL]: labelValue(parent.name) } },
      },
      {
        apiVersion: GATI_MODULE.apiVersion,
        resource: GATI_MODULE.resource,
        ...at,
        names: [parent.name],
      },
      ...policyRule(request, parent.namespace),
    ],
  };
}

/** The GatiHandler controller: sync and customize. */
export const gatihandlerHooks: CompositeHooks = { sync: syncHandler, customize: customizeHandler };
