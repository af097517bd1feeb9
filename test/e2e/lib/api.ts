/**
 * The Kubernetes API as the stories use it: get, list, server-side apply, merge patch, delete,
 * by kind name. Both cluster drivers give it a `request` function: the loop driver talks to its
 * loopback kube-apiserver with a bearer token, the kind driver to `kubectl proxy`.
 */
import { CHILD_TYPES } from '../../../src/api/kinds.js';
import type { ApiResponse, RequestOptions } from '../../apiserver/lib/cluster.js';

export type Obj = Record<string, any>;

/** One HTTP call against the API server (TestCluster.request has this shape). */
export type RequestFn = <T = any>(
  method: string,
  path: string,
  body?: unknown,
  opts?: RequestOptions,
) => Promise<ApiResponse<T>>;

interface Resource {
  /** '/api/v1' or '/apis/<group>/<version>' */
  base: string;
  plural: string;
  namespaced: boolean;
}

const core = (plural: string, namespaced = true): Resource => ({
  base: '/api/v1',
  plural,
  namespaced,
});
const group = (gv: string, plural: string, namespaced = true): Resource => ({
  base: `/apis/${gv}`,
  plural,
  namespaced,
});

/** Every kind a story or driver reads or writes. */
export const RESOURCES = {
  Namespace: core('namespaces', false),
  Service: core('services'),
  Event: core('events'),
  Deployment: group('apps/v1', 'deployments'),
  HorizontalPodAutoscaler: group('autoscaling/v2', 'horizontalpodautoscalers'),
  PodDisruptionBudget: group('policy/v1', 'poddisruptionbudgets'),
  NetworkPolicy: group('networking.k8s.io/v1', 'networkpolicies'),
  HTTPRoute: group('gateway.networking.k8s.io/v1', 'httproutes'),
  Gateway: group('gateway.networking.k8s.io/v1', 'gateways'),
  GatewayClass: group('gateway.networking.k8s.io/v1', 'gatewayclasses', false),
  EndpointSlice: group('discovery.k8s.io/v1', 'endpointslices'),
  ScaledObject: group('keda.sh/v1alpha1', 'scaledobjects'),
  GatiHandler: group('gati.dev/v1alpha1', 'gatihandlers'),
  GatiModule: group('gati.dev/v1alpha1', 'gatimodules'),
  GatiVersion: group('gati.dev/v1alpha1', 'gativersions'),
  GatiRolloutPolicy: group('gati.dev/v1alpha1', 'gatirolloutpolicies'),
  ServiceAccount: core('serviceaccounts'),
  ClusterRole: group('rbac.authorization.k8s.io/v1', 'clusterroles', false),
  ClusterRoleBinding: group('rbac.authorization.k8s.io/v1', 'clusterrolebindings', false),
  EventV1: group('events.k8s.io/v1', 'events'),
  CustomResourceDefinition: group('apiextensions.k8s.io/v1', 'customresourcedefinitions', false),
  CompositeController: group('metacontroller.k8s.io/v1alpha1', 'compositecontrollers', false),
  DecoratorController: group('metacontroller.k8s.io/v1alpha1', 'decoratorcontrollers', false),
} satisfies Record<string, Resource>;

export type Kind = keyof typeof RESOURCES;

/** The kinds our controllers create as children (src/api/kinds.ts), for dumps and "nothing left" checks. */
export const CHILD_KINDS: Kind[] = CHILD_TYPES.map((t) => {
  if (!Object.hasOwn(RESOURCES, t.kind)) throw new Error(`RESOURCES has no entry for ${t.kind}`);
  return t.kind as Kind;
});
export const GATI_KINDS: Kind[] = ['GatiHandler', 'GatiModule', 'GatiVersion'];

/** A non-2xx answer of the API server, with its status and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly what: string,
    readonly body: unknown,
  ) {
    const message = (body as { message?: string } | undefined)?.message ?? JSON.stringify(body);
    super(`${what}: ${status} ${message}`);
  }
}

/** The path of one kind, in a namespace (or cluster-wide when ns is undefined), optionally one object. */
export function pathOf(kind: Kind, ns?: string, name?: string): string {
  const r: Resource = RESOURCES[kind];
  const scope = r.namespaced && ns !== undefined ? `/namespaces/${ns}` : '';
  return `${r.base}${scope}/${r.plural}${name === undefined ? '' : `/${name}`}`;
}

/** kindOf maps an object's kind to the table above, or throws naming it. */
function kindOf(obj: Obj): Kind {
  if (!(obj.kind in RESOURCES)) throw new Error(`api: unknown kind ${obj.kind}`);
  return obj.kind as Kind;
}

/** Field manager of everything the stories write, so their edits show up as theirs. */
const FIELD_MANAGER = 'gati-stories';

/** The stories' view of the API server. */
export class Api {
  constructor(readonly request: RequestFn) {}

  /** One object, or undefined when it does not exist. */
  async get(kind: Kind, ns: string | undefined, name: string): Promise<Obj | undefined> {
    const r = await this.request('GET', pathOf(kind, ns, name));
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new ApiError(r.status, `GET ${kind} ${ns ?? ''}/${name}`, r.body);
    return r.body as Obj;
  }

  /** The items of a kind in a namespace (undefined: every namespace), optionally by label selector. */
  async list(kind: Kind, ns?: string, selector?: string): Promise<Obj[]> {
    const r = await this.request('GET', pathOf(kind, ns), undefined, {
      query: { labelSelector: selector },
    });
    if (r.status === 404) return []; // the kind is not installed
    if (r.status !== 200) throw new ApiError(r.status, `LIST ${kind} ${ns ?? '*'}`, r.body);
    return ((r.body as { items?: Obj[] }).items ?? []).map((o) => ({ ...o, kind }));
  }

  /** Server-side apply of a whole object (force: the stories own what they write). */
  async apply(obj: Obj): Promise<Obj> {
    const kind = kindOf(obj);
    const r = await this.request(
      'PATCH',
      pathOf(kind, obj.metadata.namespace, obj.metadata.name),
      obj,
      {
        contentType: 'application/apply-patch+yaml',
        query: { fieldManager: FIELD_MANAGER, force: true },
      },
    );
    if (r.status !== 200 && r.status !== 201)
      throw new ApiError(
        r.status,
        `apply ${kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}`,
        r.body,
      );
    return r.body as Obj;
  }

  /** A JSON merge patch. */
  async patch(kind: Kind, ns: string | undefined, name: string, patch: Obj): Promise<Obj> {
    const r = await this.request('PATCH', pathOf(kind, ns, name), patch, {
      query: { fieldManager: FIELD_MANAGER },
    });
    if (r.status !== 200) throw new ApiError(r.status, `patch ${kind} ${ns ?? ''}/${name}`, r.body);
    return r.body as Obj;
  }

  /** Merge-patches the status subresource (what a kubelet or gateway does). */
  async patchStatus(kind: Kind, ns: string | undefined, name: string, status: Obj): Promise<Obj> {
    const r = await this.request('PATCH', `${pathOf(kind, ns, name)}/status`, { status });
    if (r.status !== 200)
      throw new ApiError(r.status, `patch status ${kind} ${ns ?? ''}/${name}`, r.body);
    return r.body as Obj;
  }

  /** Requests deletion (background propagation); an object already gone is fine. */
  async delete(kind: Kind, ns: string | undefined, name: string): Promise<void> {
    const r = await this.request('DELETE', pathOf(kind, ns, name), {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Background',
    });
    if (r.status !== 200 && r.status !== 202 && r.status !== 404)
      throw new ApiError(r.status, `delete ${kind} ${ns ?? ''}/${name}`, r.body);
  }

  /** Creates a namespace if missing. */
  async ensureNamespace(name: string): Promise<void> {
    await this.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  /**
   * Write requests (POST, PUT, PATCH, DELETE) the API server has answered so far, by
   * `<verb> <resource>[/<subresource>]`, from its own /metrics (apiserver_request_total);
   * undefined when /metrics cannot be read. Writes the server turns into no-ops (an update
   * that changes nothing keeps the resourceVersion) are counted too.
   */
  async writeRequests(): Promise<Record<string, number> | undefined> {
    const r = await this.request('GET', '/metrics', undefined, {
      headers: { Accept: 'text/plain' },
    });
    if (r.status !== 200 || typeof r.body !== 'string') return undefined;
    const out: Record<string, number> = {};
    for (const line of r.body.split('\n')) {
      if (!line.startsWith('apiserver_request_total{')) continue;
      const labels = Object.fromEntries(
        [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
      );
      if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(labels.verb ?? '')) continue;
      const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
      out[key] = (out[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return out;
  }
}
