import { CONTROLLERS, type ControllerTable } from '../hooks/controllers.js';
import {
  GITOPS_DEFAULTS,
  renderGitops,
  type GitopsOptions,
  type GitopsTool,
} from '../render/gitops.js';
import { renderHelm } from '../render/helm.js';
import { readGatiObjects } from '../render/input.js';
import { renderKubernetes, type Payload } from '../render/kubernetes.js';
import { renderStatic } from '../render/static.js';
import { writeFiles, type RenderedFiles } from '../render/write.js';
import { parseOptionsOnly, UsageError } from './usage.js';

/** The deployment targets `render` knows. */
const TARGETS = ['kubernetes', 'helm', 'gitops'] as const;
type Target = (typeof TARGETS)[number];

/** Parsed `render` command line. */
export interface RenderArgs {
  target: Target;
  static: boolean;
  inputs: string[];
  output: string;
  force: boolean;
  chartName?: string;
  chartVersion?: string;
  gitops: GitopsOptions;
}

export const RENDER_USAGE = [
  'gati-operator render [--target kubernetes|helm|gitops] [--static] -f <file|dir>... -o <dir> [--force]',
  '    --target         default: $DEPLOYMENT_TARGET, else kubernetes',
  '    --static         render the workloads themselves for a cluster WITHOUT the operator (no drain, no decommission)',
  '    -f, --filename   Gati YAML/JSON file or directory (recursive); repeatable',
  '    -o, --output     output directory; must be empty or absent unless --force (which replaces its contents)',
  '  helm:   --chart-name <name> (default gati-app)  --chart-version <semver> (default 0.1.0)',
  `  gitops: --gitops-tool argocd|flux (default ${GITOPS_DEFAULTS.tool})  --repo-url <url> (default ${GITOPS_DEFAULTS.repoUrl})`,
  `          --repo-path <path in repo> (default ${GITOPS_DEFAULTS.repoPath})  --revision <branch> (default ${GITOPS_DEFAULTS.revision})`,
  `          --env <overlay>, repeatable (default ${GITOPS_DEFAULTS.envs.join(',')})  --name <prefix> (default ${GITOPS_DEFAULTS.name})`,
  'Exit codes: 0 ok, 1 input or output error, 2 usage error.',
].join('\n');

function isTarget(v: string): v is Target {
  return (TARGETS as readonly string[]).includes(v);
}

function target(value: string | undefined, from: string): Target {
  if (value === undefined || value === '') return 'kubernetes';
  if (!isTarget(value))
    throw new UsageError(`${from}: unknown target "${value}" (want ${TARGETS.join(', ')})`);
  return value;
}

const OPTIONS = {
  target: { type: 'string', multiple: true },
  static: { type: 'boolean' },
  filename: { type: 'string', short: 'f', multiple: true },
  output: { type: 'string', short: 'o', multiple: true },
  force: { type: 'boolean' },
  'chart-name': { type: 'string', multiple: true },
  'chart-version': { type: 'string', multiple: true },
  'gitops-tool': { type: 'string', multiple: true },
  'repo-url': { type: 'string', multiple: true },
  'repo-path': { type: 'string', multiple: true },
  revision: { type: 'string', multiple: true },
  env: { type: 'string', multiple: true },
  name: { type: 'string', multiple: true },
} as const;

/** parseRenderArgs reads the `render` command line; `env` supplies DEPLOYMENT_TARGET. */
export function parseRenderArgs(args: string[], env: NodeJS.ProcessEnv = process.env): RenderArgs {
  const values = parseOptionsOnly(args, OPTIONS);
  // Every value option is collected as a list so that one given twice is refused, not last-wins.
  const one = (k: Exclude<keyof typeof OPTIONS, 'static' | 'force'>): string | undefined => {
    const v = values[k];
    if (v && v.length > 1) throw new UsageError(`--${k} given more than once`);
    return v?.[0];
  };
  const inputs = values.filename ?? [];
  if (inputs.length === 0) throw new UsageError('-f <file|dir> is required');
  const output = one('output');
  if (!output) throw new UsageError('-o <dir> is required');
  const t =
    one('target') !== undefined
      ? target(one('target'), '--target')
      : target(env.DEPLOYMENT_TARGET, 'DEPLOYMENT_TARGET');
  const tool = one('gitops-tool');
  if (tool !== undefined && tool !== 'argocd' && tool !== 'flux')
    throw new UsageError(`--gitops-tool: unknown tool "${tool}" (want argocd, flux)`);
  const envs = values.env;
  for (const e of envs ?? [])
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(e))
      throw new UsageError(`--env: "${e}" must be a DNS label`);
  return {
    target: t,
    static: values.static ?? false,
    inputs,
    output,
    force: values.force ?? false,
    chartName: one('chart-name'),
    chartVersion: one('chart-version'),
    gitops: {
      tool: tool as GitopsTool | undefined,
      repoUrl: one('repo-url'),
      repoPath: one('repo-path'),
      revision: one('revision'),
      envs,
      name: one('name'),
    },
  };
}

/** renderFiles renders a parsed command line to files (no writing), running `registry` offline for --static. */
export function renderFiles(
  a: RenderArgs,
  controllers: ControllerTable = CONTROLLERS,
): RenderedFiles {
  const gati = readGatiObjects(a.inputs).map((o) => o.object);
  const payload: Payload = a.static
    ? { objects: renderStatic(gati, controllers).objects, static: true }
    : { objects: gati, static: false };
  if (a.target === 'helm')
    return renderHelm(payload, { chartName: a.chartName, chartVersion: a.chartVersion });
  if (a.target === 'gitops') return renderGitops(payload, a.gitops);
  return renderKubernetes(payload);
}

/** renderCommand runs `gati-operator render`: read, render, write, list what it wrote. */
export async function renderCommand(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const a = parseRenderArgs(args, env);
  const files = renderFiles(a);
  for (const path of writeFiles(a.output, files, a.force)) process.stdout.write(`wrote ${path}\n`);
  if (a.target === 'gitops' && !a.gitops.repoUrl)
    process.stderr.write(
      `note: --repo-url not given; the ${a.gitops.tool ?? GITOPS_DEFAULTS.tool} objects point at ${GITOPS_DEFAULTS.repoUrl}\n`,
    );
  return 0;
}
