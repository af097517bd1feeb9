import t from 'tap';
import { basename } from 'node:path';
import { HOOKS } from '../helpers/hooks.js';
import { validObjects } from '../helpers/fixtures.js';
import { syncRequest } from '../helpers/builders.js';
import { assertGolden, validateKube } from '../helpers/golden.js';

const NOW = { now: new Date('2026-01-01T00:00:00Z') };
const CONTROLLER = { GatiHandler: 'gatihandler', GatiModule: 'gatimodule' } as const;

// Golden YAML per fixture: every child a first sync emits, one file per object.
for (const doc of validObjects()) {
  const controller = CONTROLLER[doc.object.kind as keyof typeof CONTROLLER];
  if (!controller) continue;
  const fixture = `${doc.file.startsWith('examples/') ? 'seed-' : ''}${basename(doc.file, '.yaml')}`;
  t.test(`${controller}/${fixture}`, async (t) => {
    const res = HOOKS[controller].sync(syncRequest(controller, doc.object), NOW);
    for (const c of res.children)
      t.doesNotThrow(() => validateKube(c), `${c.kind} ${c.metadata?.name} validates upstream`);
    assertGolden(t, `${controller}/${fixture}`, res.children);
  });
}
