import { validateModuleSpec } from '../api/index.js';
import { DEPLOYMENT, GATI_HANDLER, GATI_MODULE, SERVICE } from '../api/kinds.js';
import type {
  CustomizeRequest,
  CustomizeResponse,
  SyncRequest,
  SyncResponse,
} from '../api/metacontroller.js';
import { formatErrors } from '../api/validate.js';
import { controllerNameOf, keepDeclared } from '../kube/declared.js';
import { deploymentFacts } from '../kube/deployment.js';
import { observedNamed, readParent } from '../kube/observed.js';
import { nameHolder, parentIdentity } from '../kube/rivals.js';
import { moduleChildren } from '../resources/module.js';
import { apexServiceName, moduleName } from '../resources/names.js';
import { withBlocker } from '../status/conditions.js';
import { nameConflictMessage, nameConflictVerdicts } from '../status/conflict.js';
import { kindNotInstalledMessage, kindNotInstalledVerdicts } from '../status/missing.js';
import { workloadVerdicts } from '../status/module.js';
import { invalidSpecResponse, respond, statusWith } from '../status/response.js';
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
  const parent = readParent(request);
  const spec = validateModuleSpec(parent.spec);
  if (!spec.ok)
    return invalidSpecResponse(parent, request.children, formatErrors(spec.errors), ctx.now);
  const name = moduleName(parent.name);
  const self = parentIdentity(GATI_MODULE.kind, request.parent);
  const holder = nameHolder(self, request.related, GATI_HANDLER, name, apexServiceName);
  const wanted = moduleChildren({
    metadata: { name: parent.name, namespace: parent.namespace },
    spec: spec.value,
  }).filter((c) => !holder || c.kind !== SERVICE.kind);
  const { children, missing } = keepDeclared(request.controller, wanted);
  const facts = deploymentFacts(name, observedNamed(request.children, DEPLOYMENT, name));
  const workload = workloadVerdicts(facts);
  const notInstalled = missing.length
    ? kindNotInstalledMessage(missing, controllerNameOf(request.controller))
    : undefined;
  const verdicts = withBlocker(
    workload.verdicts,
    notInstalled === undefined ? undefined : kindNotInstalledVerdicts(notInstalled),
    holder &&
      nameConflictVerdicts(
        nameConflictMessage(
          { kind: SERVICE.kind, name },
          self,
          holder,
          "this GatiModule's Service",
        ),
      ),
  );
  const blocked = notInstalled !== undefined || holder !== undefined;
  const phase = blocked && workload.phase === 'Running' ? 'Degraded' : workload.phase;
  const counts = {
    replicas: facts.replicas,
    readyReplicas: facts.ready,
    availableReplicas: facts.available,
  };
  return respond(
    statusWith(parent, ctx.now, phase, verdicts, {
      ...counts,
      ...(holder ? {} : { service: name }),
    }),
    children,
  );
}

/**
 * customizeModule asks for the one GatiHandler that could want the module's Service name: the
 * one with the module's own name (a handler's apex Service is named after it). The answer
 * depends only on the parent's identity.
 */
export function customizeModule(request: CustomizeRequest): CustomizeResponse {
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
