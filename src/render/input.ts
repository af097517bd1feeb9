import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { API_VERSION } from '../api/common.js';
import {
  isGatiKind,
  validateHandlerSpec,
  validateModuleSpec,
  validateVersionSpec,
  type GatiKind,
} from '../api/index.js';
import type { KubeObject } from '../api/metacontroller.js';
import { formatErrors, type FieldError, type Validated } from '../api/validate.js';
import { canonical } from '../kube/canonical.js';

/** A Gati object read from a file, with where it came from (for error messages). */
export interface GatiObject {
  object: KubeObject & { apiVersion: string; kind: GatiKind };
  file: string;
  /** 0-based index of the YAML document in its file. */
  index: number;
}

/** InputError lists every problem found in the input files, one per line; the CLI exits 1. */
export class InputError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'InputError';
    this.problems = problems;
  }
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];
const VALIDATORS: Record<GatiKind, (spec: unknown) => Validated<unknown>> = {
  GatiHandler: validateHandlerSpec,
  GatiModule: validateModuleSpec,
  GatiVersion: validateVersionSpec,
};

/** inputFiles expands files and directories (recursively, sorted) into the YAML/JSON files to read. */
export function inputFiles(paths: string[]): string[] {
  return paths.flatMap((p) => {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new InputError([`${p}: no such file or directory`]);
    }
    if (!isDir) return [p];
    return readdirSync(p)
      .sort()
      .flatMap((name) => {
        const child = join(p, name);
        if (statSync(child).isDirectory()) return inputFiles([child]);
        return EXTENSIONS.some((e) => name.endsWith(e)) ? [child] : [];
      });
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** where names a document the way every message does: `file (document N)`, N 0-based. */
function where(file: string, index: number): string {
  return `${file} (document ${index})`;
}

function metadataErrors(obj: Record<string, unknown>): FieldError[] {
  const meta = obj.metadata;
  if (!isRecord(meta) || typeof meta.name !== 'string' || meta.name === '')
    return [{ field: 'metadata.name', message: 'is required' }];
  if (meta.namespace !== undefined && typeof meta.namespace !== 'string')
    return [{ field: 'metadata.namespace', message: 'must be a string', value: meta.namespace }];
  return [];
}

/** checkDocument returns the Gati object of one document, or the problems that make it unusable. */
function checkDocument(value: unknown, file: string, index: number): GatiObject | string {
  const at = where(file, index);
  if (!isRecord(value)) return `${at}: not a Kubernetes object`;
  const { kind, apiVersion } = value;
  if (!isGatiKind(kind))
    return `${at}: unknown kind ${JSON.stringify(kind ?? null)} (want GatiHandler, GatiModule or GatiVersion)`;
  if (apiVersion !== API_VERSION)
    return `${at}: ${kind} apiVersion: must be ${API_VERSION} (got ${JSON.stringify(apiVersion ?? null)})`;
  const meta = metadataErrors(value);
  if (meta.length > 0) return `${at}: ${kind}: ${formatErrors(meta)}`;
  const spec = VALIDATORS[kind](value.spec);
  if (!spec.ok)
    return `${at}: ${kind} ${(value.metadata as { name: string }).name}: ${formatErrors(spec.errors)}`;
  // What users apply is what we render: the object as written (status dropped), not the defaulted spec.
  const { status: _status, ...object } = value;
  return { object: canonical(object) as GatiObject['object'], file, index };
}

/** parseGati reads the Gati objects of one file's text; `file` only names it in messages. */
export function parseGati(
  text: string,
  file: string,
): { objects: GatiObject[]; problems: string[] } {
  const objects: GatiObject[] = [];
  const problems: string[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    if (doc.errors.length > 0) {
      problems.push(`${where(file, index)}: YAML: ${doc.errors[0]?.message.split('\n')[0]}`);
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document (e.g. a trailing `---`)
    const checked = checkDocument(value, file, index);
    if (typeof checked === 'string') problems.push(checked);
    else objects.push(checked);
  });
  return { objects, problems };
}

/** identity of an object: `<Kind> <namespace>/<name>`. */
export function identity(o: KubeObject): string {
  return `${o.kind ?? ''} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function byIdentity(a: GatiObject, b: GatiObject): number {
  const ka = identity(a.object);
  const kb = identity(b.object);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * readGatiObjects reads every Gati object from files and directories (multi-document YAML
 * or JSON; directories recursively, sorted by name). Unknown kinds, invalid specs and
 * duplicates are all reported at once, each naming file, document index and field.
 * The result is sorted by kind, namespace and name, so output never depends on file order.
 */
export function readGatiObjects(paths: string[]): GatiObject[] {
  const files = inputFiles(paths);
  if (files.length === 0)
    throw new InputError([`no .yaml, .yml or .json files in ${paths.join(', ')}`]);
  const objects: GatiObject[] = [];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const parsed = parseGati(readFileSync(file, 'utf8'), file);
    problems.push(...parsed.problems);
    for (const o of parsed.objects) {
      const id = identity(o.object);
      const first = seen.get(id);
      if (first) problems.push(`${where(o.file, o.index)}: duplicate ${id} (first in ${first})`);
      else seen.set(id, where(o.file, o.index));
      if (!first) objects.push(o);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  if (objects.length === 0) throw new InputError([`no Gati objects in ${paths.join(', ')}`]);
  return objects.sort(byIdentity);
}
