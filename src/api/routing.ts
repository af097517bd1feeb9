import { Type } from '@sinclair/typebox';
import { cel, has } from './cel.js';
import { StringEnum, VersionId } from './common.js';

const ParentRef = Type.Object({
  group: Type.Optional(Type.String({ description: 'Default gateway.networking.k8s.io.' })),
  kind: Type.Optional(Type.String({ description: 'Default Gateway.' })),
  name: Type.String({ minLength: 1 }),
  namespace: Type.Optional(Type.String({ minLength: 1 })),
  sectionName: Type.Optional(Type.String({ minLength: 1 })),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
});

const HEADER_NAME = {
  minLength: 1,
  maxLength: 256,
  pattern: "^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$",
};
const HeaderName = Type.String(HEADER_NAME);
/** An alias name has the shape of a version id (it is matched like one). */
const ALIAS = '^[A-Za-z0-9]([A-Za-z0-9._:-]*[A-Za-z0-9])?$';
const AliasName = Type.String({ minLength: 1, maxLength: 63, pattern: ALIAS });

/** Routing of a handler's versions. */
export const Routing = Type.Object(
  {
    provider: StringEnum(['gateway-api', 'none'], {
      default: 'gateway-api',
      description:
        '`gateway-api`: an HTTPRoute with one pin rule per version and one weighted rule. `none`: only the apex Service (no weights, no pins).',
    }),
    parentRefs: Type.Optional(
      Type.Array(ParentRef, {
        maxItems: 32,
        description: 'Gateways (or a Service for GAMMA) the HTTPRoute attaches to.',
      }),
    ),
    hostnames: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 16 }),
    ),
    pinHeaders: Type.Array(HeaderName, {
      minItems: 1,
      maxItems: 8,
      default: ['x-gati-version', 'x-api-version'],
      'x-kubernetes-list-type': 'set',
      description:
        'Request headers whose exact value pins a request to a version (or an alias), as the Gati runtime accepts them.',
    }),
    pinHeader: Type.Optional(
      Type.String({
        ...HEADER_NAME,
        description:
          'One pin header instead of pinHeaders (the older, one-element form): when set it replaces pinHeaders.',
      }),
    ),
    pinQueryParams: Type.Array(
      Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9._~-]+$' }),
      {
        maxItems: 8,
        default: [],
        'x-kubernetes-list-type': 'set',
        description:
          'Query parameters whose exact value pins a request, e.g. ["version", "v"]. Off by default: query matching is Extended support in Gateway API.',
      },
    ),
    aliases: Type.Optional(
      Type.Record(AliasName, VersionId, {
        maxProperties: 16,
        description:
          'Names that pin like version ids, e.g. {stable: v1.0.0, latest: v2.0.0}. A version an alias names is never decommissioned while aliased.',
        'x-kubernetes-validations': [
          cel(
            `self.all(k, size(k) <= 63 && k.matches('${ALIAS}'))`,
            'alias names are letters, digits, `.`, `_`, `:`, `-` (at most 63), like version ids',
            (s) => Object.keys(s).every((k) => k.length <= 63 && new RegExp(ALIAS).test(k)),
          ),
        ],
      }),
    ),
  },
  {
    description: 'Traffic routing across live versions.',
    default: {},
    'x-kubernetes-validations': [
      cel(
        "!has(self.provider) || self.provider == 'gateway-api' || (!has(self.parentRefs) && !has(self.hostnames))",
        'parentRefs and hostnames need provider gateway-api',
        (s) =>
          !has(s, 'provider') ||
          s.provider === 'gateway-api' ||
          (!has(s, 'parentRefs') && !has(s, 'hostnames')),
        '.provider',
      ),
    ],
  },
);
