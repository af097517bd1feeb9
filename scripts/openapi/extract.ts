/**
 * Extracts the upstream Kubernetes shapes of the pod settings from the official OpenAPI v3
 * spec of the pinned k8s.io/kubernetes module (scripts/kube-bin/apiserver/go.mod) into
 * src/api/upstream.json, the one place src/api reads them from.
 *
 *   npm run gen:upstream            # writes src/api/upstream.json
 *
 * Per field (e.g. PodSpec.tolerations) the schema is self-contained: `$ref`s and the
 * `allOf: [{$ref}]` wrappers are inlined, upstream `description`s and `default`s are dropped
 * (CRD size; defaults come only from our schemas), string formats TypeBox cannot check are
 * dropped, int-or-string and Quantity become `x-kubernetes-int-or-string`, list and map
 * markers are kept, and keys of list-type maps are made required (a CRD needs each key
 * required or defaulted, and the upstream default of "" names nothing).
 * test/api/upstream.test.ts regenerates the file and compares it byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Where the generated file lives. */
export const UPSTREAM_FILE = join(ROOT, 'src/api/upstream.json');
const GO_MOD = join(ROOT, 'scripts/kube-bin/apiserver/go.mod');
const MODULE = 'k8s.io/kubernetes';
const SPEC_DIR = 'api/openapi-spec/v3';

type Json = Record<string, unknown>;

/** One extracted field: where upstream defines it, under which name we load it. */
interface FieldSource {
  group: 'core/v1' | 'apps/v1' | 'autoscaling/v2' | 'meta/v1';
  file: string;
  definition: string;
  property: string;
}

const CORE = 'api__v1_openapi.json';
const FIELDS: FieldSource[] = [
  ...[
    'affinity',
    'imagePullSecrets',
    'nodeSelector',
    'priorityClassName',
    'securityContext',
    'serviceAccountName',
    'terminationGracePeriodSeconds',
    'tolerations',
    'topologySpreadConstraints',
    'volumes',
  ].map((property) => ({
    group: 'core/v1' as const,
    file: CORE,
    definition: 'io.k8s.api.core.v1.PodSpec',
    property,
  })),
  ...['args', 'command', 'env', 'envFrom', 'securityContext', 'startupProbe', 'volumeMounts'].map(
    (property) => ({
      group: 'core/v1' as const,
      file: CORE,
      definition: 'io.k8s.api.core.v1.Container',
      property,
    }),
  ),
  ...['annotations', 'labels'].map((property) => ({
    group: 'meta/v1' as const,
    file: CORE,
    definition: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    property,
  })),
  {
    group: 'apps/v1',
    file: 'apis__apps__v1_openapi.json',
    definition: 'io.k8s.api.apps.v1.DeploymentSpec',
    property: 'minReadySeconds',
  },
  {
    group: 'autoscaling/v2',
    file: 'apis__autoscaling__v2_openapi.json',
    definition: 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec',
    property: 'behavior',
  },
];

/**
 * Definitions cut down to some of their properties. Volume: the sources a Gati app needs
 * (config, secrets, scratch, projected tokens, claims) — no host paths, no in-tree cloud disks.
 */
const ONLY: Record<string, string[]> = {
  'io.k8s.api.core.v1.Volume': [
    'configMap',
    'emptyDir',
    'name',
    'persistentVolumeClaim',
    'projected',
    'secret',
  ],
};

/** Upstream keywords kept as they are; everything else is inlined, rewritten or dropped. */
const KEPT = new Set([
  'type',
  'required',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
]);
/** Formats TypeBox checks without a registry entry: integer formats are not checked at all. */
const INTEGER_FORMATS = new Set(['int32', 'int64']);
const INT_OR_STRING = new Set([
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  'io.k8s.apimachinery.pkg.api.resource.Quantity',
]);

const refName = (ref: string): string => ref.split('/').pop() as string;

/** The definition an `allOf: [{$ref}]` wrapper or a bare `$ref` points at, if any. */
function refOf(node: Json): string | undefined {
  if (typeof node.$ref === 'string') return refName(node.$ref);
  const allOf = node.allOf as Json[] | undefined;
  if (allOf?.length === 1 && typeof allOf[0]!.$ref === 'string')
    return refName(allOf[0]!.$ref as string);
  return undefined;
}

/** shortName: `io.k8s.api.core.v1.Toleration` → `Toleration`. */
const shortName = (definition: string): string => definition.split('.').pop() as string;

/** typeName names a field's upstream type the way Kubernetes docs do: `[]Toleration`, `map[string]string`. */
function typeName(node: Json): string {
  const ref = refOf(node);
  if (ref) return INT_OR_STRING.has(ref) ? 'int-or-string' : shortName(ref);
  if (node.type === 'array') return `[]${typeName(node.items as Json)}`;
  if (node.type === 'object' && node.additionalProperties)
    return `map[string]${typeName(node.additionalProperties as Json)}`;
  return String(node.type);
}

class Inliner {
  constructor(private readonly schemas: Record<string, Json>) {}

  /** node rewrites one upstream node into a self-contained one (see the file comment). */
  node(n: Json, path: string, stack: string[] = [], only?: string[]): Json {
    const ref = refOf(n);
    if (ref) {
      if (INT_OR_STRING.has(ref)) return { 'x-kubernetes-int-or-string': true };
      if (stack.includes(ref)) throw new Error(`${path}: recursive definition ${ref}`);
      const def = this.schemas[ref];
      if (!def) throw new Error(`${path}: no definition ${ref}`);
      return this.node(def, path, [...stack, ref], ONLY[ref]);
    }
    if (n.allOf || n.oneOf || n.anyOf) throw new Error(`${path}: unsupported composition`);
    const out: Json = {};
    for (const [k, v] of Object.entries(n)) {
      if (k === 'properties') {
        const props = Object.entries(v as Record<string, Json>).filter(
          ([p]) => !only || only.includes(p),
        );
        out.properties = Object.fromEntries(
          props.map(([p, s]) => [p, this.node(s, `${path}.${p}`, stack)]),
        );
      } else if (k === 'items') {
        out.items = this.node(v as Json, `${path}[]`, stack);
      } else if (k === 'additionalProperties') {
        out.additionalProperties = this.node(v as Json, `${path}.*`, stack);
      } else if (k === 'format') {
        if (INTEGER_FORMATS.has(v as string) && n.type === 'integer') out.format = v;
      } else if (k === 'required') {
        const req = (v as string[]).filter((p) => !only || only.includes(p));
        if (req.length > 0) out.required = req;
      } else if (KEPT.has(k)) {
        out[k] = v;
      }
    }
    if (out['x-kubernetes-list-type'] === 'map') requireKeys(out, path);
    return out;
  }
}

/** requireKeys makes every key of a list-type map required in its items. */
function requireKeys(list: Json, path: string): void {
  const items = list.items as Json;
  const keys = list['x-kubernetes-list-map-keys'] as string[];
  const props = (items.properties ?? {}) as Json;
  for (const k of keys) if (!(k in props)) throw new Error(`${path}: list map key ${k} unknown`);
  const required = new Set([...((items.required as string[] | undefined) ?? []), ...keys]);
  items.required = [...required].sort();
}

/** sorted returns a copy with every object's keys sorted, so the output is stable. */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sorted((v as Json)[k])]),
  );
}

/** pinnedVersion is the k8s.io/kubernetes version scripts/kube-bin/apiserver/go.mod requires. */
export function pinnedVersion(): string {
  const m = /^require k8s\.io\/kubernetes (v\S+)/m.exec(readFileSync(GO_MOD, 'utf8'));
  if (!m) throw new Error(`${GO_MOD}: no "require k8s.io/kubernetes <version>" line`);
  return m[1]!;
}

/** goModCache is the Go module cache: $GOMODCACHE, `go env GOMODCACHE`, else ~/go/pkg/mod. */
function goModCache(): string {
  if (process.env.GOMODCACHE) return process.env.GOMODCACHE;
  const go = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' });
  const dir = go.status === 0 ? go.stdout.trim() : '';
  return dir || join(process.env.GOPATH ?? join(homedir(), 'go'), 'pkg', 'mod');
}

/** specDir is the module's OpenAPI v3 directory in the module cache, or undefined when absent. */
export function specDir(version = pinnedVersion()): string | undefined {
  const dir = join(goModCache(), `${MODULE}@${version}`, SPEC_DIR);
  return existsSync(join(dir, CORE)) ? dir : undefined;
}

/** extract renders src/api/upstream.json from the OpenAPI v3 files in `dir`. */
export function extract(dir: string, version = pinnedVersion()): string {
  const cache = new Map<string, Record<string, Json>>();
  const schemasOf = (file: string) => {
    if (!cache.has(file)) {
      const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        components: { schemas: Record<string, Json> };
      };
      cache.set(file, doc.components.schemas);
    }
    return cache.get(file)!;
  };
  const fields: Json = {};
  for (const f of FIELDS) {
    const schemas = schemasOf(f.file);
    const props = schemas[f.definition]?.properties as Record<string, Json> | undefined;
    const prop = props?.[f.property];
    if (!prop) throw new Error(`${f.file}: ${f.definition} has no property ${f.property}`);
    const key = `${shortName(f.definition)}.${f.property}`;
    fields[key] = {
      group: f.group,
      type: typeName(prop),
      schema: new Inliner(schemas).node(prop, key),
    };
  }
  const out = {
    $comment: `Generated by \`npm run gen:upstream\` (scripts/openapi/extract.ts) from ${SPEC_DIR} of ${MODULE}@${version}. DO NOT EDIT.`,
    source: { module: MODULE, version, files: [...new Set(FIELDS.map((f) => f.file))].sort() },
    fields,
  };
  return JSON.stringify(sorted(out), null, 2) + '\n';
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const version = pinnedVersion();
  const dir = specDir(version);
  if (!dir) {
    console.error(
      `gen:upstream: ${MODULE}@${version} is not in the Go module cache (${goModCache()}); ` +
        `fetch it with: cd scripts/kube-bin/apiserver && GOFLAGS=-mod=mod go mod download ${MODULE}`,
    );
    process.exit(1);
  }
  writeFileSync(UPSTREAM_FILE, extract(dir, version));
  console.log(`wrote ${UPSTREAM_FILE} from ${dir}`);
}
