import { argocdConfigPatch, gatiIgnoreDifferences, HEALTH_LUA } from '../install/argocd.js';
import { toYaml } from '../kube/canonical.js';
import type { Payload } from './kubernetes.js';
import { RENDER_HEADER, type RenderedFiles } from './write.js';

/**
 * The GitOps target: a kustomize directory (base/ + overlays/<env>/) and the GitOps tool's
 * objects pointing at each overlay. Git holds intent only — the Gati objects — never the
 * children the operator creates, so nothing the operator owns can drift in Git.
 */

/** Which GitOps tool to point at the kustomize directory. */
export type GitopsTool = 'argocd' | 'flux';

/** Options of the GitOps target; each has a default. */
export interface GitopsOptions {
  tool?: GitopsTool;
  /** Git URL of the repository the output directory is committed to. */
  repoUrl?: string;
  /** Path of the output directory inside that repository (`.` = its root). */
  repoPath?: string;
  /** Branch (Flux) or target revision (Argo CD). */
  revision?: string;
  /** Overlay names, one Application/Kustomization each. */
  envs?: string[];
  /** Name prefix of the Application / Kustomization / GitRepository. */
  name?: string;
}

/** Defaults of GitopsOptions (documented in docs/targets.md and the CLI usage). */
export const GITOPS_DEFAULTS = {
  tool: 'argocd' as GitopsTool,
  repoUrl: 'https://git.example.com/platform/gati-deploy.git',
  repoPath: '.',
  revision: 'main',
  envs: ['production'],
  name: 'gati',
};

const KUSTOMIZE = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' };

function note(text: string): string {
  return RENDER_HEADER + text.replace(/^/gm, '# ') + '\n';
}

/** overlayPath is the repository path of one overlay, as the GitOps tool sees it. */
function overlayPath(repoPath: string, env: string): string {
  const base = repoPath.replace(/^\.\/?/, '').replace(/\/$/, '');
  return base === '' ? `overlays/${env}` : `${base}/overlays/${env}`;
}

/**
 * argocdApplication points Argo CD at one overlay. Ignore rules: Metacontroller adds a
 * finalizer to GatiVersions (decommission) and writes status; neither is in Git, and
 * `RespectIgnoreDifferences` keeps a sync from fighting them. Health comes from the Lua
 * check in argocd/ (it must be installed in argocd-cm: an Application cannot carry it).
 */
function argocdApplication(
  o: Required<GitopsOptions>,
  env: string,
  staticMode: boolean,
): Record<string, unknown> {
  const ignoreDifferences = staticMode ? [] : gatiIgnoreDifferences();
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: `${o.name}-${env}`,
      namespace: 'argocd',
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: 'default',
      source: {
        repoURL: o.repoUrl,
        targetRevision: o.revision,
        path: overlayPath(o.repoPath, env),
      },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'default' },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['RespectIgnoreDifferences=true', 'ServerSideApply=true'],
      },
      ...(ignoreDifferences.length > 0 ? { ignoreDifferences } : {}),
    },
  };
}

/** fluxObjects: one GitRepository for the repository, one Kustomization per overlay (kstatus health via `wait`). */
function fluxObjects(o: Required<GitopsOptions>): Array<Record<string, unknown>> {
  const source = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: o.name, namespace: 'flux-system' },
    spec: { interval: '1m0s', url: o.repoUrl, ref: { branch: o.revision } },
  };
  const kustomizations = o.envs.map((env) => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: `${o.name}-${env}`, namespace: 'flux-system' },
    spec: {
      interval: '10m0s',
      path: `./${overlayPath(o.repoPath, env)}`,
      prune: true,
      wait: true,
      timeout: '10m0s',
      sourceRef: { kind: 'GitRepository', name: o.name },
    },
  }));
  return [source, ...kustomizations];
}

/** renderGitops lays out base/, overlays/<env>/ and the Argo CD or Flux objects pointing at them. */
export function renderGitops(payload: Payload, options: GitopsOptions = {}): RenderedFiles {
  const o: Required<GitopsOptions> = {
    ...GITOPS_DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  const files: RenderedFiles = new Map();
  const resource = payload.static ? 'workloads.yaml' : 'gati.yaml';
  const what = payload.static
    ? 'Static render: the workloads themselves, for a cluster WITHOUT the Gati operator (no drain, no decommission).'
    : 'The Gati objects; the operator creates their workloads in the cluster, never in Git.';
  files.set(`base/${resource}`, toYaml(payload.objects, note(what)));
  files.set(
    'base/kustomization.yaml',
    toYaml([{ ...KUSTOMIZE, resources: [resource] }], RENDER_HEADER),
  );
  for (const env of o.envs) {
    files.set(
      `overlays/${env}/kustomization.yaml`,
      toYaml(
        [{ ...KUSTOMIZE, resources: ['../../base'] }],
        note(`Overlay ${env}: add patches here (e.g. a GatiVersion's routingWeight).`),
      ),
    );
  }
  if (o.tool === 'flux') {
    files.set(
      'flux/sync.yaml',
      toYaml(
        fluxObjects(o),
        note('kubectl apply -f flux/sync.yaml   (Flux installed in flux-system)'),
      ),
    );
    return files;
  }
  for (const env of o.envs)
    files.set(
      `argocd/application-${env}.yaml`,
      toYaml(
        [argocdApplication(o, env, payload.static)],
        note('kubectl apply -f this file   (Argo CD installed in argocd)'),
      ),
    );
  if (!payload.static) {
    files.set('argocd/health.lua', HEALTH_LUA);
    files.set(
      'argocd/argocd-cm-patch.yaml',
      toYaml(
        [argocdConfigPatch()],
        note(
          'Health checks of the Gati kinds: kubectl -n argocd patch configmap argocd-cm --patch-file argocd/argocd-cm-patch.yaml',
        ),
      ),
    );
  }
  return files;
}
