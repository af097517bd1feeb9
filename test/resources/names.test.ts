import t from 'tap';
import {
  apexServiceName,
  dnsName,
  hash8,
  labelValue,
  moduleName,
  routeName,
  versionName,
} from '../../src/resources/names.js';

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

t.test('dnsName', async (t) => {
  const rows = [
    { reason: 'a valid name is kept as written', raw: 'orders', want: 'orders' },
    {
      reason: 'dots (DNS subdomain parents) are replaced and hashed',
      raw: 'api.users',
      want: `api-users-${hash8('api.users')}`,
    },
    {
      reason: 'capitals are lowered and hashed so `A` and `a` differ',
      raw: 'Orders',
      want: `orders-${hash8('Orders')}`,
    },
    {
      reason: 'a leading digit gets a letter prefix (Service names are DNS-1035)',
      raw: '1api',
      want: `g-1api-${hash8('1api')}`,
    },
    {
      reason: 'only invalid characters still yields a valid name',
      raw: '___',
      want: `g-${hash8('___')}`,
    },
    { reason: 'exactly 63 valid characters are kept', raw: 'a'.repeat(63), want: 'a'.repeat(63) },
    {
      reason: 'longer names are truncated to 63 with the hash',
      raw: 'a'.repeat(64),
      want: `${'a'.repeat(54)}-${hash8('a'.repeat(64))}`,
    },
    {
      reason: 'truncation never leaves a hyphen before the hash',
      raw: `${'a'.repeat(53)}-b${'c'.repeat(20)}`,
      want: `${'a'.repeat(53)}-${hash8(`${'a'.repeat(53)}-b${'c'.repeat(20)}`)}`,
    },
  ];
  for (const r of rows) {
    const got = dnsName(r.raw);
    t.equal(got, r.want, r.reason);
    t.match(got, DNS_1035, `${r.reason}: DNS-1035`);
    t.ok(got.length <= 63, `${r.reason}: ≤ 63`);
  }
});

t.test('versionName', async (t) => {
  const rows = [
    {
      reason: 'seed handler and version',
      handler: 'user-handler',
      version: 'v1.0.0',
      prefix: 'user-handler-v1-0-0-',
    },
    {
      reason: 'TSV ids with colons and capitals',
      handler: 'payments',
      version: 'tsv:1732000000-Payments_002',
      prefix: 'payments-tsv-1732000000-payments-002-',
    },
    { reason: 'dotted parent name', handler: 'api.users', version: 'v2', prefix: 'api-users-v2-' },
    {
      reason: 'digit-leading parent name',
      handler: '9lives',
      version: 'v1',
      prefix: 'g-9lives-v1-',
    },
    {
      reason: 'long handler and version are truncated',
      handler: 'h'.repeat(60),
      version: 'v'.repeat(60),
      prefix: 'h'.repeat(54),
    },
  ];
  for (const r of rows) {
    const got = versionName(r.handler, r.version);
    t.ok(got.startsWith(r.prefix), `${r.reason}: ${got}`);
    t.match(got, DNS_1035, `${r.reason}: DNS-1035`);
    t.ok(got.length <= 63, `${r.reason}: ≤ 63`);
    t.equal(got, versionName(r.handler, r.version), `${r.reason}: deterministic`);
  }
  const collide = [
    {
      reason: 'the pair split differently joins to the same text',
      a: ['a', 'b-c'],
      b: ['a-b', 'c'],
    },
    {
      reason: 'versions differing only by a sanitised character',
      a: ['h', 'v1.0'],
      b: ['h', 'v1-0'],
    },
    { reason: 'versions differing only by case', a: ['h', 'V1'], b: ['h', 'v1'] },
    {
      reason: 'versions differing after the truncation point',
      a: ['h'.repeat(60), 'x1'],
      b: ['h'.repeat(60), 'x2'],
    },
  ];
  for (const r of collide)
    t.not(versionName(r.a[0]!, r.a[1]!), versionName(r.b[0]!, r.b[1]!), r.reason);
  t.not(
    versionName('orders', 'v1'),
    apexServiceName('orders-v1'),
    'a version name never equals another handler’s apex Service name',
  );
});

t.test('per-parent names', async (t) => {
  t.equal(apexServiceName('user-handler'), 'user-handler', 'apex Service keeps the handler name');
  t.equal(routeName('user-handler'), 'user-handler', 'HTTPRoute keeps the handler name');
  t.equal(moduleName('db-module'), 'db-module', 'module children keep the module name');
  t.equal(
    apexServiceName('users'),
    moduleName('users'),
    'a handler and a module of one name want one Service (test/scenario/conflicts.test.ts)',
  );
  t.equal(
    moduleName('db.module'),
    dnsName('db.module'),
    'module names are sanitised like any name',
  );
});

t.test('labelValue', async (t) => {
  const rows = [
    {
      reason: 'valid values are kept, capitals, dots and underscores included',
      raw: 'v1.0.0_RC',
      want: 'v1.0.0_RC',
    },
    {
      reason: 'colons are replaced and hashed',
      raw: 'tsv:1-a',
      want: `tsv-1-a-${hash8('tsv:1-a')}`,
    },
    {
      reason: 'non-alphanumeric ends are trimmed and hashed',
      raw: '-x-',
      want: `x-${hash8('-x-')}`,
    },
    { reason: 'nothing valid left: the hash alone', raw: ':::', want: hash8(':::') },
    {
      reason: 'long DNS subdomains are truncated with the hash',
      raw: `${'a'.repeat(70)}.example`,
      want: `${'a'.repeat(54)}-${hash8(`${'a'.repeat(70)}.example`)}`,
    },
  ];
  for (const r of rows) {
    const got = labelValue(r.raw);
    t.equal(got, r.want, r.reason);
    t.match(got, LABEL, `${r.reason}: label-safe`);
    t.ok(got.length <= 63, `${r.reason}: ≤ 63`);
  }
  t.not(
    labelValue('a:b'),
    labelValue('a-b'),
    'sanitised values never collide with the value they resemble',
  );
});

t.test('names stay the same when their memo tables fill up and are emptied', async (t) => {
  const before = [dnsName('Orders'), labelValue('tsv:1-a'), versionName('users', 'tsv:1')];
  for (let i = 0; i < 5000; i++) {
    dnsName(`n${i}.x`);
    labelValue(`v:${i}`);
    versionName('users', `v:${i}`);
  }
  t.same([dnsName('Orders'), labelValue('tsv:1-a'), versionName('users', 'tsv:1')], before);
});
