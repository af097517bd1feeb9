import t from 'tap';
import { makeService, moduleWorkload } from '../../src/resources/index.js';
import { handlerVersion, moduleParent, withSpec } from '../helpers/builders.js';
import { validateBuilt } from '../helpers/golden.js';

// src/resources/service.ts

t.test('makeService', async (t) => {
  const rows = [
    { reason: 'handlers speak http', w: handlerVersion(), protocol: 'http', port: 3000 },
    {
      reason: 'the handler port is the spec port',
      w: handlerVersion(withSpec({ port: 8080 })),
      protocol: 'http',
      port: 8080,
    },
    {
      reason: 'modules speak gRPC',
      w: moduleWorkload(moduleParent()),
      protocol: 'grpc',
      port: 50051,
    },
  ];
  for (const r of rows) {
    const s = makeService(r.w);
    validateBuilt(s);
    t.same(
      s.spec!.ports,
      [
        {
          appProtocol: r.protocol,
          name: r.protocol,
          port: r.port,
          protocol: 'TCP',
          targetPort: r.protocol,
        },
      ],
      `${r.reason}: one named port targeting the container port of the same name`,
    );
    t.same(s.spec!.selector, r.w.selector, `${r.reason}: selects the workload’s pods`);
    t.equal(
      s.spec!.type,
      'ClusterIP',
      `${r.reason}: type written out (the apiserver would default it)`,
    );
    t.equal(s.metadata!.name, r.w.name, `${r.reason}: named as the workload`);
  }
});
