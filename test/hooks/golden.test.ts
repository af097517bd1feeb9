import t from 'tap';
import { basename } from 'node:path';
import { groupKey, GATI_HANDLER, GATI_VERSION } from '../../src/api/kinds.js';
import type { KubeObject } from '../../src/api/metacontroller.js';
import { HOOKS } from '../helpers/hooks.js';
import { validObjects } from '../helpers/fixtures.js';
import { syncRequest, versionRequest } from '../helpers/builders.js';
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
// GatiVersions of the same file are related objects, as Metacontroller would send them: each
// labelled first by the GatiVersion controller's own sync (given the file's handlers), then
// selected by the handler's label rule.
const all = validObjects();

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

/** labelled: a GatiVersion with the labels the GatiVersion controller's sync gives it. */
function labelled(v: KubeObject, handlers: KubeObject[]): KubeObject {
  const related = {
    [groupKey(GATI_HANDLER)]: Object.fromEntries(handlers.map((h) => [keyOf(h), h])),
  };
  const res = HOOKS.gativersion.sync(versionRequest(v, related), NOW);
  const labels: Record<string, string> = {
    ...(v.metadata.labels as Record<string, string> | undefined),
    ...(res.labels as Record<string, string> | undefined),
  };
  return { ...v, metadata: { ...v.metadata, labels } };
}

const handlerLabel = (v: KubeObject) =>
  (v.metadata.labels as Record<string, string> | undefined)?.['gati.dev/handler'];

for (const doc of all) {
  const controller = CONTROLLER[doc.object.kind as keyof typeof CONTROLLER];
  if (!controller) continue;
  const fixture = fixtureName(doc.file);
  const handlers = all
    .filter((d) => d.file === doc.file && d.object.kind === 'GatiHandler')
    .map((d) => d.object as KubeObject);
  const versions = all
    .filter((d) => d.file === doc.file && d.object.kind === 'GatiVersion')
    .map((d) => labelled(d.object as KubeObject, handlers))
    .filter((v) => handlerLabel(v) === doc.object.metadata.name);
  t.test(`${controller}/${fixture}`, async (t) => {
    const req = syncRequest(controller, doc.object);
    if (versions.length > 0)
      req.related = {
        [groupKey(GATI_VERSION)]: Object.fromEntries(versions.map((v) => [keyOf(v), v as any])),
      };
    const res = HOOKS[controller].sync(req, NOW);
    for (const c of res.children)
      t.doesNotThrow(() => validateKube(c), `${c.kind} ${c.metadata?.name} validates upstream`);
    assertGolden(t, `${controller}/${fixture}`, res.children);
  });
}
