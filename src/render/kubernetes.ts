import { allCRDs } from '../api/crds.js';
import type { KubeObject } from '../api/metacontroller.js';
import { installObjects } from '../install/files.js';
import { toYaml } from '../kube/canonical.js';
import { RENDER_HEADER, type RenderedFiles } from './write.js';

/** What a target renders: the Gati objects (operator mode) or the workloads they become (static). */
export interface Payload {
  /** Canonical objects, sorted by kind, namespace and name. */
  objects: KubeObject[];
  /** true: `objects` are the workloads of a static render, for a cluster without the operator. */
  static: boolean;
}

function note(text: string): string {
  return RENDER_HEADER + text.replace(/^/gm, '# ') + '\n';
}

/**
 * renderKubernetes lays out plain multi-document YAML for `kubectl apply`. Operator mode:
 * `crds.yaml` (the Gati CRDs; apply first and wait until established), `operator.yaml` (the
 * install set from src/install: namespace gati-system, the hook server, the
 * CompositeControllers; needs Metacontroller) and `gati.yaml` (the Gati objects). Static
 * mode: `workloads.yaml` only.
 */
export function renderKubernetes(payload: Payload): RenderedFiles {
  const files: RenderedFiles = new Map();
  if (payload.static) {
    files.set(
      'workloads.yaml',
      toYaml(
        payload.objects,
        note(
          'Static render: the workloads themselves, for a cluster without the Gati operator.\nNo drain and no decommission: see docs/targets.md.\nkubectl apply -f workloads.yaml',
        ),
      ),
    );
    return files;
  }
  files.set(
    'crds.yaml',
    toYaml(
      allCRDs().map((c) => c.crd),
      note(
        '1. kubectl apply -f crds.yaml && kubectl wait --for condition=established -f crds.yaml',
      ),
    ),
  );
  files.set(
    'operator.yaml',
    toYaml(
      installObjects(),
      note('2. kubectl apply -f operator.yaml   (needs Metacontroller installed)'),
    ),
  );
  files.set('gati.yaml', toYaml(payload.objects, note('3. kubectl apply -f gati.yaml')));
  return files;
}
