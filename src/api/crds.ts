import { APP_NAME_LABEL, APP_PART_OF_LABEL, OPERATOR_NAME, PART_OF } from './keys.js';
import type { TSchema } from '@sinclair/typebox';
import { GROUP, INHERITED, VERSION } from './common.js';
import { DEFINITIONS, type CrdDefinition } from './crd-definitions.js';

/** A JSON-schema node as it appears in a CRD (openAPIV3Schema). */
export type JSONSchemaProps = { [key: string]: unknown };

/** Keywords a structural CRD schema may carry; anything else is a generator bug. */
const KEPT = new Set([
  'type',
  'description',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'maxProperties',
  'pattern',
  'format',
  'x-kubernetes-validations',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
]);

/**
 * Keywords TypeBox emits that carry no meaning in a CRD and are dropped. `title` names the
 * Kubernetes type of an upstream-shaped field (src/api/upstream.ts) for docs/crds.md only;
 * `errorMessage` is what validate() says when a value does not match a node (src/api/validate.ts).
 */
const DROPPED = new Set(['$id', 'title', 'errorMessage']);

/**
 * toStructural rewrites a TypeBox schema into a Kubernetes structural schema:
 * literal unions become `enum`, int-or-string unions become `x-kubernetes-int-or-string`,
 * string-keyed records become `additionalProperties`. Unknown keywords throw.
 */
export function toStructural(schema: TSchema, path = ''): JSONSchemaProps {
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.anyOf)) return unionToStructural(s, path);
  const out: JSONSchemaProps = {};
  for (const [k, v] of Object.entries(s)) {
    if (DROPPED.has(k) || k === INHERITED) continue;
    // A field a GatiRolloutPolicy may supply is defaulted by the hooks, after the merge.
    if (k === 'default' && s[INHERITED] === true) continue;
    if (k === 'patternProperties') {
      const values = Object.values(v as Record<string, TSchema>);
      out.additionalProperties = toStructural(values[0] as TSchema, `${path}.*`);
    } else if (k === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(v as Record<string, TSchema>).map(([pk, ps]) => [
          pk,
          toStructural(ps, `${path}.${pk}`),
        ]),
      );
    } else if (k === 'items') {
      out.items = toStructural(v as TSchema, `${path}[]`);
    } else if (k === 'required') {
      // The API server applies a default before it validates, so a defaulted field is never
      // missing; leaving it out of `required` is also what lets a whole object default to {}
      // (the API server checks a default against the schema without filling it in first).
      const props = (s.properties ?? {}) as Record<string, { default?: unknown }>;
      const required = (v as string[]).filter((p) => props[p]?.default === undefined);
      if (required.length > 0) out.required = required;
    } else if (k === 'const') {
      out.enum = [v];
    } else if (KEPT.has(k)) {
      out[k] = v;
    } else {
      throw new Error(`toStructural: keyword ${k} at ${path || '.'} has no CRD equivalent`);
    }
  }
  return out;
}

function unionToStructural(s: Record<string, unknown>, path: string): JSONSchemaProps {
  const members = s.anyOf as Array<Record<string, unknown>>;
  const base: JSONSchemaProps = {};
  if (s.description) base.description = s.description;
  if (s.default !== undefined) base.default = s.default;
  if (members.every((m) => typeof m.const === 'string')) {
    return { ...base, type: 'string', enum: members.map((m) => m.const) };
  }
  const types = members.map((m) => m.type).sort();
  if (types.join(',') === 'integer,string') return { ...base, 'x-kubernetes-int-or-string': true };
  // A string or an object (GatiVersion transformers): the CRD cannot type it (nor run CEL on an
  // untyped node), so it keeps the value and the hooks validate it exactly.
  if (types.join(',') === 'object,string')
    return { ...base, 'x-kubernetes-preserve-unknown-fields': true };
  throw new Error(`toStructural: union at ${path || '.'} is not an enum or int-or-string`);
}

/**
 * structuralProblems lists why a schema is not structural in the Kubernetes sense:
 * every node typed (or int-or-string / preserve-unknown), no `$ref`, no
 * `additionalProperties` beside `properties`, no `additionalProperties: false`.
 */
export function structuralProblems(schema: JSONSchemaProps, path = ''): string[] {
  const where = path || '.';
  const problems: string[] = [];
  const typed = typeof schema.type === 'string' || schema['x-kubernetes-int-or-string'] === true;
  if (!typed && schema['x-kubernetes-preserve-unknown-fields'] !== true)
    problems.push(`${where}: no type`);
  for (const k of Object.keys(schema)) {
    if (
      k === '$ref' ||
      k === 'anyOf' ||
      k === 'oneOf' ||
      k === 'allOf' ||
      k === 'not' ||
      k === 'patternProperties'
    ) {
      problems.push(`${where}: ${k} is not allowed`);
    } else if (!KEPT.has(k)) {
      problems.push(`${where}: unknown keyword ${k}`);
    }
  }
  if (schema.properties !== undefined && schema.additionalProperties !== undefined) {
    problems.push(`${where}: additionalProperties beside properties`);
  }
  if (schema.additionalProperties === false) problems.push(`${where}: additionalProperties: false`);
  const props = (schema.properties ?? {}) as Record<string, JSONSchemaProps>;
  for (const [k, v] of Object.entries(props))
    problems.push(...structuralProblems(v, `${path}.${k}`));
  if (schema.items)
    problems.push(...structuralProblems(schema.items as JSONSchemaProps, `${path}[]`));
  if (typeof schema.additionalProperties === 'object') {
    problems.push(
      ...structuralProblems(schema.additionalProperties as JSONSchemaProps, `${path}.*`),
    );
  }
  return problems;
}

/** crdFor builds the apiextensions.k8s.io/v1 CustomResourceDefinition of one Gati kind. */
export function crdFor(def: CrdDefinition): Record<string, unknown> {
  const openAPIV3Schema = {
    type: 'object',
    description: `${def.kind} is a Gati resource (${GROUP}/${VERSION}).`,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: toStructural(def.spec, '.spec'),
      ...(def.status ? { status: toStructural(def.status, '.status') } : {}),
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${def.plural}.${GROUP}`,
      labels: { [APP_NAME_LABEL]: OPERATOR_NAME, [APP_PART_OF_LABEL]: PART_OF },
    },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: ['gati'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          ...(def.status ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: def.columns,
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}

/** allCRDs returns the CRDs of every Gati kind, keyed by file name. */
export function allCRDs(): Array<{ file: string; crd: Record<string, unknown> }> {
  return DEFINITIONS.map((d) => ({ file: `${d.singular}.yaml`, crd: crdFor(d) }));
}
