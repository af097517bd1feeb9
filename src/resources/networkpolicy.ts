import { NETWORK_POLICY } from '../api/kinds.js';
import type { NetworkPolicy } from '../kube/types.js';
import { objectMeta, type Workload } from './workload.js';

type EgressRule = NonNullable<NonNullable<NetworkPolicy['spec']>['egress']>[number];

/**
 * DNS_EGRESS allows DNS, port 53 over UDP and TCP, to any destination. It is the one DNS rule
 * of the project, for sandboxed modules and the hook server alike. No peer selector on
 * purpose: cluster DNS is kube-system/kube-dns on most clusters but not all, and a node-local
 * DNS cache listens on a link-local address of the node that no pod selector matches. The
 * cluster resolver recurses to the internet anyway, so naming it would not narrow what a pod
 * can reach by DNS.
 */
export const DNS_EGRESS: EgressRule = {
  ports: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};

/** makeNetworkPolicy limits a workload's egress to DNS. Ingress is not restricted: handlers must still reach the module. */
export function makeNetworkPolicy(w: Workload): NetworkPolicy {
  return {
    apiVersion: NETWORK_POLICY.apiVersion,
    kind: NETWORK_POLICY.kind,
    metadata: objectMeta(w),
    spec: {
      podSelector: { matchLabels: w.selector },
      policyTypes: ['Egress'],
      egress: [DNS_EGRESS],
    },
  };
}
