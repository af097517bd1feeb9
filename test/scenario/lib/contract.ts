// The contract checks of the scenario harness: every hook call goes through CheckedCalls,
// which records it and holds the answer to Metacontroller's v2 strict decoding (contract
// §2.3, §2.5, §2.6) plus the design's own rules — stricter than Metacontroller on purpose,
// because each of these is a product bug that would otherwise be silent or slow to show.
import { groupKey, type ResourceType } from '../../../src/api/kinds.js';
import { callHook } from '../../../src/hooks/call.js';
import type { ControllerTable } from '../../../src/hooks/controllers.js';
import type {
  ControllerHooks,
  ControllerName,
  HookContext,
  HookName,
} from '../../../src/hooks/types.js';
import { toJson } from '../../../src/kube/canonical.js';
import { kindOf, type HookCaller } from '../../../src/render/loop/types.js';
import {
  clone,
  diffPaths,
  isPlain,
  iso,
  nsOf,
  typeOf,
  type HookCall,
  type Obj,
} from './objects.js';

/** A hook answered something Metacontroller would reject, or broke a rule of the design. Always thrown. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/** A hook threw (Metacontroller: non-2xx, nothing applied, retried with backoff). */
export class HookError extends Error {
  override name = 'HookError';
  constructor(
    readonly controller: ControllerName,
    readonly hook: HookName,
    readonly parent: string,
    override readonly cause: unknown,
  ) {
    super(
      `${controller}.${hook} failed for ${parent}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

/** Hooks per controller; a controller absent here is not run (its parents just sit there). */
export type PartialRegistry = Partial<Record<ControllerName, ControllerHooks>>;

const COMPOSITE_KEYS = new Set(['status', 'children', 'resyncAfterSeconds', 'finalized']);
const DECORATOR_KEYS = new Set([
  'labels',
  'annotations',
  'status',
  'attachments',
  'resyncAfterSeconds',
  'finalized',
]);
const RULE_KEYS = new Set([
  'apiVersion',
  'resource',
  'namespace',
  'names',
  'labelSelector',
  'namespaceSelector',
]);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** findNull returns the path of the first null (or non-finite number) in a JSON value. */
function findNull(v: unknown, path: string): string | undefined {
  if (v === null) return path || '(root)';
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = findNull(v[i], `${path}[${i}]`);
      if (p) return p;
    }
  } else if (isPlain(v)) {
    for (const [k, x] of Object.entries(v)) {
      const p = findNull(x, path ? `${path}.${k}` : k);
      if (p) return p;
    }
  }
  return undefined;
}

/** withoutDecoratorNulls drops the nulls a decorator may answer: a deleted label/annotation, `status: null`. */
function withoutDecoratorNulls(v: unknown): unknown {
  if (!isPlain(v)) return v;
  const out: Record<string, unknown> = { ...v };
  if (out.status === null) delete out.status;
  for (const k of ['labels', 'annotations'])
    if (isPlain(out[k]))
      out[k] = Object.fromEntries(Object.entries(out[k]).filter(([, x]) => x !== null));
  return out;
}

/** HookCallFailed carries a hook's own error out of the loop to the harness, which retries it. */
export class HookCallFailed extends Error {
  constructor(
    readonly hook: HookName,
    override readonly cause: unknown,
  ) {
    super(String(cause));
  }
}

export interface CheckOptions {
  table: ControllerTable;
  hooks: PartialRegistry;
  /** Call the hook functions directly instead of through callHook(). */
  direct: boolean;
  checkCanonical: boolean;
  checkDeterminism: boolean;
}

/** CheckedCalls makes, records and checks every hook call of the harness. */
export class CheckedCalls {
  /** Every hook call, in order. */
  readonly responses: HookCall[] = [];
  /** Hook calls that failed (also in responses). */
  readonly errors: HookCall[] = [];
  private seq = 0;

  constructor(private readonly o: CheckOptions) {}

  /** invoke calls one hook once and returns its raw answer. */
  invoke(c: ControllerName, hook: HookName, request: unknown, ctx: HookContext): unknown {
    if (!this.o.direct) return callHook(c, hook, request, ctx, this.o.table);
    const fn = this.o.hooks[c]?.[hook] as ((req: unknown, ctx: HookContext) => unknown) | undefined;
    if (!fn) throw new Error(`no ${c}.${hook} hook`);
    return hook === 'customize' ? fn(request, undefined as never) : fn(request, ctx);
  }

  /** call is the loop's HookCaller: the answer as decoded from the wire, checked. */
  readonly call: HookCaller = (c, hook, request, ctx) => {
    const parent = (request.parent ?? request.object) as Obj;
    const entry: HookCall = {
      seq: ++this.seq,
      at: iso(ctx.now.getTime()),
      controller: c,
      hook,
      parent: `${nsOf(parent)}/${parent.metadata.name}`,
      request: clone(request),
    };
    if (ctx.observations !== undefined) entry.observations = ctx.observations;
    this.responses.push(entry);
    const sent = JSON.stringify(request);
    const arg = JSON.parse(sent) as object;
    const again = (): HookContext => ({ ...ctx, observations: clone(ctx.observations) });
    let raw: unknown;
    try {
      raw = this.invoke(c, hook, arg, again());
    } catch (error) {
      entry.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.errors.push(entry);
      throw new HookCallFailed(hook, error);
    }
    const where = `${c}.${hook} for ${entry.parent} (call #${entry.seq})`;
    if (JSON.stringify(arg) !== sent)
      throw new ContractViolation(
        `${where} mutated its request at ${diffPaths(JSON.parse(sent), arg).join(', ')}`,
      );
    const json = JSON.stringify(raw);
    if (json === undefined)
      throw new ContractViolation(`${where} returned no JSON body (${String(raw)})`);
    const decorator = hook !== 'customize' && kindOf(this.o.table[c]) === 'DecoratorController';
    const plain = decorator ? withoutDecoratorNulls(raw) : raw;
    // The server sends JSON.stringify of the answer as it is: it must already be canonical.
    if (this.o.checkCanonical && JSON.stringify(plain) !== toJson(plain))
      throw new ContractViolation(
        `${where} answered non-canonical JSON (keys out of order, or a null or undefined)`,
      );
    entry.responseJson = json;
    entry.response = JSON.parse(json);
    if (this.o.checkDeterminism) {
      const second = JSON.stringify(this.invoke(c, hook, JSON.parse(sent), again()));
      if (second !== json) {
        throw new ContractViolation(
          `${where} is not deterministic: a second identical call differs at ${diffPaths(entry.response, second === undefined ? undefined : JSON.parse(second)).join(', ')}`,
        );
      }
    }
    const nul = findNull(decorator ? withoutDecoratorNulls(entry.response) : entry.response, '');
    if (nul)
      throw new ContractViolation(`${where} answered null (or a non-finite number) at ${nul}`);
    const at = `${c}.${hook} for ${entry.parent}`;
    if (hook === 'customize') return validateRules(entry.response, at, this.o.table[c].related);
    const body = validateAnswer(
      entry.response,
      at,
      this.o.table[c].children,
      nsOf(parent),
      decorator,
    );
    if (body.finalized === true && hook !== 'finalize')
      throw new ContractViolation(
        `${c} ${entry.parent}: sync returned finalized: true (only finalize may; contract §2.3)`,
      );
    return body;
  };

  /**
   * assertDeterministic re-sends the last request of every parent (and its last customize) and
   * throws ContractViolation unless the hook answers byte-identically.
   */
  assertDeterministic(): void {
    const last = new Map<string, HookCall>();
    for (const c of this.responses)
      if (c.responseJson !== undefined) last.set(`${c.controller} ${c.hook} ${c.parent}`, c);
    for (const c of last.values()) {
      const ctx: HookContext = { now: new Date(c.at) };
      if (c.observations !== undefined) ctx.observations = clone(c.observations);
      const again = JSON.stringify(this.invoke(c.controller, c.hook, clone(c.request), ctx));
      if (again !== c.responseJson) {
        const where = diffPaths(
          JSON.parse(c.responseJson!),
          again === undefined ? undefined : JSON.parse(again),
        ).join(', ');
        throw new ContractViolation(
          `${c.controller}.${c.hook} for ${c.parent} is not deterministic: replaying call #${c.seq} differs at ${where}`,
        );
      }
    }
  }
}

type Fail = (msg: string) => never;

function failer(where: string): Fail {
  return (msg) => {
    throw new ContractViolation(`${where}: ${msg}`);
  };
}

function checkLabelKey(k: string, label: string, noun: string, fail: Fail): void {
  const [prefix, lname] = k.includes('/')
    ? [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)]
    : [undefined, k];
  const ok =
    LABEL_NAME.test(lname) &&
    lname.length <= 63 &&
    (prefix === undefined || (DNS_SUBDOMAIN.test(prefix) && prefix.length <= 253));
  if (!ok) fail(`${label}: invalid ${noun} key "${k}"`);
}

function checkLabels(labels: unknown, label: string, fail: Fail): void {
  if (labels === undefined) return;
  if (!isPlain(labels)) return fail(`${label}: metadata.labels must be an object`);
  for (const [k, v] of Object.entries(labels)) {
    checkLabelKey(k, label, 'label', fail);
    if (typeof v !== 'string' || !LABEL_VALUE.test(v) || v.length > 63)
      fail(`${label}: invalid value of label "${k}": ${JSON.stringify(v)}`);
  }
}

/** checkChildren: each desired child well-formed, declared, in the parent's namespace, named validly, once. */
function checkChildren(
  list: unknown[],
  key: string,
  declared: readonly ResourceType[],
  ns: string,
  fail: Fail,
): void {
  const seen = new Set<string>();
  list.forEach((c, i) => {
    const at = `${key}[${i}]`;
    if (!isPlain(c) || !isPlain(c.metadata)) return fail(`${at} must be an object with metadata`);
    const name = c.metadata.name;
    if (
      typeof c.apiVersion !== 'string' ||
      typeof c.kind !== 'string' ||
      typeof name !== 'string' ||
      name === ''
    )
      return fail(
        `${at} needs apiVersion, kind and metadata.name, got ${JSON.stringify({ apiVersion: c.apiVersion, kind: c.kind, name })}`,
      );
    const label = `${at} (${c.kind} ${name})`;
    if (!declared.some((t) => t.apiVersion === c.apiVersion && t.kind === c.kind))
      fail(
        `${label}: ${c.kind}.${c.apiVersion} is not a declared ${key === 'children' ? 'child' : 'attachment'} type (declared: ${declared.map(groupKey).join(', ') || 'none'})`,
      );
    if (c.metadata.namespace !== undefined && c.metadata.namespace !== ns)
      fail(
        `${label}: namespace "${String(c.metadata.namespace)}" differs from the parent's "${ns}"`,
      );
    if (c.metadata.ownerReferences !== undefined)
      fail(`${label}: sets metadata.ownerReferences (Metacontroller adds them; design §3)`);
    const nameOk =
      c.kind === 'Service'
        ? DNS_LABEL.test(name) && name.length <= 63
        : DNS_SUBDOMAIN.test(name) && name.length <= 253;
    if (!nameOk)
      fail(
        `${label}: invalid name "${name}" (${c.kind === 'Service' ? 'DNS-1035 label ≤ 63' : 'DNS subdomain'})`,
      );
    checkLabels(c.metadata.labels, label, fail);
    const id = `${typeOf(c)} ${ns}/${name}`;
    if (seen.has(id)) fail(`duplicate child ${id} (Metacontroller silently keeps the last)`);
    seen.add(id);
  });
}

function checkCommon(body: Record<string, any>, keys: Set<string>, fail: Fail): void {
  for (const k of Object.keys(body))
    if (!keys.has(k)) fail(`unknown top-level key "${k}" (v2 strict decoding rejects it)`);
  if (body.resyncAfterSeconds !== undefined && typeof body.resyncAfterSeconds !== 'number')
    fail(`resyncAfterSeconds must be a number, got ${JSON.stringify(body.resyncAfterSeconds)}`);
  if (body.finalized !== undefined && typeof body.finalized !== 'boolean')
    fail(`finalized must be a boolean, got ${JSON.stringify(body.finalized)}`);
}

/** checkStringMaps: a decorator's labels and annotations are maps of string (set) or null (delete). */
function checkStringMaps(body: Record<string, any>, fail: Fail): void {
  for (const k of ['labels', 'annotations'] as const) {
    const m = body[k];
    if (m === undefined) continue;
    if (!isPlain(m)) return fail(`${k} must be an object, got ${JSON.stringify(m)}`);
    for (const [key, v] of Object.entries(m)) {
      checkLabelKey(key, k, k === 'labels' ? 'label' : 'annotation', fail);
      if (v !== null && typeof v !== 'string')
        fail(`${k}.${key} must be a string or null, got ${JSON.stringify(v)}`);
      if (k === 'labels' && typeof v === 'string' && (!LABEL_VALUE.test(v) || v.length > 63))
        fail(`invalid value of label "${key}": ${JSON.stringify(v)}`);
    }
  }
}

/**
 * validateAnswer decodes a sync/finalize body as v2 strict decoding would, plus our design
 * rules. CompositeController (§2.3): status an object, children a list. DecoratorController
 * (§2.5, C23): labels and annotations maps of string or null, status an object or null
 * (leave unchanged), attachments a list held to the same rules as children.
 */
function validateAnswer(
  body: unknown,
  where: string,
  declared: readonly ResourceType[],
  ns: string,
  decorator: boolean,
): Record<string, any> {
  const fail = failer(where);
  if (!isPlain(body)) return fail(`response must be a JSON object, got ${JSON.stringify(body)}`);
  checkCommon(body, decorator ? DECORATOR_KEYS : COMPOSITE_KEYS, fail);
  if (decorator) checkStringMaps(body, fail);
  const status = body.status;
  if (status !== undefined && !(decorator && status === null) && !isPlain(status))
    fail(`status must be an object${decorator ? ' or null' : ''}, got ${JSON.stringify(status)}`);
  const key = decorator ? 'attachments' : 'children';
  if (body[key] !== undefined && !Array.isArray(body[key]))
    fail(`${key} must be a list, got ${JSON.stringify(body[key])}`);
  checkChildren(body[key] ?? [], key, declared, ns, fail);
  return body;
}

/** validateRules decodes a customize response: every rule of a declared related type, selectors we support. */
function validateRules(
  body: unknown,
  where: string,
  declared: readonly ResourceType[],
): { relatedResources: unknown[] } {
  const fail = failer(where);
  if (!isPlain(body) || !Array.isArray(body.relatedResources))
    return fail(`response must be {relatedResources: [...]}, got ${JSON.stringify(body)}`);
  for (const k of Object.keys(body))
    if (k !== 'relatedResources') fail(`unknown top-level key "${k}"`);
  body.relatedResources.forEach((r: unknown, i: number) => {
    const at = `relatedResources[${i}]`;
    if (!isPlain(r)) return fail(`${at} must be an object`);
    for (const k of Object.keys(r)) if (!RULE_KEYS.has(k)) fail(`${at}: unknown key "${k}"`);
    if (!declared.some((t) => t.apiVersion === r.apiVersion && t.resource === r.resource))
      fail(
        `${at}: ${String(r.apiVersion)}/${String(r.resource)} is not a declared related type (declared: ${declared.map((t) => `${t.apiVersion}/${t.resource}`).join(', ') || 'none'})`,
      );
    if (r.namespaceSelector !== undefined)
      fail(`${at}: namespaceSelector is not supported by the harness`);
    if (r.names !== undefined && r.labelSelector !== undefined)
      fail(`${at}: names cannot be combined with labelSelector (contract §2.6)`);
    if (
      r.names !== undefined &&
      (!Array.isArray(r.names) || !r.names.every((n) => typeof n === 'string'))
    )
      fail(`${at}: names must be a list of strings`);
    if (r.namespace !== undefined && typeof r.namespace !== 'string')
      fail(`${at}: namespace must be a string`);
    const sel = r.labelSelector;
    if (sel === undefined) return;
    if (!isPlain(sel)) return fail(`${at}: labelSelector must be an object`);
    for (const k of Object.keys(sel))
      if (k !== 'matchLabels') fail(`${at}: labelSelector.${k} is not supported by the harness`);
    if (sel.matchLabels !== undefined && !isPlain(sel.matchLabels))
      fail(`${at}: labelSelector.matchLabels must be an object`);
  });
  return body as { relatedResources: unknown[] };
}
