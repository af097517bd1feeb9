import {
  APP_NAME_LABEL,
  APP_PART_OF_LABEL,
  APP_VERSION_LABEL,
  OPERATOR_NAME,
  PART_OF,
} from '../api/keys.js';
/** Version of this operator; the image tag is `v<OPERATOR_VERSION>` (a test keeps it equal to package.json). */
export const OPERATOR_VERSION = '0.1.0';

/** Namespace the hook server runs in. */
export const NAMESPACE = 'gati-system';

/** Name of the ServiceAccount, Deployment, Service, PDB and NetworkPolicy of the hook server. */
export const NAME = OPERATOR_NAME;

/** Image repository of the hook server (kustomize `images:` overrides it). */
export const IMAGE_NAME = 'ghcr.io/gati-framework/gati-operator';

/** Full image reference of the hook server. */
export const IMAGE = `${IMAGE_NAME}:v${OPERATOR_VERSION}`;

/** The container listens here (env PORT); the Service maps SERVICE_PORT to it. */
export const CONTAINER_PORT = 8080;
export const SERVICE_PORT = 80;
export const PORT_NAME = 'http';

/** Metacontroller release the controllers are written for (hook v2 needs ≥ 4.15, bearer auth ≥ 4.16). */
export const METACONTROLLER_VERSION = 'v4.17.2';

/** Namespace Metacontroller runs in (its production kustomization and the docs' Helm command). */
export const METACONTROLLER_NAMESPACE = 'metacontroller';

/** The server drains within SHUTDOWN_GRACE_MS after SIGTERM; the pod's grace period must exceed preStop + this. */
export const SHUTDOWN_GRACE_MS = 25000;
export const PRESTOP_SECONDS = 5;
export const TERMINATION_GRACE_SECONDS = 40;

/** Non-root uid/gid of the hook server (the Dockerfile creates the same user). */
export const RUN_AS_UID = 1001;

/** Labels every install object carries; SELECTOR selects the hook server pods. */
export const SELECTOR: Record<string, string> = { [APP_NAME_LABEL]: NAME };
export const LABELS: Record<string, string> = {
  ...SELECTOR,
  [APP_PART_OF_LABEL]: PART_OF,
  [APP_VERSION_LABEL]: `v${OPERATOR_VERSION}`,
};

/** Pinned versions of the CRDs the declared children need (Metacontroller resolves every child by discovery). */
export const GATEWAY_API_VERSION = 'v1.3.0';
export const KEDA_VERSION = 'v2.17.2';

/** The container securityContext of the operator's own processes (hook server, notifier). */
export const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: RUN_AS_UID,
  runAsGroup: RUN_AS_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};
