import t from 'tap';
import { basename } from 'node:path';
import { groupKey, GATI_VERSION } from '../../src/api/kinds.js';
import { HOOKS } from '../helpers/hooks.js';
import { validObjects } from '../helpers/fixtures.js';
import { syncRequest } from '../helpers/builders.js';
import { assertGolden, validateKube } from '../helpers/golden.js';

const NOW = { now: new Date('2026-01-01T00:00:00Z') };
const CONTROLLER = { GatiHandler: 'gatihandler', GatiModule: 'gatimodule' } as const;

/** fixtureName: `seed-<file>` for the seed examples, `production-<file>`, else the file's name. */
function fixtureName(file: string): string {
  const name = basename(file, '.yaml');
  if (file.startsWith('examples/production/')) return `production-${name}`;
  return file.startsWith('examples/') ? `seed-${name}` : name;
}

// Golden YAML per fixture: every child a first sync emits, one file per object. The
// GatiVersions of the same file are related objects, as Metacontroller would send them.
const all = validObjects();
for (const doc of all) {
  const controller = CONTROLLER[doc.object.kind as keyof typeof CONTROLLER];
  if (!controller) continue;
  const fixture = fixtureName(doc.file);
  const versions = all.filter((d) => d.file === doc.file && d.object.kind === 'GatiVersion');
  t.test(`${controller}/${fixture}`, async (t) => {
    const req = syncRequest(controller, doc.object);
    if (versions.length > 0)
      req.related = {
        [groupKey(GATI_VERSION)]: Object.fromEntries(
          versions.map((v) => [
            `${v.object.metadata.namespace}/${v.object.metadata.name}`,
            v.object as any,
          ]),
        ),
      };
    const res = HOOKS[controller].sync(req, NOW);
    for (const c of res.children)
      t.doesNotThrow(() => validateKube(c), `${c.kind} ${c.metadata?.name} validates upstream`);
    assertGolden(t, `${controller}/${fixture}`, res.children);
  });
}
