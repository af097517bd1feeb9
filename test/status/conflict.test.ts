import t from 'tap';
import type { Identity } from '../../src/kube/rivals.js';
import { nameConflictMessage, nameConflictVerdicts } from '../../src/status/conflict.js';

const id = (kind: string, creationTimestamp?: string): Identity => ({
  kind,
  namespace: 'shop',
  name: 'users',
  creationTimestamp,
  uid: kind,
  deleting: false,
});
const svc = { kind: 'Service', name: 'users' };

t.test('nameConflictMessage names the child, the holder and why it holds it', async (t) => {
  const self = id('GatiHandler', '2026-01-02T00:00:00Z');
  t.equal(
    nameConflictMessage(svc, self, id('GatiModule', '2026-01-01T00:00:00Z'), 'the apex Service'),
    'Service shop/users belongs to GatiModule shop/users (created 2026-01-01T00:00:00Z, before this GatiHandler): the apex Service is left out; rename one of them',
  );
  t.match(
    nameConflictMessage(svc, self, id('GatiModule', '2026-01-02T00:00:00Z'), 'x'),
    /\(created in the same second as this GatiHandler; the lower uid keeps the name\)/,
  );
  t.match(
    nameConflictMessage(svc, self, id('GatiModule'), 'x'),
    /\(created before this GatiHandler\)/,
  );
  t.match(
    nameConflictMessage(svc, self, { ...id('GatiModule'), namespace: undefined }, 'x'),
    /^Service users belongs to GatiModule users /,
    'no namespace: bare names',
  );
});

t.test('nameConflictVerdicts: Ready=False and Stalled=True, reason NameConflict', async (t) => {
  t.strictSame(nameConflictVerdicts('m'), {
    ready: { type: 'Ready', status: 'False', reason: 'NameConflict', message: 'm' },
    stalled: { type: 'Stalled', status: 'True', reason: 'NameConflict', message: 'm' },
  });
});
