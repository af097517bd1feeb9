import { stringify } from 'yaml';
import { controllerList, hookNames, type Controller } from '../hooks/controllers.js';
import { CONTAINER_PORT, LABELS, NAME, NAMESPACE, PORT_NAME, SELECTOR } from './constants.js';
import { childResource, compositeController, controllerName } from './controllers.js';
import { DEFAULT_INSTALL, OPTIONAL_KINDS, type OptionalKind } from '../api/switches.js';

type Obj = Record<string, unknown>;

/** Secret holding the bearer token Metacontroller sends and the server checks (created by the user). */
export const TOKEN_SECRET = { name: `${NAME}-token`, key: 'token' };
/** Where the bearer-token component mounts the Secret in the hook server (AUTH_TOKEN_FILE points here). */
export const TOKEN_DIR = '/var/run/secrets/gati-operator';

/** Namespace Prometheus runs in; the prometheus and drain-evidence components allow traffic to/from it. */
export const PROMETHEUS_NAMESPACE = 'monitoring';
/** Port of the Prometheus HTTP API the drain-evidence query goes to. */
export const PROMETHEUS_PORT = 9090;
/** Where the Secret with Prometheus credentials is mounted (chart and prometheus-token component). */
export const PROMETHEUS_CREDENTIALS_DIR = `/var/run/secrets/${NAME}-prometheus`;
/** The Secret with the Prometheus credentials of the prometheus-* components (created by the user). */
const PROMETHEUS_SECRET_NAME = `${NAME}-prometheus`;
/** The prometheus-token component's Secret: a bearer token for Prometheus. */
export const PROMETHEUS_TOKEN_SECRET = { name: PROMETHEUS_SECRET_NAME, key: 'token' };
/** The prometheus-basic-auth component's Secret: a user name and password. */
export const PROMETHEUS_BASIC_AUTH_SECRET = {
  name: PROMETHEUS_SECRET_NAME,
  usernameKey: 'username',
  passwordKey: 'password',
};

/** A kustomization (or component) file; `kind` decides which. */
export function kustomization(body: Obj, component = false): Obj {
  return component
    ? { apiVersion: 'kustomize.config.k8s.io/v1alpha1', kind: 'Component', ...body }
    : { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...body };
}

function controllerTarget(c: Controller): Obj {
  return {
    group: 'metacontroller.k8s.io',
    version: 'v1alpha1',
    kind: c.kind,
    name: controllerName(c.name),
  };
}

/** tokenAuthorization is the webhook `authorization` naming the token Secret (Metacontroller ≥ 4.16). */
export function tokenAuthorization(): Obj {
  return {
    type: 'Bearer',
    secretRef: { name: TOKEN_SECRET.name, namespace: NAMESPACE, key: TOKEN_SECRET.key },
  };
}

/** The hook server's side of the bearer token: its env entry, volume mount and volume. */
export const TOKEN_ENV = { name: 'AUTH_TOKEN_FILE', value: `${TOKEN_DIR}/${TOKEN_SECRET.key}` };
export const TOKEN_MOUNT = { name: 'auth-token', mountPath: TOKEN_DIR, readOnly: true };
export const TOKEN_VOLUME = {
  name: 'auth-token',
  secret: { secretName: TOKEN_SECRET.name, defaultMode: 0o440 },
};

/** authorizationPatch adds the Bearer authorization to every hook of one controller. */
function authorizationPatch(c: Controller): Obj {
  const value = tokenAuthorization();
  const ops = hookNames(c).map((h) => ({
    op: 'add',
    path: `/spec/hooks/${h}/webhook/authorization`,
    value,
  }));
  return {
    target: controllerTarget(c),
    patch: stringify(ops, { lineWidth: 0, aliasDuplicateObjects: false }),
  };
}

/** secretMountPatch: the hook server mounts a Secret read-only and names files of it in `env`. */
function secretMountPatch(env: Obj[], mount: Obj, volume: Obj): Obj {
  const patch = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, namespace: NAMESPACE },
    spec: {
      template: {
        spec: {
          containers: [{ name: NAME, env, volumeMounts: [mount] }],
          volumes: [volume],
        },
      },
    },
  };
  return {
    target: { group: 'apps', version: 'v1', kind: 'Deployment', name: NAME },
    patch: stringify(patch, { lineWidth: 0 }),
  };
}

/**
 * prometheusCredentialsComponent: the hook server mounts Secret gati-operator-prometheus
 * read-only and reads the Prometheus credentials from the files `env` names (keys of that
 * Secret), as the chart's `prometheus.credentials` does with the same Secret and keys.
 */
function prometheusCredentialsComponent(env: Array<[name: string, key: string]>): Obj {
  const volume = 'prometheus-credentials';
  return kustomization(
    {
      patches: [
        secretMountPatch(
          env.map(([name, key]) => ({ name, value: `${PROMETHEUS_CREDENTIALS_DIR}/${key}` })),
          { name: volume, mountPath: PROMETHEUS_CREDENTIALS_DIR, readOnly: true },
          {
            name: volume,
            secret: { secretName: PROMETHEUS_SECRET_NAME, defaultMode: 0o440 },
          },
        ),
      ],
    },
    true,
  );
}

/** prometheusTokenComponent: the hook server sends Prometheus the bearer token in Secret gati-operator-prometheus (key token). */
export function prometheusTokenComponent(): Obj {
  return prometheusCredentialsComponent([
    ['PROMETHEUS_BEARER_TOKEN_FILE', PROMETHEUS_TOKEN_SECRET.key],
  ]);
}

/** prometheusBasicAuthComponent: the hook server sends Prometheus the user name and password in Secret gati-operator-prometheus (keys username, password). */
export function prometheusBasicAuthComponent(): Obj {
  return prometheusCredentialsComponent([
    ['PROMETHEUS_USERNAME_FILE', PROMETHEUS_BASIC_AUTH_SECRET.usernameKey],
    ['PROMETHEUS_PASSWORD_FILE', PROMETHEUS_BASIC_AUTH_SECRET.passwordKey],
  ]);
}

/** bearerTokenComponent: Metacontroller authenticates every hook call with the token in Secret gati-operator-token. */
export function bearerTokenComponent(): Obj {
  return kustomization(
    {
      patches: [
        ...controllerList().map(authorizationPatch),
        secretMountPatch([TOKEN_ENV], TOKEN_MOUNT, TOKEN_VOLUME),
      ],
    },
    true,
  );
}

/**
 * optionalKindPatch flips one optional kind on one controller: appends a default-off kind
 * (after every default one, where the generator puts it too) or removes a default-on one by
 * index, guarded by a `test` op so a changed order fails the build instead of removing
 * another kind.
 */
function optionalKindPatch(c: Controller, o: OptionalKind): Obj {
  const declared = (compositeController(c).spec as { childResources: Obj[] }).childResources;
  const index = declared.findIndex((r) => r.resource === o.type.resource);
  const ops = DEFAULT_INSTALL[o.option]
    ? [
        { op: 'test', path: `/spec/childResources/${index}/resource`, value: o.type.resource },
        { op: 'remove', path: `/spec/childResources/${index}` },
      ]
    : [{ op: 'add', path: '/spec/childResources/-', value: childResource(o.type) }];
  return {
    target: controllerTarget(c),
    patch: stringify(ops, { lineWidth: 0, aliasDuplicateObjects: false }),
  };
}

/** optionalKindNote says what a kind's component does, and the Helm value that does the same. */
function optionalKindNote(o: OptionalKind): string {
  const on = DEFAULT_INSTALL[o.option];
  const what = on
    ? `Removes the ${o.type.kind} child kind, for clusters without its CRDs,`
    : `Adds the ${o.type.kind} child kind (install its CRDs first)`;
  return `${what} on every controller whose hooks emit it.\nHelm: ${o.helmValue}=${!on}. See docs/deployment.md.`;
}

/** optionalKindComponents: one component per optional kind, patching every controller whose hooks emit it. */
export function optionalKindComponents(): Array<{
  kind: OptionalKind;
  component: Obj;
  note: string;
}> {
  return OPTIONAL_KINDS.map((o) => {
    const controllers = controllerList().filter((c) =>
      c.children.some((t) => t.apiVersion === o.type.apiVersion && t.resource === o.type.resource),
    );
    const patches = controllers.map((c) => optionalKindPatch(c, o));
    return { kind: o, component: kustomization({ patches }, true), note: optionalKindNote(o) };
  });
}

function extraPolicy(suffix: string, spec: Obj): Obj {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `${NAME}-${suffix}`, namespace: NAMESPACE, labels: LABELS },
    spec: { podSelector: { matchLabels: SELECTOR }, ...spec },
  };
}

const PROMETHEUS_PEER = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': PROMETHEUS_NAMESPACE } },
};

/** serviceMonitor lets the Prometheus Operator scrape /metrics (needs its CRD, hence a component). */
export function serviceMonitor(): Obj {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS },
    spec: {
      selector: { matchLabels: SELECTOR },
      namespaceSelector: { matchNames: [NAMESPACE] },
      endpoints: [{ port: PORT_NAME, path: '/metrics', interval: '30s', scrapeTimeout: '10s' }],
    },
  };
}

/** prometheusScrapePolicy admits scrapes from the Prometheus namespace (NetworkPolicies add up). */
export function prometheusScrapePolicy(): Obj {
  return extraPolicy('prometheus-scrape', {
    policyTypes: ['Ingress'],
    ingress: [{ from: [PROMETHEUS_PEER], ports: [{ port: CONTAINER_PORT, protocol: 'TCP' }] }],
  });
}

/** drainEvidencePolicy lets the server query Prometheus for drain evidence. */
export function drainEvidencePolicy(): Obj {
  return extraPolicy('drain-evidence', {
    policyTypes: ['Egress'],
    egress: [{ to: [PROMETHEUS_PEER], ports: [{ port: PROMETHEUS_PORT, protocol: 'TCP' }] }],
  });
}
