import { validateHandlerSpec, validateModuleSpec } from '../api/index.js';
import type { ChildObject } from '../api/metacontroller.js';
import { canonical } from '../kube/canonical.js';
import { formatErrors } from '../api/validate.js';
import { makeApexService, versionChildren } from '../resources/handler.js';
import { moduleChildren } from '../resources/module.js';
import { dnsName } from '../resources/names.js';
import { RESERVED_ENV } from '../resources/pod.js';

/**
 * An adapter from the Gati ecosystem's `IManifestGenerator` contract
 * (`@gati-framework/contracts`, export `deployment`) to our builders. The shapes below
 * mirror the contract's structurally (a test assigns `new GatiManifestGenerator()` to the
 * published `IManifestGenerator`, so the compiler proves they agree) without a runtime
 * dependency on the package. Output is the same Deployment and Service the operator would
 * create; named ports in probes and Services are resolved to numbers, as the contract asks.
 */

type Requirements = {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
};

/** The contract's HandlerSpec (structurally). */
interface ContractHandlerSpec {
  handlerPath: string;
  version: string;
  replicas: number;
  image: string;
  port: number;
  resources?: Requirements;
  env?: Record<string, string>;
}

/** The contract's ModuleSpec (structurally). */
interface ContractModuleSpec {
  moduleName: string;
  moduleType: 'node' | 'wasm' | 'oci';
  runtime: string;
  replicas: number;
  image: string;
  port: number;
  resources?: Requirements;
  capabilities?: string[];
  env?: Record<string, string>;
}

/** The contract's ProbeSpec (structurally). */
interface ContractProbe {
  httpGet?: { path: string; port: number };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}

/** The contract's DeploymentSpec (structurally). */
export interface ContractDeploymentSpec {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string> };
    spec: {
      containers: Array<{
        name: string;
        image: string;
        ports?: Array<{ containerPort: number; protocol?: string }>;
        env?: Array<{ name: string; value: string }>;
        resources?: Requirements;
        livenessProbe?: ContractProbe;
        readinessProbe?: ContractProbe;
      }>;
    };
  };
}

/** The contract's ServiceSpec (structurally). */
export interface ContractServiceSpec {
  type: 'ClusterIP' | 'LoadBalancer' | 'NodePort';
  selector: Record<string, string>;
  ports: Array<{ port: number; targetPort: number; protocol?: string; name?: string }>;
}

/** The contract's ConfigMapSpec (structurally). */
export interface ContractConfigMapSpec {
  data: Record<string, string>;
}

type Spec = ContractHandlerSpec | ContractModuleSpec;
type Rec = Record<string, unknown>;

function envList(env: Record<string, string> | undefined): Array<{ name: string; value: string }> {
  return Object.keys(env ?? {})
    .sort()
    .map((name) => ({ name, value: (env as Record<string, string>)[name] as string }));
}

function isHandler(spec: Spec): spec is ContractHandlerSpec {
  return 'handlerPath' in spec;
}

/** Our container as the builders emit it (the parts the contract maps). */
interface BuiltContainer {
  name: string;
  image: string;
  ports: Array<{ name: string; containerPort: number; protocol?: string }>;
  env: Array<{ name: string; value?: string }>;
  resources: Requirements;
  livenessProbe?: Rec;
  readinessProbe?: Rec;
}

function numericProbe(probe: Rec | undefined, port: number): ContractProbe | undefined {
  if (!probe) return undefined;
  const {
    httpGet,
    tcpSocket: _tcp,
    ...timing
  } = probe as { httpGet?: { path: string }; tcpSocket?: unknown } & ContractProbe;
  return { ...timing, ...(httpGet ? { httpGet: { ...httpGet, port } } : {}) };
}

/** GatiManifestGenerator satisfies `IManifestGenerator` with the operator's own builders. */
export class GatiManifestGenerator {
  /** Namespace of the objects built (the contract's specs carry none). */
  readonly namespace: string;

  constructor(options: { namespace?: string } = {}) {
    this.namespace = options.namespace ?? 'default';
  }

  /** nameOf derives an object name: from handlerPath (`/api/users` → `api-users`) or moduleName. */
  nameOf(spec: Spec): string {
    const raw = isHandler(spec)
      ? spec.handlerPath.replace(/^\/+|\/+$/g, '').replace(/\//g, '-') || 'root'
      : spec.moduleName;
    return dnsName(raw);
  }

  /** children builds everything the operator would run for the spec (first: the Deployment). */
  children(spec: Spec): Array<ChildObject & { spec?: unknown }> {
    return canonical(this.build(spec));
  }

  private build(spec: Spec): ChildObject[] {
    const metadata = { name: this.nameOf(spec), namespace: this.namespace };
    const env = envList(spec.env);
    if (isHandler(spec)) {
      const v = validateHandlerSpec({ ...spec, env });
      if (!v.ok) throw new Error(`HandlerSpec: ${formatErrors(v.errors)}`);
      const handler = { metadata, spec: v.value };
      return [
        ...versionChildren(handler, {
          versionId: v.value.version,
          image: v.value.image,
          replicas: v.value.replicas,
          state: 'serve',
        }),
        makeApexService(handler),
      ];
    }
    const v = validateModuleSpec({ ...spec, env });
    if (!v.ok) throw new Error(`ModuleSpec: ${formatErrors(v.errors)}`);
    return moduleChildren({ metadata, spec: v.value });
  }

  private built(spec: Spec, kind: string): ChildObject & { spec?: unknown } {
    const all = this.children(spec).filter((o) => o.kind === kind);
    // A handler's apex Service (last) is its stable address; a module has one Service.
    return all[all.length - 1]!;
  }

  /** generateDeployment: the spec of the Deployment the operator would create. */
  generateDeployment(spec: Spec): ContractDeploymentSpec {
    const d = this.built(spec, 'Deployment').spec as Rec & {
      replicas?: number;
      template: { metadata: Rec; spec: Rec & { containers: BuiltContainer[] } };
    };
    const containers = d.template.spec.containers.map((c) => {
      const port = c.ports[0]?.containerPort ?? spec.port;
      const out = {
        ...c,
        env: c.env.filter((e): e is { name: string; value: string } => typeof e.value === 'string'),
        livenessProbe: numericProbe(c.livenessProbe, port),
        readinessProbe: numericProbe(c.readinessProbe, port),
      };
      return Object.fromEntries(
        Object.entries(out).filter(([, v]) => v !== undefined),
      ) as ContractDeploymentSpec['template']['spec']['containers'][number];
    });
    return {
      ...(d as unknown as ContractDeploymentSpec),
      replicas: d.replicas ?? spec.replicas,
      template: {
        ...(d.template as unknown as ContractDeploymentSpec['template']),
        spec: { ...d.template.spec, containers },
      },
    };
  }

  /** generateService: the spec of the handler's apex Service (or the module's Service), target port as a number. */
  generateService(spec: Spec): ContractServiceSpec {
    const s = this.built(spec, 'Service').spec as ContractServiceSpec & {
      ports: Array<{ targetPort: number | string }>;
    };
    return { ...s, ports: s.ports.map((p) => ({ ...p, targetPort: spec.port })) };
  }

  /** generateConfigMap: the spec's own environment (the operator injects PORT, HOST and NODE_ENV itself). */
  generateConfigMap(spec: Spec): ContractConfigMapSpec {
    const data: Record<string, string> = {};
    for (const { name, value } of envList(spec.env))
      if (!RESERVED_ENV.includes(name)) data[name] = value;
    return { data };
  }
}
