// Shared helpers of the install tests (not a test file of its own).
import { execFileSync, spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

/** haveKubectl: kubectl (with its built-in kustomize) is on PATH. */
export const haveKubectl =
  spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

/** Why a kubectl-dependent test skips. */
export const NO_KUBECTL = 'kubectl not on PATH';

/** yamlDocs parses every non-empty document of a YAML text. */
export function yamlDocs(text: string): Array<Record<string, any>> {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Record<string, any>)
    .filter((o) => o !== null && o !== undefined);
}

/** kustomize renders a kustomization directory with `kubectl kustomize`; throws with kustomize's message. */
export function kustomize(dir: string): Array<Record<string, any>> {
  return yamlDocs(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: 'pipe' }));
}
