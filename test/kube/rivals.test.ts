import t from 'tap';
import { GATI_MODULE } from '../../src/api/kinds.js';
import { keepsName, nameHolder, parentIdentity, type Identity } from '../../src/kube/rivals.js';
import { moduleName } from '../../src/resources/names.js';

const id = (kind: string, ts?: string, uid?: string, deleting = false): Identity => ({
  kind,
  namespace: 'shop',
  name: 'users',
  creationTimestamp: ts,
  uid,
  deleting,
});

t.test('keepsName: exactly one of two distinct parents keeps the name', async (t) => {
  const times = [undefined, '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z'];
  const uids = [undefined, 'a', 'b'];
  const all: Identity[] = [];
  for (const kind of ['GatiHandler', 'GatiModule'])
    for (const ts of times)
      for (const uid of uids) for (const del of [false, true]) all.push(id(kind, ts, uid, del));
  let pairs = 0;
  for (const a of all)
    for (const b of all) {
      if (a === b || a.kind === b.kind) continue;
      pairs++;
      const ab = keepsName(a, b);
      const ba = keepsName(b, a);
      if (ab === ba) t.fail(`both or neither keep it: ${JSON.stringify([a, b])}`);
    }
  t.equal(pairs, 2 * 18 * 18, `${pairs} ordered pairs, each with exactly one holder`);
});

t.test('keepsName: the rule, row by row', async (t) => {
  const rows: Array<[string, Identity, Identity, boolean]> = [
    [
      'older wins',
      id('GatiModule', '2026-01-01T00:00:00Z'),
      id('GatiHandler', '2026-01-02T00:00:00Z'),
      true,
    ],
    [
      'younger loses',
      id('GatiHandler', '2026-01-02T00:00:00Z'),
      id('GatiModule', '2026-01-01T00:00:00Z'),
      false,
    ],
    [
      'same second: lower uid',
      id('GatiHandler', '2026-01-01T00:00:00Z', 'a'),
      id('GatiModule', '2026-01-01T00:00:00Z', 'b'),
      true,
    ],
    [
      'a parent being deleted never keeps it',
      id('GatiModule', '2026-01-01T00:00:00Z', 'a', true),
      id('GatiHandler', '2026-01-02T00:00:00Z', 'b'),
      false,
    ],
    [
      'a parent not yet persisted is the newcomer',
      id('GatiHandler'),
      id('GatiModule', '2026-01-02T00:00:00Z'),
      false,
    ],
  ];
  for (const [why, a, b, want] of rows) t.equal(keepsName(a, b), want, why);
  const same = { namespace: 'shop', name: 'users', deleting: false };
  t.equal(
    keepsName({ ...same, kind: 'GatiHandler' }, { ...same, kind: 'GatiModule' }),
    true,
    'nothing else tells them apart: the kind decides (GatiHandler before GatiModule)',
  );
  t.equal(keepsName({ ...same, kind: 'GatiHandler' }, { ...same, kind: 'GatiHandler' }), true);
});

t.test('nameHolder: only a related parent that wants the same name and keeps it', async (t) => {
  const self = id('GatiHandler', '2026-01-02T00:00:00Z', 'h');
  const related = (name: string, ts: string) => ({
    [`${GATI_MODULE.kind}.${GATI_MODULE.apiVersion}`]: {
      [`shop/${name}`]: { metadata: { name, namespace: 'shop', creationTimestamp: ts, uid: 'm' } },
    },
  });
  const older = nameHolder(
    self,
    related('users', '2026-01-01T00:00:00Z'),
    GATI_MODULE,
    'users',
    moduleName,
  );
  t.match(older, { kind: 'GatiModule', name: 'users', creationTimestamp: '2026-01-01T00:00:00Z' });
  t.equal(
    nameHolder(self, related('users', '2026-01-03T00:00:00Z'), GATI_MODULE, 'users', moduleName),
    undefined,
    'a younger module does not hold it',
  );
  t.equal(
    nameHolder(self, related('orders', '2026-01-01T00:00:00Z'), GATI_MODULE, 'users', moduleName),
    undefined,
    'a module wanting another name is no rival',
  );
  t.equal(nameHolder(self, undefined, GATI_MODULE, 'users', moduleName), undefined, 'none related');
  t.match(
    parentIdentity('GatiModule', {
      metadata: { name: 'x', deletionTimestamp: '2026-01-01T00:00:00Z' },
    }),
    { name: 'x', deleting: true, uid: undefined },
  );
});
