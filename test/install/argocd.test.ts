// The Argo CD health check runs in a real Lua interpreter when one is installed
// (apt-get install lua5.4); Argo CD itself uses gopher-lua (5.1), so the script sticks to 5.1.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { exampleApplication, HEALTH_LUA } from '../../src/install/argocd.js';
import { ROOT } from '../helpers/fixtures.js';

function findLua(): string | undefined {
  for (const bin of ['lua5.1', 'lua5.4', 'lua5.3', 'lua']) {
    try {
      execFileSync(bin, ['-v'], { stdio: 'ignore' });
      return bin;
    } catch {
      // try the next name
    }
  }
  return undefined;
}
const lua = findLua();

/** toLua writes a JSON value as a Lua table constructor. */
function toLua(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `{${v.map(toLua).join(', ')}}`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `[${JSON.stringify(k)}] = ${toLua(x)}`)
    .join(', ')}}`;
}

const cond = (
  type: string,
  status: string,
  reason = 'R',
  message = '',
): Record<string, string> => ({ type, status, reason, message });
const gh = (status?: Record<string, unknown>, generation = 2): Record<string, unknown> => ({
  apiVersion: 'gati.dev/v1alpha1',
  kind: 'GatiHandler',
  metadata: { name: 'user-handler', generation },
  ...(status ? { status } : {}),
});

const cases: Array<{
  reason: string;
  obj: Record<string, unknown>;
  want: string;
  message?: RegExp;
}> = [
  {
    reason: 'no status yet',
    obj: gh(),
    want: 'Progressing',
    message: /Waiting for the Gati operator/,
  },
  {
    reason: 'status from an older generation',
    obj: gh({ observedGeneration: 1, conditions: [cond('Ready', 'True')] }),
    want: 'Progressing',
    message: /observe generation 2/,
  },
  {
    reason: 'ready',
    obj: gh({
      observedGeneration: 2,
      conditions: [cond('Ready', 'True', 'Available', 'all versions available')],
    }),
    want: 'Healthy',
    message: /Available: all versions available/,
  },
  {
    reason: 'ready but still rolling out',
    obj: gh({
      observedGeneration: 2,
      conditions: [
        cond('Ready', 'True'),
        cond('Reconciling', 'True', 'RolloutStep', 'step 1 of 3'),
      ],
    }),
    want: 'Progressing',
    message: /RolloutStep/,
  },
  {
    reason: 'a rollout paused by hand is Suspended',
    obj: gh({
      observedGeneration: 2,
      conditions: [
        cond('Ready', 'False', 'RolloutPaused', 'v1 → v2: Paused'),
        cond('Reconciling', 'True', 'RolloutPaused'),
      ],
    }),
    want: 'Suspended',
    message: /RolloutPaused: v1 → v2: Paused/,
  },
  {
    reason: 'stalled wins over ready',
    obj: gh({
      observedGeneration: 2,
      conditions: [
        cond('Ready', 'True'),
        cond('Stalled', 'True', 'RouteLimit', 'too many versions'),
      ],
    }),
    want: 'Degraded',
    message: /RouteLimit: too many versions/,
  },
  {
    reason: 'invalid spec',
    obj: gh({
      observedGeneration: 2,
      conditions: [cond('Ready', 'False', 'InvalidSpec', 'spec.port: bad')],
    }),
    want: 'Degraded',
    message: /InvalidSpec/,
  },
  {
    reason: 'phase Failed',
    obj: gh({
      observedGeneration: 2,
      phase: 'Failed',
      conditions: [cond('Ready', 'False', 'ProgressDeadlineExceeded')],
    }),
    want: 'Degraded',
    message: /ProgressDeadlineExceeded/,
  },
  {
    reason: 'not ready yet',
    obj: gh({
      observedGeneration: 2,
      conditions: [cond('Ready', 'False', 'Pending', 'waiting for pods')],
    }),
    want: 'Progressing',
    message: /Pending: waiting for pods/,
  },
  {
    reason: 'status without conditions',
    obj: gh({ observedGeneration: 2 }),
    want: 'Progressing',
    message: /Not ready yet/,
  },
  {
    reason: 'stalled False is fine',
    obj: gh({
      observedGeneration: 2,
      conditions: [cond('Stalled', 'False'), cond('Ready', 'True', 'Ready')],
    }),
    want: 'Healthy',
  },
];

t.test(
  'the health check maps conditions to Argo CD health',
  { skip: lua ? false : 'no Lua interpreter on PATH (apt-get install lua5.4 to run this check)' },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'gati-lua-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    for (const c of cases) {
      const file = join(dir, 'case.lua');
      writeFileSync(
        file,
        `local obj = ${toLua(c.obj)}\nlocal hs = (function()\n${HEALTH_LUA}\nend)()\nio.write(hs.status, "\\n", hs.message or "")\n`,
      );
      const [status, message] = execFileSync(lua!, [file], { encoding: 'utf8' }).split('\n');
      t.equal(status, c.want, c.reason);
      if (c.message) t.match(message, c.message, `${c.reason}: message`);
    }
  },
);

t.test('the health check avoids what gopher-lua (Lua 5.1) lacks', async (t) => {
  t.notMatch(HEALTH_LUA, /\bgoto\b|\/\/|string\.pack|utf8\.|<const>|<close>/);
  t.equal(readFileSync(join(ROOT, 'manifests/extras/argocd/health.lua'), 'utf8'), HEALTH_LUA);
});

t.test(
  'argocd-cm patch registers the check and the ignore rules for every Gati kind',
  async (t) => {
    const cm = parse(
      readFileSync(join(ROOT, 'manifests/extras/argocd/argocd-cm-patch.yaml'), 'utf8'),
    ) as { metadata: { name: string }; data: Record<string, string> };
    t.equal(cm.metadata.name, 'argocd-cm');
    for (const kind of ['GatiHandler', 'GatiModule', 'GatiVersion']) {
      t.equal(
        cm.data[`resource.customizations.health.gati.dev_${kind}`],
        HEALTH_LUA,
        `${kind} health`,
      );
      const ignore = parse(
        cm.data[`resource.customizations.ignoreDifferences.gati.dev_${kind}`]!,
      ) as Record<string, string[]>;
      t.strictSame(
        ignore.managedFieldsManagers,
        ['metacontroller'],
        `${kind}: fields Metacontroller manages`,
      );
      t.strictSame(
        ignore.jqPathExpressions,
        ['.metadata.finalizers'],
        `${kind}: the finalizer Metacontroller adds`,
      );
    }
  },
);

t.test('the example Application validates and carries the per-application rules', async (t) => {
  const app = exampleApplication() as any;
  t.doesNotThrow(() => new Application(app).validate());
  t.strictSame(
    app.spec.ignoreDifferences.map((r: any) => `${r.group}/${r.kind}`),
    ['gati.dev/GatiHandler', 'gati.dev/GatiModule', 'gati.dev/GatiVersion', 'apps/Deployment'],
  );
  t.ok(
    app.spec.syncPolicy.syncOptions.includes('RespectIgnoreDifferences=true'),
    'ignore rules also apply when syncing',
  );
});
