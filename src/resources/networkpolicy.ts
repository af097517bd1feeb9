import type { KubeObject } from '../api/metacontroller.js';
import { canonical } from '../render/canonical.js';
import { NETWORK_POLICY } from '../hooks/kinds.js';
import { objectMeta, type Workload } from './workload.js';

/**
 * makeNetworkPolicy limits a workload's egress to cluster DNS (kube-system/kube-dns, port 53
 * over UDP and TCP). Ingress is not restricted: handlers must still reach the module.
 */
export function makeNetworkPolicy(w: Workload): KubeObject {
  const dns = {
    to: [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ],
    ports: [
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ],
  };
  return canonical({
    apiVersion: NETWORK_POLICY.apiVersion,
    kind: NETWORK_POLICY.kind,
    metadata: objectMeta(w),
    spec: {
      podSelector: { matchLabels: w.selector },
      policyTypes: ['Egress'],
      egress: [dns],
    },
  }) as KubeObject;
}
