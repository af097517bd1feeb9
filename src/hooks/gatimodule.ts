import { validateModuleSpec } from '../api/index.js';
import { DEPLOYMENT, GATI_HANDLER, GATI_MODULE, SERVICE } from '../api/kinds.js';
import type {
  CustomizeRequest,
  CustomizeResponse,
  SyncRequest,
  SyncResponse,
} from '../api/metacontroller.js';
import { deploymentFacts } from '../kube/deployment.js';
import { observedNamed, readParent } from '../kube/observed.js';
import { moduleChildren } from '../resources/module.js';
import { apexServiceName, moduleName } from '../resources/names.js';
import { moduleStatus } from '../status/module.js';
import { respond } from '../status/response.js';
import { declaredOnly, serviceConflict, validParent } from './steps.js';
import type { CompositeHooks, HookContext } from './types.js';

/**
 * syncModule: desired children from the spec, status from the observed Deployment. A parent
 * being deleted gets the same full answer (Metacontroller only reads its status then). A
 * child kind the calling controller does not declare (KEDA's ScaledObject without the keda
 * switch) is left out and reported as KindNotInstalled; the rest still runs. A GatiHandler of
 * the same name that was there first keeps Service `<name>` (src/kube/rivals.ts): the module
 * leaves its Service out and reports NameConflict.
 */
export function syncModule(request: SyncRequest, ctx: HookContext): SyncResponse {
  const v = validParent(request, validateModuleSpec, ctx.now);
  if ('response' in v) return v.response;
  const { parent, spec } = v;
  const name = moduleName(parent.name);
  const conflict = serviceConflict(
    request,
    GATI_MODULE,
    GATI_HANDLER,
    name,
    apexServiceName,
    "this GatiModule's Service",
  );
  const wanted = moduleChildren({
    metadata: { name: parent.name, namespace: parent.namespace },
    spec,
  }).filter((c) => conflict === undefined || c.kind !== SERVICE.kind);
  const { children, notInstalled } = declaredOnly(request, wanted);
  const status = moduleStatus({
    parent,
    now: ctx.now,
    facts: deploymentFacts(name, observedNamed(request.children, DEPLOYMENT, name)),
    notInstalled,
    nameConflict: conflict,
    service: conflict === undefined ? name : undefined,
  });
  return respond(status, children);
}

/**
 * customizeModule asks for the one GatiHandler that could want the module's Service name: the
 * one with the module's own name (a handler's apex Service is named after it). The answer
 * depends only on the parent's identity.
 */
function customizeModule(request: CustomizeRequest): CustomizeResponse {
  const parent = readParent(request, false);
  const rule = {
    apiVersion: GATI_HANDLER.apiVersion,
    resource: GATI_HANDLER.resource,
    names: [parent.name],
  };
  return { relatedResources: [parent.namespace ? { ...rule, namespace: parent.namespace } : rule] };
}

/** The GatiModule controller: sync and customize (its children are garbage-collected with it). */
export const gatimoduleHooks: CompositeHooks = { sync: syncModule, customize: customizeModule };
