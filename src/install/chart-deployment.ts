import { block, expr, quoted as q, substitute, when } from './chart-template.js';
import {
  PROMETHEUS_CREDENTIALS_DIR,
  TOKEN_ENV,
  TOKEN_MOUNT,
  TOKEN_SECRET,
  TOKEN_VOLUME,
} from './components.js';
import { NAME } from './constants.js';

/** The chart's Deployment of the hook server: the install's, with what values switch on. */

type Obj = Record<string, unknown>;

/** Where the TLS Secret is mounted (beside, not inside, the token's read-only mount). */
export const TLS_DIR = `/var/run/secrets/${NAME}-tls`;

/** Conditions of the values that switch the bearer token and TLS on. */
export const TOKEN = '.Values.bearerToken.enabled';
export const TLS = '.Values.tls.enabled';
const CREDENTIALS = '.Values.prometheus.credentials';
/** The token Secret's name, from values. */
export const TOKEN_SECRET_NAME = { [TOKEN_SECRET.name]: q('.Values.bearerToken.secretName') };

interface Probe {
  httpGet: Obj;
}
interface Container {
  image: unknown;
  imagePullPolicy: unknown;
  resources: unknown;
  env: unknown[];
  volumeMounts: unknown[];
  readinessProbe: Probe;
  livenessProbe: Probe;
}
interface PodSpec {
  containers: Container[];
  volumes: unknown[];
}

/**
 * The environment naming each Prometheus credential file, present when the Secret and that
 * key are both set (values.schema.json allows a token or a user name and password, not both).
 */
function prometheusCredentialsEnv(): unknown[] {
  return [
    ['PROMETHEUS_BEARER_TOKEN_FILE', 'tokenKey'],
    ['PROMETHEUS_USERNAME_FILE', 'usernameKey'],
    ['PROMETHEUS_PASSWORD_FILE', 'passwordKey'],
  ].map(([name, key]) =>
    when(`and ${CREDENTIALS}.secretName ${CREDENTIALS}.${key}`, {
      name,
      value: q(
        `printf "%s/%s" ${JSON.stringify(PROMETHEUS_CREDENTIALS_DIR)} ${CREDENTIALS}.${key}`,
      ),
    }),
  );
}

/** deploymentTemplate: image, replicas and resources from values; token, TLS, Prometheus URL and credentials when set. */
export function deploymentTemplate(d: Obj): Obj {
  const o = structuredClone(d) as Obj & { spec: Obj & { template: { spec: PodSpec } } };
  o.spec.replicas = expr('.Values.replicas');
  const pod = o.spec.template.spec;
  const c = pod.containers[0]!;
  c.image = q('printf "%s:%s" .Values.image.repository .Values.image.tag');
  c.imagePullPolicy = q('.Values.image.pullPolicy');
  c.resources = block('.Values.resources');
  const tokenFile = q(
    `printf "%s/%s" ${JSON.stringify(TOKEN_MOUNT.mountPath)} .Values.bearerToken.key`,
  );
  c.env.push(
    when(TOKEN, { ...TOKEN_ENV, value: tokenFile }),
    when(TLS, { name: 'TLS_CERT_FILE', value: `${TLS_DIR}/tls.crt` }),
    when(TLS, { name: 'TLS_KEY_FILE', value: `${TLS_DIR}/tls.key` }),
    when('.Values.prometheus.url', { name: 'PROMETHEUS_URL', value: q('.Values.prometheus.url') }),
    ...prometheusCredentialsEnv(),
    when('.Values.webhooks.allowedHosts', {
      name: 'WEBHOOK_ALLOWED_HOSTS',
      value: q('join "," .Values.webhooks.allowedHosts'),
    }),
  );
  c.volumeMounts.push(
    when(TOKEN, TOKEN_MOUNT),
    when(TLS, { name: 'tls', mountPath: TLS_DIR, readOnly: true }),
    when(`${CREDENTIALS}.secretName`, {
      name: 'prometheus-credentials',
      mountPath: PROMETHEUS_CREDENTIALS_DIR,
      readOnly: true,
    }),
  );
  pod.volumes.push(
    when(TOKEN, substitute(TOKEN_VOLUME, TOKEN_SECRET_NAME)),
    when(TLS, {
      name: 'tls',
      secret: { secretName: q('.Values.tls.secretName'), defaultMode: 0o440 },
    }),
    when(`${CREDENTIALS}.secretName`, {
      name: 'prometheus-credentials',
      secret: { secretName: q(`${CREDENTIALS}.secretName`), defaultMode: 0o440 },
    }),
  );
  for (const p of [c.readinessProbe, c.livenessProbe]) p.httpGet.scheme = when(TLS, 'HTTPS');
  return o;
}
