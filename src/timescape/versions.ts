import type { GatiHandlerSpec, VersionStatus } from '../api/gatihandler.js';
import type { GatiVersionSpec } from '../api/gativersion.js';
import type { VersionOverrides } from '../api/pod.js';
import { FORCE_ANNOTATION, ROUTE_BREAKING_ANNOTATION } from '../api/keys.js';
import { MAX_LIVE_VERSIONS } from '../api/limits.js';
import type { KubeObject } from '../api/metacontroller.js';
import { bridgesFrom } from '../api/cost.js';

/** A GatiVersion that belongs to the handler, its spec validated. */
export interface OwnedVersion {
  name: string;
  spec: GatiVersionSpec;
  deleting: boolean;
  annotations: Record<string, string>;
}

/**
 * A version the handler must account for this sync, before traffic is decided.
 * `wanted` versions should serve; the others are on their way out (superseded, their
 * GatiVersion deleted, or only remembered by status or a Deployment) and drain.
 */
export interface Candidate {
  versionId: string;
  image?: string;
  replicas: number;
  source: VersionStatus['source'];
  gatiVersion?: string;
  wanted: boolean;
  desiredWeight: number;
  breaking: boolean;
  /** Breaking, no transformers, not explicitly weighted: pin rule only. */
  pinnedOnly: boolean;
  forced: boolean;
  /** Its GatiVersion is being deleted: it drains, whatever spec.retirement says. */
  deleting: boolean;
  /** Its GatiVersion says `rollout: Immediate`: it takes weight at once, not by a move. */
  immediate: boolean;
  /** The pod settings its GatiVersion overrides for it (env, envFrom, podAnnotations). */
  overrides?: VersionOverrides;
  /** The versions whose requests it serves through a transformer (its `{from}` transformers). */
  bridges: string[];
  /** Its GatiVersion's migration page, sent with its Deprecation header. */
  deprecationLink?: string;
}

/** overridesOf: what a GatiVersion overrides of its handler's pod settings, if anything. */
function overridesOf(spec: GatiVersionSpec | undefined): VersionOverrides | undefined {
  if (!spec || (!spec.env && !spec.envFrom && !spec.podAnnotations)) return undefined;
  return { env: spec.env, envFrom: spec.envFrom, podAnnotations: spec.podAnnotations };
}

function imageOf(d: KubeObject | undefined): string | undefined {
  const containers = (
    d?.spec as { template?: { spec?: { containers?: Array<{ image?: unknown }> } } } | undefined
  )?.template?.spec?.containers;
  const image = containers?.[0]?.image;
  return typeof image === 'string' ? image : undefined;
}

function pinnedOnly(
  breaking: boolean,
  transformers: readonly unknown[] | undefined,
  annotations: Record<string, string>,
): boolean {
  return (
    breaking &&
    (transformers ?? []).length === 0 &&
    annotations[ROUTE_BREAKING_ANNOTATION] !== 'true'
  );
}

interface CandidateInput {
  spec: GatiHandlerSpec;
  handlerAnnotations: Record<string, string>;
  owned: OwnedVersion[];
  previous: VersionStatus[];
  /** Observed Deployments of this handler by versionId (from their annotation). */
  deployments: Map<string, KubeObject>;
}

/**
 * candidates lists every version the handler must account for (DESIGN §2 "live versions"):
 * spec.version; each GatiVersion that belongs to it (deleted ones drain); versions only the
 * previous status remembers; and, as the memory of last resort, versions only an observed
 * Deployment remembers. Sorted by versionId.
 */
export function candidates(input: CandidateInput): Candidate[] {
  const { spec } = input;
  const out = new Map<string, Candidate>();
  const live = [...input.owned].sort((a, b) => (a.name < b.name ? -1 : 1));
  const bySpec = live.find((g) => g.spec.versionId === spec.version && !g.deleting);
  const specMeta = bySpec?.spec ?? { ...spec.timescape, transformers: [] };
  out.set(spec.version, {
    versionId: spec.version,
    image: spec.image,
    replicas: bySpec?.spec.replicas ?? spec.replicas,
    source: 'spec',
    gatiVersion: bySpec?.name,
    wanted: true,
    desiredWeight: specMeta.routingWeight,
    breaking: specMeta.breaking,
    pinnedOnly: pinnedOnly(
      specMeta.breaking,
      specMeta.transformers,
      bySpec?.annotations ?? input.handlerAnnotations,
    ),
    forced: false,
    deleting: false,
    immediate: bySpec?.spec.rollout === 'Immediate',
    overrides: overridesOf(bySpec?.spec),
    bridges: bridgesFrom(bySpec?.spec.transformers),
    deprecationLink: bySpec?.spec.deprecationLink,
  });
  for (const g of live) {
    const id = g.spec.versionId;
    if (out.has(id)) continue; // spec.version, or a second GatiVersion for the same id: the first by name wins
    const prev = input.previous.find((p) => p.versionId === id);
    out.set(id, {
      versionId: id,
      image: g.spec.image ?? imageOf(input.deployments.get(id)) ?? prev?.image,
      replicas: g.spec.replicas ?? spec.replicas,
      source: 'gativersion',
      gatiVersion: g.name,
      // A version a newer spec.version rolled out over drains even if a GatiVersion still carries it.
      wanted: !g.deleting && prev?.supersededAt === undefined,
      desiredWeight: g.deleting ? 0 : g.spec.routingWeight,
      breaking: g.spec.breaking,
      pinnedOnly: pinnedOnly(g.spec.breaking, g.spec.transformers, g.annotations),
      forced: g.annotations[FORCE_ANNOTATION] === 'true',
      deleting: g.deleting,
      immediate: g.spec.rollout === 'Immediate',
      overrides: overridesOf(g.spec),
      bridges: bridgesFrom(g.spec.transformers),
      deprecationLink: g.spec.deprecationLink,
    });
  }
  const leftovers: Array<[string, string | undefined]> = [
    ...input.previous.map((p): [string, string | undefined] => [p.versionId, p.image]),
    ...[...input.deployments].map(([id, d]): [string, string | undefined] => [id, imageOf(d)]),
  ];
  for (const [id, image] of leftovers) {
    if (out.has(id)) continue;
    const prev = input.previous.find((p) => p.versionId === id);
    out.set(id, {
      versionId: id,
      image: image ?? imageOf(input.deployments.get(id)),
      replicas: spec.replicas,
      source: 'previous',
      wanted: false,
      desiredWeight: prev?.desiredWeight ?? 0,
      breaking: prev?.breaking ?? false,
      pinnedOnly: false,
      forced: false,
      deleting: false,
      immediate: false,
      bridges: [],
    });
  }
  return [...out.values()].sort((a, b) =>
    a.versionId < b.versionId ? -1 : a.versionId > b.versionId ? 1 : 0,
  );
}

/**
 * withinLimit keeps at most MAX_LIVE_VERSIONS candidates: spec.version, then the versions that
 * already run (serving ones first), then new ones by versionId — so the limit stops a flood of
 * new GatiVersions from being built and never takes down what runs. The rest are returned to
 * be reported, not built.
 */
export function withinLimit(
  all: Candidate[],
  previous: VersionStatus[],
  deployments: Map<string, KubeObject>,
): { kept: Candidate[]; excess: string[] } {
  if (all.length <= MAX_LIVE_VERSIONS) return { kept: all, excess: [] };
  const phase = new Map(previous.map((p) => [p.versionId, p.phase]));
  const rank = (c: Candidate) =>
    c.source === 'spec'
      ? 0
      : phase.get(c.versionId) === 'Active'
        ? 1
        : phase.has(c.versionId) || deployments.has(c.versionId)
          ? 2
          : 3;
  const ranked = [...all].sort((a, b) => rank(a) - rank(b) || (a.versionId < b.versionId ? -1 : 1));
  const keep = new Set(ranked.slice(0, MAX_LIVE_VERSIONS).map((c) => c.versionId));
  return {
    kept: all.filter((c) => keep.has(c.versionId)),
    excess: ranked.slice(MAX_LIVE_VERSIONS).map((c) => c.versionId),
  };
}
