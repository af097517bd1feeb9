import t from 'tap';
import { cel, celPredicate, has } from '../../src/api/cel.js';
import { validateModuleSpec, validateVersionSpec } from '../../src/api/index.js';

t.test('a CEL rule keeps one meaning', async (t) => {
  const p = () => true;
  cel('self.test == 1', 'm', p);
  t.equal(celPredicate('self.test == 1'), p, 'registered');
  t.doesNotThrow(() => cel('self.test == 1', 'm', p), 'same twin again is fine');
  t.throws(() => cel('self.test == 1', 'm', () => false), /registered twice/);
  t.strictSame(cel('self.other', 'msg', p, '.x'), {
    rule: 'self.other',
    message: 'msg',
    fieldPath: '.x',
  });
});

t.test('has() follows CEL: absent and null are both absent', async (t) => {
  t.ok(has({ a: 0 }, 'a'));
  t.notOk(has({ a: null }, 'a'));
  t.notOk(has({}, 'a'));
});

t.test('module and version specs default like the CRD', async (t) => {
  const m = validateModuleSpec({
    moduleName: 'db',
    moduleType: 'node',
    runtime: 'node:20',
    image: 'db:1',
  });
  t.ok(m.ok && m.value.port === 50051 && m.value.replicas === 1, 'module port 50051, replicas 1');
  const v = validateVersionSpec({ versionId: 'v1' });
  t.ok(
    v.ok && v.value.routingWeight === 100 && v.value.breaking === false,
    'weight 100, not breaking',
  );
});
