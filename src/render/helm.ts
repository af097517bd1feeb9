import type { TSchema } from '@sinclair/typebox';
import { SPEC_SCHEMAS, type GatiKind } from '../api/index.js';
import type { KubeObject } from '../api/metacontroller.js';
import { OPERATOR_VERSION } from '../install/constants.js';
import { canonical, toYaml } from '../kube/canonical.js';
import type { Payload } from './kubernetes.js';
import { RENDER_HEADER, type RenderedFiles } from './write.js';

/**
 * The Helm target. Every object becomes one template: its canonical YAML with the tunable
 * scalars (images, versions, replicas, weights) replaced by `.Values` lookups, so
 * `helm template` with the default values renders exactly the canonical objects — no labels
 * or names are added. values.schema.json is generated from the same parameters (ranges from
 * the TypeBox schemas of src/api) and validates values.yaml.
 */

/** Options of the Helm chart. */
export interface HelmOptions {
  chartName?: string;
  chartVersion?: string;
}

type Path = Array<string | number>;
type JsonSchema = Record<string, unknown>;

/** One tunable scalar: where it sits in an object, where it sits in values, its default and schema. */
interface Param {
  path: Path;
  values: string[];
  value: string | number;
  schema: JsonSchema;
}

type Rec = Record<string, unknown>;

function at(obj: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (o, k) => (o !== null && typeof o === 'object' ? (o as Rec)[k as string] : undefined),
    obj,
  );
}

function setAt(obj: unknown, path: Path, value: unknown): void {
  const parent = at(obj, path.slice(0, -1)) as Rec;
  parent[path[path.length - 1] as string] = value;
}

const SCHEMA_KEYS = ['type', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern'];

/** jsonSchemaOf keeps the plain JSON Schema keywords of a TypeBox schema (no Kubernetes extensions). */
function jsonSchemaOf(schema: TSchema | undefined): JsonSchema {
  const out: JsonSchema = {};
  for (const k of SCHEMA_KEYS) if (schema && schema[k] !== undefined) out[k] = schema[k];
  return out;
}

function specSchema(kind: GatiKind, path: string[]): JsonSchema {
  const schema = path.reduce<TSchema | undefined>(
    (s, k) => (s?.properties as Record<string, TSchema> | undefined)?.[k],
    SPEC_SCHEMAS[kind],
  );
  return jsonSchemaOf(schema);
}

/** Tunable spec fields per Gati kind: values key → path under spec. */
const GATI_FIELDS: Record<GatiKind, Record<string, string[]>> = {
  GatiHandler: {
    image: ['image'],
    version: ['version'],
    replicas: ['replicas'],
    routingWeight: ['timescape', 'routingWeight'],
  },
  GatiModule: { image: ['image'], replicas: ['replicas'] },
  GatiVersion: { image: ['image'], replicas: ['replicas'], routingWeight: ['routingWeight'] },
};
const GATI_GROUPS: Record<GatiKind, string> = {
  GatiHandler: 'handlers',
  GatiModule: 'modules',
  GatiVersion: 'versions',
};

function gatiParams(o: KubeObject, key: string): Param[] {
  const kind = o.kind as GatiKind;
  return Object.entries(GATI_FIELDS[kind]).flatMap(([field, sub]) => {
    const path = ['spec', ...sub];
    const value = at(o, path);
    if (typeof value !== 'string' && typeof value !== 'number') return [];
    return [
      { path, values: [GATI_GROUPS[kind], key, field], value, schema: specSchema(kind, sub) },
    ];
  });
}

const IMAGE_SCHEMA = { type: 'string', minLength: 1 };
const REPLICAS_SCHEMA = { type: 'integer', minimum: 0 };
const WEIGHT_SCHEMA = { type: 'integer', minimum: 0, maximum: 1000000 };

/** Static mode: a Deployment's images and replicas, an HTTPRoute's weights outside pin (header-match) rules. */
function workloadParams(o: KubeObject, key: string): Param[] {
  const out: Param[] = [];
  if (o.kind === 'Deployment') {
    const containers = (at(o, ['spec', 'template', 'spec', 'containers']) ?? []) as Array<{
      name: string;
      image?: unknown;
    }>;
    containers.forEach((c, i) => {
      if (typeof c.image === 'string')
        out.push({
          path: ['spec', 'template', 'spec', 'containers', i, 'image'],
          values: ['workloads', key, 'images', c.name],
          value: c.image,
          schema: IMAGE_SCHEMA,
        });
    });
    const replicas = at(o, ['spec', 'replicas']);
    if (typeof replicas === 'number')
      out.push({
        path: ['spec', 'replicas'],
        values: ['workloads', key, 'replicas'],
        value: replicas,
        schema: REPLICAS_SCHEMA,
      });
  }
  if (o.kind === 'HTTPRoute') {
    const rules = (at(o, ['spec', 'rules']) ?? []) as Array<{
      matches?: Array<{ headers?: unknown }>;
      backendRefs?: Array<{ name: string; weight?: unknown }>;
    }>;
    rules.forEach((r, i) => {
      if ((r.matches ?? []).some((m) => m.headers !== undefined)) return;
      (r.backendRefs ?? []).forEach((b, j) => {
        if (typeof b.weight === 'number')
          out.push({
            path: ['spec', 'rules', i, 'backendRefs', j, 'weight'],
            values: ['routes', key, 'weights', b.name],
            value: b.weight,
            schema: WEIGHT_SCHEMA,
          });
      });
    });
  }
  return out;
}

/** valueKeys: an object's key in values is its name, or `namespace/name` when the name alone is ambiguous. */
function valueKeys(objects: KubeObject[]): string[] {
  const count = new Map<string, number>();
  const short = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
  for (const o of objects) count.set(short(o), (count.get(short(o)) ?? 0) + 1);
  return objects.map((o) =>
    (count.get(short(o)) ?? 0) > 1
      ? `${o.metadata.namespace ?? ''}/${o.metadata.name}`
      : o.metadata.name,
  );
}

const PLACEHOLDER = (i: number) => `__GATI_HELM_VALUE_${i}__`;

/** goString writes a string as a Go template string literal. */
function goString(s: string): string {
  return JSON.stringify(s);
}

/** template renders one object as a Helm template: canonical YAML, literal `{{` escaped, params looked up. */
function template(o: KubeObject, params: Param[]): string {
  const copy = structuredClone(canonical(o));
  params.forEach((p, i) => setAt(copy, p.path, PLACEHOLDER(i)));
  let text = toYaml([copy]).replaceAll('{{', '{{ "{{" }}');
  params.forEach((p, i) => {
    text = text.replace(
      PLACEHOLDER(i),
      `{{ index .Values ${p.values.map(goString).join(' ')} | toJson }}`,
    );
  });
  return text;
}

function setValue(tree: Rec, path: string[], value: unknown): void {
  let node = tree;
  for (const k of path.slice(0, -1)) node = (node[k] ??= {}) as Rec;
  node[path[path.length - 1] as string] = value;
}

/** valuesSchema builds the JSON Schema of values.yaml: every parameter required, nothing else allowed. */
function valuesSchema(params: Param[]): JsonSchema {
  const root: JsonSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    properties: {},
    required: [],
  };
  for (const p of params) {
    let node = root;
    p.values.forEach((k, i) => {
      const props = node.properties as Rec;
      const required = node.required as string[];
      if (!required.includes(k)) required.push(k);
      if (i === p.values.length - 1) props[k] = p.schema;
      else
        node = (props[k] ??= {
          type: 'object',
          additionalProperties: false,
          properties: {},
          required: [],
        }) as JsonSchema;
    });
  }
  return sortRequired(root);
}

function sortRequired(schema: JsonSchema): JsonSchema {
  if (Array.isArray(schema.required)) (schema.required as string[]).sort();
  for (const sub of Object.values((schema.properties ?? {}) as Record<string, JsonSchema>))
    sortRequired(sub);
  return schema;
}

function templateFile(o: KubeObject): string {
  const ns = o.metadata.namespace ? `${o.metadata.namespace}-` : '';
  return `templates/${o.kind?.toLowerCase()}-${ns}${o.metadata.name}.yaml`;
}

function notes(payload: Payload): string {
  if (payload.static) {
    return [
      'Installed the workloads of release {{ .Release.Name }} as plain Kubernetes objects (static render).',
      '',
      'There is NO Gati operator here: no drain, no decommission, no rollout pacing.',
      'Changing a weight or an image is a `helm upgrade`; removing a version removes its',
      'pods at once, in-flight requests included. See docs/targets.md of gati-operator.',
      '',
      '  kubectl get deployments,services,httproutes -l app.kubernetes.io/managed-by=gati-operator -A',
      '',
    ].join('\n');
  }
  return [
    'Installed the Gati objects of release {{ .Release.Name }}. The Gati operator (with Metacontroller)',
    'must already run in this cluster; it creates and drains the workloads.',
    '',
    '  kubectl get gatihandlers,gatimodules,gativersions -A',
    '',
    'Change weights and versions through values (e.g. --set versions.<name>.routingWeight=50):',
    'the operator walks traffic over and drains the old version before removing it.',
    '',
  ].join('\n');
}

/** renderHelm lays out a Helm chart (apiVersion v2) of the payload's objects. */
export function renderHelm(payload: Payload, options: HelmOptions = {}): RenderedFiles {
  const keys = valueKeys(payload.objects);
  const files: RenderedFiles = new Map();
  const values: Rec = {};
  const allParams: Param[] = [];
  payload.objects.forEach((o, i) => {
    const key = keys[i] as string;
    const params = payload.static ? workloadParams(o, key) : gatiParams(o, key);
    for (const p of params) setValue(values, p.values, p.value);
    allParams.push(...params);
    files.set(templateFile(o), template(o, params));
  });
  const description = payload.static
    ? 'Gati workloads rendered statically for a cluster WITHOUT the Gati operator (no drain, no decommission)'
    : 'Gati objects (GatiHandler, GatiModule, GatiVersion) for a cluster running the Gati operator';
  const chart = {
    apiVersion: 'v2',
    name: options.chartName ?? 'gati-app',
    description,
    type: 'application',
    version: options.chartVersion ?? '0.1.0',
    appVersion: OPERATOR_VERSION,
    annotations: { 'gati.dev/render-mode': payload.static ? 'static' : 'operator' },
  };
  files.set('Chart.yaml', toYaml([chart], RENDER_HEADER));
  files.set(
    'values.yaml',
    toYaml(
      [values],
      RENDER_HEADER +
        '# Defaults reproduce the rendered objects exactly; values.schema.json lists every key.\n',
    ),
  );
  files.set(
    'values.schema.json',
    JSON.stringify(canonical(valuesSchema(allParams)), null, 2) + '\n',
  );
  files.set('templates/NOTES.txt', notes(payload));
  return files;
}
