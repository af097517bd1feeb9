import { groupKey, type ResourceType } from '../api/kinds.js';
import type {
  CustomizeResponse,
  KubeObject,
  ObjectGroups,
  RelatedResourceRule,
  SyncResponse,
} from '../api/metacontroller.js';
import { callHook } from '../hooks/call.js';
import { CONTROLLERS, type ControllerTable } from '../hooks/controllers.js';
import type { ControllerName } from '../hooks/types.js';
import { canonical } from '../kube/canonical.js';
import { simulatedStatus } from './healthy.js';
import { identity } from './input.js';

/**
 * Static rendering for clusters WITHOUT the operator: run the same pure sync hooks offline,
 * the way Metacontroller would, feeding each round's desired children back as observed
 * children that are already healthy (every Deployment Available, every HTTPRoute Accepted at
 * its generation), until nothing changes. What comes out is what the operator would converge
 * to with every version Ready — and nothing more: there is no drain, no decommission and no
 * rollout pacing in a static render (see docs/targets.md).
 */

/** Options of a static render. */
export interface StaticOptions {
  /** Clock of the first round (fixed, so the output never depends on when it runs). */
  now?: Date;
  /** Bound on hook rounds before giving up. */
  maxRounds?: number;
  /** How far the clock jumps when the state is stable but a hook asked to be called again. */
  jumpSeconds?: number;
}

/** The result of a static render. */
export interface StaticResult {
  /** Every desired child of every parent, canonical, sorted by kind, namespace and name. */
  objects: KubeObject[];
  /** The last status each parent reported, by identity (`<Kind> <namespace>/<name>`). */
  statuses: Record<string, Record<string, unknown>>;
  rounds: number;
}

/** The fixed clock of static renders: output must not depend on when it runs. */
export const STATIC_EPOCH = new Date('2025-01-01T00:00:00Z');

/** controllerOf names the controller whose parent kind is `kind` (undefined: not a parent). */
export function controllerOf(
  kind: string | undefined,
  table: ControllerTable = CONTROLLERS,
): ControllerName | undefined {
  return (Object.keys(table) as ControllerName[]).find((c) => table[c].parent.kind === kind);
}

function groupEntryKey(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

function addTo(groups: ObjectGroups, type: ResourceType, o: KubeObject): void {
  const key = groupKey(type);
  (groups[key] ??= {})[groupEntryKey(o)] = o;
}

function labelsMatch(o: KubeObject, selector: RelatedResourceRule['labelSelector']): boolean {
  const labels = (o.metadata.labels ?? {}) as Record<string, string>;
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** ruleMatches tells whether a customize rule selects an object. */
function ruleMatches(rule: RelatedResourceRule, type: ResourceType, o: KubeObject): boolean {
  if (rule.apiVersion !== type.apiVersion || rule.resource !== type.resource) return false;
  if (rule.namespace !== undefined && rule.namespace !== o.metadata.namespace) return false;
  if (rule.names && !rule.names.includes(o.metadata.name)) return false;
  return labelsMatch(o, rule.labelSelector);
}

/** relatedOf answers the parent's customize rules from the input set, as Metacontroller would from the cluster. */
function relatedOf(
  table: ControllerTable,
  controller: ControllerName,
  parent: KubeObject,
  parents: KubeObject[],
  now: Date,
): ObjectGroups {
  const related: ObjectGroups = {};
  if (!table[controller].hooks.customize) return related;
  const answer = callHook(controller, 'customize', { controller: {}, parent }, { now }, table);
  const rules = (answer as CustomizeResponse).relatedResources;
  for (const type of table[controller].related) {
    for (const o of parents) {
      if (o.kind === type.kind && rules.some((r) => ruleMatches(r, type, o)))
        addTo(related, type, o);
    }
  }
  return related;
}

function specOf(o: KubeObject): string {
  const { status: _s, metadata: _m, ...rest } = o;
  return JSON.stringify(canonical(rest));
}

/** observe turns a desired child into what the cluster would report for it next round. */
function observe(
  child: KubeObject,
  parentNamespace: string | undefined,
  previous: KubeObject | undefined,
  now: Date,
): KubeObject {
  const namespace = child.metadata.namespace ?? parentNamespace;
  const prevGen =
    typeof previous?.metadata.generation === 'number' ? previous.metadata.generation : 0;
  const generation = previous && specOf(previous) === specOf(child) ? prevGen : prevGen + 1;
  const status =
    previous && generation === prevGen ? previous.status : simulatedStatus(child, generation, now);
  const observed: KubeObject = {
    ...structuredClone(child),
    metadata: { ...structuredClone(child.metadata), namespace, generation },
  };
  if (status !== undefined) observed.status = status;
  return canonical(observed);
}

function typeOf(table: ControllerTable, controller: ControllerName, o: KubeObject): ResourceType {
  const type = table[controller].children.find(
    (t) => t.kind === o.kind && t.apiVersion === o.apiVersion,
  );
  if (!type)
    throw new Error(
      `${controller} emitted ${o.apiVersion}/${o.kind} ${o.metadata.name}, not one of its child types`,
    );
  return type;
}

interface ParentState {
  controller: ControllerName;
  parent: KubeObject;
  observed: Map<string, KubeObject>;
  response?: SyncResponse;
}

/** round calls every parent's sync once at `now` and feeds back what a healthy cluster would report. */
function round(table: ControllerTable, states: ParentState[], now: Date): void {
  const parents = states.map((s) => s.parent);
  const responses = states.map((s) => {
    const children: ObjectGroups = {};
    for (const o of s.observed.values()) addTo(children, typeOf(table, s.controller, o), o);
    const related = relatedOf(table, s.controller, s.parent, parents, now);
    const request = { controller: {}, parent: s.parent, children, related, finalizing: false };
    return callHook(s.controller, 'sync', request, { now }, table) as SyncResponse;
  });
  states.forEach((s, i) => {
    const response = responses[i] as SyncResponse;
    s.response = response;
    s.parent = canonical({ ...s.parent, status: response.status });
    const next = new Map<string, KubeObject>();
    // callHook checked that every child has apiVersion, kind and a name.
    for (const child of response.children as KubeObject[])
      next.set(
        identity(child),
        observe(child, s.parent.metadata.namespace, s.observed.get(identity(child)), now),
      );
    s.observed = next;
  });
}

function snapshot(states: ParentState[]): string {
  return JSON.stringify(
    states.map((s) => canonical({ status: s.parent.status, children: s.response?.children })),
  );
}

function sortedByIdentity(objects: KubeObject[]): KubeObject[] {
  return objects
    .map((o) => ({ key: identity(o), o }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((e) => e.o);
}

/** initialState: the parents as the API server would hold them right after `kubectl apply`. */
function initialState(objects: KubeObject[], table: ControllerTable): ParentState[] {
  return sortedByIdentity(objects).map((o) => {
    const controller = controllerOf(o.kind, table);
    if (!controller) throw new Error(`${identity(o)}: not a parent kind of any controller`);
    const { status: _status, ...rest } = structuredClone(o);
    return {
      controller,
      parent: { ...rest, metadata: { ...rest.metadata, generation: 1 } },
      observed: new Map(),
    };
  });
}

/**
 * renderStatic runs the controllers' sync hooks over `objects` (Gati parents) to a fixed point with
 * every child healthy, and returns the children — the workloads a cluster without the
 * operator needs. Throws when the hooks do not settle within `maxRounds` or a hook fails.
 */
export function renderStatic(
  objects: KubeObject[],
  table: ControllerTable = CONTROLLERS,
  options: StaticOptions = {},
): StaticResult {
  const maxRounds = options.maxRounds ?? 50;
  const jump = (options.jumpSeconds ?? 86_400) * 1000;
  let now = options.now ?? STATIC_EPOCH;
  const states = initialState(objects, table);
  let previous: string | undefined;
  let jumped = false;
  for (let rounds = 1; rounds <= maxRounds; rounds++) {
    round(table, states, now);
    const snap = snapshot(states);
    const waiting = states.some((s) => (s.response?.resyncAfterSeconds ?? 0) > 0);
    if (snap === previous) {
      if (!waiting || jumped) return result(states, rounds);
      // Stable but a hook is waiting on a timer (e.g. a rollout pause): let the time pass.
      now = new Date(now.getTime() + jump);
      jumped = true;
    } else {
      jumped = false;
    }
    previous = snap;
  }
  throw new Error(`static render did not settle within ${maxRounds} rounds of hook calls`);
}

function result(states: ParentState[], rounds: number): StaticResult {
  const objects = states.flatMap((s) =>
    ((s.response?.children ?? []) as KubeObject[]).map((c) =>
      canonical({
        ...c,
        metadata: { ...c.metadata, namespace: c.metadata.namespace ?? s.parent.metadata.namespace },
      }),
    ),
  );
  const statuses: StaticResult['statuses'] = {};
  for (const s of states)
    statuses[identity(s.parent)] = (s.parent.status ?? {}) as Record<string, unknown>;
  return { objects: sortedByIdentity(objects), statuses, rounds };
}
