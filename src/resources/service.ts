import { SERVICE } from '../api/kinds.js';
import type { Service } from '../kube/types.js';
import type { Labels } from './labels.js';
import { objectMeta } from './workload.js';

/** What a ClusterIP Service needs: identity, the pods it selects and the one port it exposes. */
export interface ServiceParams {
  namespace?: string;
  name: string;
  labels: Labels;
  selector: Labels;
  port: number;
  protocol: 'http' | 'grpc';
}

/**
 * makeService exposes one port by name (`http` or `grpc`, targeting the container port of
 * the same name) with its appProtocol, so gateways and meshes speak the right protocol.
 * Protocol and type are written out because the apiserver would default them.
 */
export function makeService(s: ServiceParams): Service {
  return {
    apiVersion: SERVICE.apiVersion,
    kind: SERVICE.kind,
    metadata: objectMeta(s),
    spec: {
      type: 'ClusterIP',
      selector: s.selector,
      ports: [
        {
          name: s.protocol,
          port: s.port,
          targetPort: s.protocol,
          protocol: 'TCP',
          appProtocol: s.protocol,
        },
      ],
    },
  };
}
