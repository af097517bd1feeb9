import t from 'tap';
import {
  handlerLabels,
  handlerSelector,
  handlerVersionLabels,
  handlerVersionSelector,
  moduleLabels,
  moduleSelector,
} from '../../src/resources/labels.js';

const has = (labels: Record<string, string>, subset: Record<string, string>) =>
  Object.entries(subset).every(([k, v]) => labels[k] === v);

t.test('labels carry their selector and the standard keys', async (t) => {
  const rows = [
    {
      reason: 'handler version',
      labels: handlerVersionLabels('orders', 'v1'),
      selector: handlerVersionSelector('orders', 'v1'),
    },
    {
      reason: 'handler apex',
      labels: handlerLabels('orders'),
      selector: handlerSelector('orders'),
    },
    { reason: 'module', labels: moduleLabels('db', 'database'), selector: moduleSelector('db') },
  ];
  for (const r of rows) {
    t.ok(has(r.labels, r.selector), `${r.reason}: labels ⊇ selector`);
    t.equal(r.labels['app.kubernetes.io/managed-by'], 'gati-operator', `${r.reason}: managed-by`);
    t.equal(r.labels['app.kubernetes.io/part-of'], 'gati', `${r.reason}: part-of`);
    t.ok(r.labels['app.kubernetes.io/name'], `${r.reason}: name`);
    t.ok(r.labels['app.kubernetes.io/instance'], `${r.reason}: instance`);
  }
});

t.test('selectors hold only what is stable for a workload’s life', async (t) => {
  t.same(
    handlerVersionSelector('orders', 'v1'),
    { 'gati.dev/handler': 'orders', 'gati.dev/version': 'v1' },
    'version selector: handler and version only',
  );
  t.same(
    handlerSelector('orders'),
    { 'gati.dev/handler': 'orders' },
    'apex selector: every version of the handler',
  );
  t.same(
    moduleSelector('db'),
    { 'gati.dev/module': 'db' },
    'module selector: the module object only',
  );
  t.notOk(
    'app.kubernetes.io/version' in handlerVersionSelector('orders', 'v1'),
    'no app.kubernetes.io/version in a selector',
  );
  t.equal(
    handlerVersionLabels('orders', 'v1')['app.kubernetes.io/version'],
    'v1',
    'the version is a label, not a selector key',
  );
  t.equal(
    handlerVersionSelector('orders', 'tsv:1')['gati.dev/version'],
    handlerVersionLabels('orders', 'tsv:1')['gati.dev/version'],
    'label-unsafe ids map identically in labels and selector',
  );
});

t.test(
  "label sets are fresh objects: a caller may not change another child's labels",
  async (t) => {
    const a = handlerVersionLabels('orders', 'v1');
    const b = handlerVersionLabels('orders', 'v1');
    t.same(a, b, 'the same labels for the same input');
    t.not(a, b, 'but never the same object');
  },
);
