import { validateModuleSpec } from '../api/index.js';
import { DEPLOYMENT } from '../api/kinds.js';
import type { SyncRequest, SyncResponse } from '../api/metacontroller.js';
import { formatErrors } from '../api/validate.js';
import { controllerNameOf, keepDeclared } from '../kube/declared.js';
import { deploymentFacts } from '../kube/deployment.js';
import { observedNamed, readParent } from '../kube/observed.js';
import { moduleChildren } from '../resources/module.js';
import { moduleName } from '../resources/names.js';
import { kindNotInstalledMessage, withMissingKinds } from '../status/missing.js';
import { workloadVerdicts } from '../status/module.js';
import { invalidSpecResponse, respond, statusWith } from '../status/response.js';
import type { CompositeHooks, HookContext } from './types.js';

/**
 * syncModule: desired children from the spec, status from the observed Deployment. A parent
 * being deleted gets the same full answer (Metacontroller only reads its status then). A
 * child kind the calling controller does not declare (KEDA's ScaledObject without the keda
 * switch) is left out and reported as KindNotInstalled; the rest still runs.
 */
export function syncModule(request: SyncRequest, ctx: HookContext): SyncResponse {
  const parent = readParent(request);
  const spec = validateModuleSpec(parent.spec);
  if (!spec.ok)
    return invalidSpecResponse(parent, request.children, formatErrors(spec.errors), ctx.now);
  const { children, missing } = keepDeclared(
    request.controller,
    moduleChildren({
      metadata: { name: parent.name, namespace: parent.namespace },
      spec: spec.value,
    }),
  );
  const name = moduleName(parent.name);
  const facts = deploymentFacts(name, observedNamed(request.children, DEPLOYMENT, name));
  const workload = workloadVerdicts(facts);
  const notInstalled = missing.length
    ? kindNotInstalledMessage(missing, controllerNameOf(request.controller))
    : undefined;
  const verdicts = withMissingKinds(workload.verdicts, notInstalled);
  const phase = notInstalled && workload.phase === 'Running' ? 'Degraded' : workload.phase;
  const counts = {
    replicas: facts.replicas,
    readyReplicas: facts.ready,
    availableReplicas: facts.available,
  };
  return respond(
    statusWith(parent, ctx.now, phase, verdicts, { ...counts, service: name }),
    children,
  );
}

/** The GatiModule controller: sync only (its children are garbage-collected with it). */
export const gatimoduleHooks: CompositeHooks = { sync: syncModule };
