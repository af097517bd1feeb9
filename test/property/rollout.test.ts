import fc from 'fast-check';
import t from 'tap';
import { ROLLOUT_ACTIONS } from '../../src/api/rollout.js';
import type { Observation } from '../../src/api/signals.js';
import { Driver, spec } from '../timescape/lib.js';

// Rollout control under any sequence of spec changes, actions, availability and analysis
// observations (docs/progressive-delivery.md): the weighted rule is never all-zero, a version
// whose rollout was aborted or reverted never gains traffic until it is rolled out again,
// and the same request always gives the same plan.

type Event =
  | { kind: 'wait'; seconds: number }
  | { kind: 'version'; id: string }
  | { kind: 'action'; value: string | undefined }
  | { kind: 'availability'; id: string; up: boolean }
  | { kind: 'metric'; obs: Observation | { value: number } | undefined };

const ids = fc.constantFrom('v1', 'v2', 'v3');
const event: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .integer({ min: 1, max: 90 })
      .map((seconds) => ({ kind: 'wait', seconds }) as const),
  },
  { weight: 2, arbitrary: ids.map((id) => ({ kind: 'version', id }) as const) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        // Every action the API knows (a new one is exercised without editing this test), none,
        // and one it does not know.
        fc.constantFrom(undefined, ...ROLLOUT_ACTIONS, 'bogus'),
        fc.constantFrom('', '@1', '@2'),
      )
      .map(([a, tok]) => ({ kind: 'action', value: a && a + tok }) as const),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(ids, fc.boolean())
      .map(([id, up]) => ({ kind: 'availability', id, up }) as const),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<Observation | { value: number } | undefined>(
        { value: 0 },
        { value: 1 },
        { inconclusive: 'Unreachable' },
        { inconclusive: 'ManySeries', detail: '2 series' },
        undefined,
      )
      .map((obs) => ({ kind: 'metric', obs }) as const),
  },
);

function setAvailable(d: Driver, id: string, up: boolean): void {
  if (up) d.unavailable.delete(id);
  else d.unavailable.add(id);
}

const ANALYSIS = {
  metricQuery: 'q',
  threshold: 0.5,
  intervalSeconds: 20,
  failureLimit: 2,
  inconclusiveLimit: 3,
};

function run(events: Event[], withAnalysis: boolean): void {
  const d = new Driver();
  const extra = withAnalysis
    ? {
        rollout: {
          steps: [
            { weight: 10, pauseSeconds: 30 },
            { weight: 50, pauseSeconds: 30 },
          ],
          analysis: ANALYSIS,
        },
      }
    : {};
  let now = 0;
  let version = 'v1';
  let obs: Observation | { value: number } | undefined;
  /** Versions an abort or revert moved away from, with the most traffic they may have now. */
  const capped = new Map<string, number>();
  const sync = () => {
    const sp = spec(version, extra);
    const last = d.status?.rollout;
    const plan = d.sync(now, sp, obs);
    // The weighted rule is never all-zero: a backend with weight means some weight > 0.
    const weighted = plan.versions.filter((v) => v.weight !== undefined);
    if (weighted.length > 0 && !weighted.some((v) => (v.weight ?? 0) > 0))
      throw new Error(`all-zero weighted rule at t=${now}: ${JSON.stringify(d.weights())}`);
    const r = plan.rollout;
    // Rolled out again (a new rollout of it started: spec.version changed to it, or retry): no cap.
    const fresh =
      last?.phase === 'Aborted' ||
      r.startedAt !== last?.startedAt ||
      r.versionId !== last?.versionId;
    if (fresh && r.phase !== 'Aborted') capped.delete(r.versionId);
    for (const [id, cap] of capped) {
      const pct = d.version(id)?.trafficPercent ?? 0;
      if (pct > cap)
        throw new Error(`${id} rose to ${pct}% (cap ${cap}%) after its abort, at t=${now}`);
    }
    if (r.phase === 'Aborted' && !capped.has(r.versionId))
      capped.set(r.versionId, d.version(r.versionId)?.trafficPercent ?? 0);
  };
  sync();
  for (const e of events) {
    if (e.kind === 'wait') now += e.seconds;
    else if (e.kind === 'version') version = e.id;
    else if (e.kind === 'action') d.action(e.value);
    else if (e.kind === 'availability') setAvailable(d, e.id, e.up);
    else obs = e.obs;
    sync();
  }
}

t.test(
  'any story of spec changes, actions, availability and metrics keeps the invariants',
  async (t) => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 40 }), fc.boolean(), (events, a) => {
        run(events, a);
      }),
      { seed: 20261201, numRuns: 400 },
    );
    t.pass('400 generated stories');
  },
);

t.test('the same request gives the same bytes, whatever came before', async (t) => {
  fc.assert(
    fc.property(fc.array(event, { minLength: 1, maxLength: 25 }), (events) => {
      const d = new Driver();
      let now = 0;
      let version = 'v1';
      d.sync(now, spec(version));
      for (const e of events) {
        if (e.kind === 'wait') now += e.seconds;
        else if (e.kind === 'version') version = e.id;
        else if (e.kind === 'action') d.action(e.value);
        else if (e.kind === 'availability') setAvailable(d, e.id, e.up);
        const snapshot = d.snapshot();
        const a = JSON.stringify(d.sync(now, spec(version)));
        d.restore(snapshot);
        const b = JSON.stringify(d.sync(now, spec(version)));
        if (a !== b) throw new Error(`t=${now}: two answers to one request`);
      }
    }),
    { seed: 20261202, numRuns: 200 },
  );
  t.pass('200 generated stories');
});
