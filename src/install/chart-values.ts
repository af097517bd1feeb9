import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { PROMETHEUS_NAMESPACE, PROMETHEUS_PORT, TOKEN_SECRET } from './components.js';
import { IMAGE_NAME, METACONTROLLER_NAMESPACE, NAME, OPERATOR_VERSION } from './constants.js';
import { deployment } from './manifests.js';
import { DEFAULT_INSTALL } from '../api/switches.js';

/**
 * The values of charts/gati-operator, as one TypeBox schema: it types the chart code, is
 * values.schema.json (Helm validates every install against it), and its defaults and
 * descriptions are values.yaml and the chart README (written by chart-values-files.ts).
 * Defaults are read from the objects operator.yaml holds, so the default render is
 * operator.yaml.
 */

/** The hook server container as the install builds it (the source of the chart's defaults). */
function serverContainer(): { image: string; resources: Record<string, Record<string, string>> } {
  const d = deployment() as {
    spec: { template: { spec: { containers: Array<{ image: string; resources: never }> } } };
  };
  return d.spec.template.spec.containers[0]!;
}
const replicasDefault = (deployment() as { spec: { replicas: number } }).spec.replicas;

const strict = { additionalProperties: false };
const obj = (
  properties: Record<string, TSchema>,
  description: string,
  extra: Record<string, unknown> = {},
) => Type.Object(properties, { ...strict, description, ...extra });
const bool = (dflt: boolean, description: string) => Type.Boolean({ default: dflt, description });
const str = (dflt: string, description: string, extra: Record<string, unknown> = {}) =>
  Type.String({ default: dflt, description, ...extra });
const quantities = (dflt: Record<string, string>, description: string) =>
  Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
    default: dflt,
    description,
  });
const DNS_LABEL = { minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' };
const SECRET_NAME = { minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' };
/** A key of a Secret's data, or empty for none. */
const SECRET_KEY = { maxLength: 253, pattern: '^[-._a-zA-Z0-9]*$' };

/**
 * Prometheus credentials are none (every field empty), a bearer token, or a user name and
 * password: what the server accepts (PROMETHEUS_BEARER_TOKEN_FILE excludes the basic-auth
 * pair, which goes together). Helm checks it at install, before a pod could fail to start.
 */
const EMPTY = { const: '' };
const SET = { minLength: 1 };
const prometheusCredentialChoices = {
  oneOf: [
    { properties: { secretName: EMPTY, tokenKey: EMPTY, usernameKey: EMPTY, passwordKey: EMPTY } },
    { properties: { secretName: SET, tokenKey: SET, usernameKey: EMPTY, passwordKey: EMPTY } },
    { properties: { secretName: SET, tokenKey: EMPTY, usernameKey: SET, passwordKey: SET } },
  ],
};

const resources = serverContainer().resources;

/** ChartValuesSchema is every value of the chart; unknown values are refused. */
export const ChartValuesSchema = Type.Object(
  {
    image: obj(
      {
        repository: str(IMAGE_NAME, 'Image repository of the hook server.', { minLength: 1 }),
        tag: str(`v${OPERATOR_VERSION}`, 'Image tag of the hook server.', { minLength: 1 }),
        pullPolicy: Type.Union(
          ['Always', 'IfNotPresent', 'Never'].map((p) => Type.Literal(p)),
          { default: 'IfNotPresent', description: 'imagePullPolicy of the hook server container.' },
        ),
      },
      'The hook server image.',
    ),
    replicas: Type.Integer({
      minimum: 1,
      default: replicasDefault,
      description: 'Hook server replicas; its PodDisruptionBudget keeps one up, so keep 2 or more.',
    }),
    resources: obj(
      {
        requests: quantities(resources.requests!, 'Requests of the hook server container.'),
        limits: quantities(
          resources.limits!,
          'Limits; NODE_OPTIONS keeps the heap under a 512Mi memory limit.',
        ),
      },
      'Resources of the hook server container.',
    ),
    metacontroller: obj(
      {
        namespace: str(
          METACONTROLLER_NAMESPACE,
          'Namespace Metacontroller runs in: the only one the NetworkPolicy admits hook calls from.',
          DNS_LABEL,
        ),
      },
      'Where Metacontroller runs.',
    ),
    gatewayApi: obj(
      {
        enabled: bool(
          DEFAULT_INSTALL.gatewayApi,
          'Declare HTTPRoute children (needs the Gateway API CRDs). Off: routing gateway-api reports KindNotInstalled.',
        ),
      },
      'Gateway API routing.',
    ),
    keda: obj(
      {
        enabled: bool(
          DEFAULT_INSTALL.keda,
          'Declare ScaledObject children (needs the KEDA CRDs). Off: autoscaling keda reports KindNotInstalled.',
        ),
      },
      'KEDA autoscaling.',
    ),
    bearerToken: obj(
      {
        enabled: bool(
          false,
          'Metacontroller (>= 4.16) sends this token; the server refuses others.',
        ),
        secretName: str(
          TOKEN_SECRET.name,
          'Secret holding the token (you create it).',
          SECRET_NAME,
        ),
        key: str(TOKEN_SECRET.key, 'Key of the token in the Secret.', { minLength: 1 }),
      },
      'Bearer token between Metacontroller and the hook server.',
    ),
    tls: obj(
      {
        enabled: bool(
          false,
          'Serve HTTPS only; Metacontroller verifies it with the ca.crt of the Secret.',
        ),
        secretName: str(
          `${NAME}-tls`,
          `kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt (e.g. from a cert-manager CA issuer), valid for ${NAME}.{namespace} (what Metacontroller calls) and ${NAME}.{namespace}.svc.`,
          SECRET_NAME,
        ),
      },
      'TLS of the hook server.',
    ),
    prometheus: obj(
      {
        url: str(
          '',
          'Prometheus base URL for drain evidence; set: PROMETHEUS_URL and an egress NetworkPolicy.',
          {
            pattern: '^(https?://.+)?$',
          },
        ),
        namespace: str(
          PROMETHEUS_NAMESPACE,
          'Namespace Prometheus runs in (egress to it, scrapes from it).',
          DNS_LABEL,
        ),
        port: Type.Integer({
          minimum: 1,
          maximum: 65535,
          default: PROMETHEUS_PORT,
          description: 'Port of the Prometheus HTTP API the egress policy allows.',
        }),
        credentials: obj(
          {
            secretName: str(
              '',
              'Secret (you create it, in the release namespace) mounted read-only; empty: Prometheus is asked without credentials.',
              { maxLength: 253, pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$' },
            ),
            tokenKey: str(
              '',
              'Key of a bearer token in the Secret (PROMETHEUS_BEARER_TOKEN_FILE).',
              SECRET_KEY,
            ),
            usernameKey: str(
              '',
              'Key of a basic-auth user name (PROMETHEUS_USERNAME_FILE); with passwordKey, instead of tokenKey.',
              SECRET_KEY,
            ),
            passwordKey: str(
              '',
              'Key of the basic-auth password (PROMETHEUS_PASSWORD_FILE).',
              SECRET_KEY,
            ),
          },
          'Credentials for Prometheus from a Secret: none, a bearer token (tokenKey), or a user name and password (usernameKey and passwordKey).',
          prometheusCredentialChoices,
        ),
      },
      'Prometheus for drain evidence and scraping.',
    ),
    webhooks: obj(
      {
        allowedHosts: Type.Array(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9*.:-]+$' }), {
          default: [],
          description:
            'Hosts spec.rollout.webhooks may call (WEBHOOK_ALLOWED_HOSTS: host, host:port or *.domain). Empty: none. Allow the egress with a NetworkPolicy of your own.',
        }),
      },
      'Rollout webhooks, called by the hook server.',
    ),
    notify: obj(
      {
        enabled: bool(
          false,
          'Run gati-operator notify: Events and notifications for rollout transitions, with its own ServiceAccount.',
        ),
        replicas: Type.Integer({
          minimum: 1,
          default: 1,
          description: 'Notifier replicas (more are safe: each Event and post is made once).',
        }),
        allowedHosts: Type.Array(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9*.:-]+$' }), {
          default: [],
          description:
            'Hosts notification targets may be posted to (NOTIFY_ALLOWED_HOSTS). Empty: none.',
        }),
      },
      'The notifier (docs/security.md).',
    ),
    serviceMonitor: obj(
      {
        enabled: bool(
          false,
          'A ServiceMonitor and a NetworkPolicy admitting scrapes (needs the Prometheus Operator CRDs).',
        ),
        interval: str('30s', 'Scrape interval.', { pattern: '^[0-9]+(ms|s|m|h)$' }),
        labels: Type.Record(Type.String(), Type.String(), {
          default: {},
          description: 'Extra labels your Prometheus selects ServiceMonitors by (e.g. release).',
        }),
      },
      'Prometheus Operator scraping.',
    ),
  },
  { ...strict, title: 'gati-operator chart values' },
);

/** The values of the chart. */
export type ChartValues = Static<typeof ChartValuesSchema>;
