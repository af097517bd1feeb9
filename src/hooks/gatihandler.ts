import { validateHandlerSpec } from '../api/index.js';
import { formatErrors } from '../api/validate.js';
import type {
  CustomizeRequest,
  CustomizeResponse,
  SyncRequest,
  SyncResponse,
} from '../api/metacontroller.js';
import { makeApexService, versionChildren, type HandlerParent } from '../resources/handler.js';
import { apexServiceName, versionName } from '../resources/names.js';
import { invalidSpecResponse, respond, statusWith } from '../status/response.js';
import { deploymentFacts, replicaCounts, workloadVerdicts } from '../status/workload.js';
import { DEPLOYMENT, GATI_VERSION } from './kinds.js';
import { observedGroup, observedNamed, readParent } from './observed.js';
import type { ControllerHooks, HookContext } from './types.js';

/**
 * syncHandler (single version for now): the handler's own spec.version is its only live
 * version — its Deployment, Service, autoscaler and PDB — plus the apex Service. Readiness
 * comes from that version's observed Deployment; replica counts sum every observed
 * Deployment of the handler.
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
  const { version, image, replicas } = spec.value;
  const children = [
    ...versionChildren(handler, { versionId: version, image, replicas, state: 'serve' }),
    makeApexService(handler),
  ];
  const name = versionName(parent.name, version);
  const { phase, verdicts } = workloadVerdicts(
    deploymentFacts(name, observedNamed(request.children, DEPLOYMENT, name)),
  );
  const extra = {
    ...replicaCounts(observedGroup(request.children, DEPLOYMENT)),
    version,
    service: apexServiceName(parent.name),
  };
  return respond('gatihandler', statusWith(parent, ctx.now, phase, verdicts, extra), children);
}

/**
 * customizeHandler asks for every GatiVersion in the handler's namespace. No selector: a
 * GatiVersion may belong by name prefix alone, which only the sync can resolve. The answer
 * depends only on the parent's identity, as Metacontroller's cache requires.
 */
export function customizeHandler(request: CustomizeRequest): CustomizeResponse {
  const parent = readParent(request, false);
  return {
    relatedResources: [
      {
        apiVersion: GATI_VERSION.apiVersion,
        resource: GATI_VERSION.resource,
        namespace: parent.namespace,
      },
    ].map((r) => (r.namespace ? r : { apiVersion: r.apiVersion, resource: r.resource })),
  };
}

/** The GatiHandler controller: sync and customize. */
export const gatihandlerHooks: ControllerHooks = { sync: syncHandler, customize: customizeHandler };
