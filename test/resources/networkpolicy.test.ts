import t from 'tap';
import {
  DNS_EGRESS,
  makeNetworkPolicy,
  moduleSelector,
  moduleWorkload,
} from '../../src/resources/index.js';
import { moduleParent, withName } from '../helpers/builders.js';
import { validateBuilt } from '../helpers/golden.js';

// src/resources/networkpolicy.ts

t.test('makeNetworkPolicy', async (t) => {
  const rows = [
    { reason: 'the seed-like module', p: moduleParent(), selector: moduleSelector('db') },
    { reason: 'another module', p: moduleParent(withName('pdf')), selector: moduleSelector('pdf') },
  ];
  for (const r of rows) {
    const np = makeNetworkPolicy(moduleWorkload(r.p));
    validateBuilt(np);
    t.same(np.spec!.policyTypes, ['Egress'], `${r.reason}: only egress is restricted`);
    t.same(np.spec!.egress, [DNS_EGRESS], `${r.reason}: DNS is all it may reach`);
    t.same(
      np.spec!.podSelector!.matchLabels,
      r.selector,
      `${r.reason}: applies to the module’s pods`,
    );
  }
  t.same(
    DNS_EGRESS.ports,
    [
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ],
    'DNS over UDP and TCP, to any destination',
  );
});
