/**
 * Pinned third-party CRDs (Gateway API standard channel, KEDA) for the
 * API-server tests, fetched by scripts/kube-bin/thirdparty-crds.sh through
 * the Go module proxy and cached.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const THIRDPARTY_SCRIPT = join(REPO_ROOT, 'scripts/kube-bin/thirdparty-crds.sh');

export type CrdSet = 'gateway-api' | 'keda';

export interface ThirdPartyCrd {
  set: CrdSet;
  file: string;
  /** The parsed CustomResourceDefinition. */
  object: { metadata: { name: string }; [k: string]: any };
}

/**
 * Returns the CRDs of the given sets (default both), or { skip } when the
 * script exits 3 (no Go toolchain). Throws on other failures.
 * `filter` keeps only files whose basename matches, e.g. /scaledobjects|httproutes/.
 * `versions` overrides the script's pinned versions (e.g. the Gateway API a gateway needs).
 */
export function loadThirdPartyCRDs(
  sets: CrdSet[] = ['gateway-api', 'keda'],
  filter?: RegExp,
  versions: { gatewayApi?: string; keda?: string } = {},
): ThirdPartyCrd[] | { skip: string } {
  const crds: ThirdPartyCrd[] = [];
  const env = {
    ...process.env,
    ...(versions.gatewayApi ? { GATEWAY_API_VERSION: versions.gatewayApi } : {}),
    ...(versions.keda ? { KEDA_VERSION: versions.keda } : {}),
  };
  for (const set of sets) {
    const r = spawnSync('bash', [THIRDPARTY_SCRIPT, set], {
      encoding: 'utf8',
      timeout: 10 * 60_000,
      env,
    });
    if (r.error) return { skip: `cannot run ${THIRDPARTY_SCRIPT}: ${r.error.message}` };
    if (r.status === 3)
      return {
        skip: (r.stdout.trim() || 'SKIP: thirdparty-crds.sh exited 3').replace(/^SKIP:\s*/, ''),
      };
    if (r.status !== 0)
      throw new Error(`thirdparty-crds.sh ${set} failed (exit ${r.status}): ${r.stderr}`);
    for (const file of r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)) {
      if (filter && !filter.test(basename(file))) continue;
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        const object = doc.toJS();
        if (object?.kind === 'CustomResourceDefinition') crds.push({ set, file, object });
      }
    }
  }
  return crds;
}
