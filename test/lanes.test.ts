import t from 'tap';
import {
  fitsBeside,
  laneOrder,
  nextStory,
  runsAlone,
  sendsTraffic,
  type LaneStory,
} from './e2e/lib/lanes.js';
import { ALL_STORIES } from './e2e/lib/all-stories.js';

// The loop suite's lanes (test/e2e/lib/lanes.ts) decide which stories share the machine; a
// wrong decision shows only as a rare flake in a 10-minute run, so the rules are checked here
// on a simulated run: every story runs once, and nothing overlaps that must not.

interface Sim extends LaneStory {
  slug: string;
  seconds: number;
}

/** Seconds each story took in a loop run (2026-12-07, one by one); a new story counts 30. */
const MEASURED: Record<string, number> = {
  seed: 1,
  idle: 30,
  rollout: 50,
  drain: 27,
  breaking: 16,
  deadline: 22,
  invalid: 6,
  cascade: 3,
  failing: 36,
  gateway: 28,
  'gateway-lag': 38,
  nsdelete: 13,
  revert: 13,
  pause: 41,
  abort: 19,
  conflict: 8,
  'traffic-split': 20,
  'traffic-pins': 5,
  'analysis-rollback': 69,
  'drain-by-traffic': 69,
  'zero-downtime': 21,
  hostile: 15,
  moves: 47,
  'rollback-window': 7,
  proportional: 42,
  sunset: 80,
  bridge: 15,
  policy: 21,
  baseline: 49,
  webhooks: 40,
  events: 13,
};

/** The loop suite's own stories, each taking its measured time. */
const STORIES: Sim[] = ALL_STORIES.map((s) => ({
  slug: s.slug,
  alone: s.alone,
  needs: s.needs,
  seconds: MEASURED[s.slug] ?? 30,
}));

const S = (slug: string, seconds: number, extra: Partial<Sim> = {}): Sim => ({
  slug,
  seconds,
  ...extra,
});

interface Interval {
  story: Sim;
  start: number;
  end: number;
}

/** simulate runs `stories` through the lanes as runStories does, each taking its seconds. */
function simulate(stories: Sim[], lanes: number): { runs: Interval[]; total: number } {
  const queue = laneOrder(stories, lanes);
  const running: Interval[] = [];
  const runs: Interval[] = [];
  let now = 0;
  while (queue.length > 0 || running.length > 0) {
    const next = nextStory(
      queue,
      running.map((r) => r.story),
      lanes,
    );
    if (next) {
      queue.splice(queue.indexOf(next), 1);
      const run = { story: next, start: now, end: now + next.seconds };
      running.push(run);
      runs.push(run);
      continue;
    }
    if (running.length === 0) throw new Error(`stuck with ${queue.map((s) => s.slug)}`);
    running.sort((a, b) => a.end - b.end);
    now = running.shift()!.end;
  }
  return { runs, total: now };
}

const overlap = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end;

for (const lanes of [1, 2, 3]) {
  t.test(`${lanes} lane(s): each story once, and nothing beside what must run alone`, async (t) => {
    const { runs, total } = simulate(STORIES, lanes);
    t.same(runs.map((r) => r.story.slug).sort(), STORIES.map((s) => s.slug).sort());
    const clashes: string[] = [];
    for (const [i, a] of runs.entries())
      for (const b of runs.slice(i + 1)) {
        if (!overlap(a, b)) continue;
        if (runsAlone(a.story) || runsAlone(b.story))
          clashes.push(`${a.story.slug} beside ${b.story.slug} (one runs alone)`);
        if (sendsTraffic(a.story) && sendsTraffic(b.story))
          clashes.push(`${a.story.slug} beside ${b.story.slug} (both send traffic)`);
      }
    t.same(clashes, [], 'no clash');
    for (const r of runs) {
      const at = runs.filter((x) => x.start <= r.start && r.start < x.end).length;
      t.ok(at <= lanes, `${r.story.slug}: ${at} running when it started (lanes ${lanes})`);
    }
    const serial = STORIES.reduce((n, s) => n + s.seconds, 0);
    if (lanes === 1) {
      t.same(
        runs.map((r) => r.story.slug),
        STORIES.map((s) => s.slug),
        'one lane keeps the list order',
      );
      t.equal(total, serial);
    } else t.ok(total < serial * 0.8, `${total}s side by side against ${serial}s one by one`);
  });
}

t.test("the suite's stories: what reads shared state runs alone", async (t) => {
  const alone = STORIES.filter(runsAlone).map((s) => s.slug);
  for (const slug of ['seed', 'idle', 'rollout', 'failing', 'gateway-lag', 'hostile'])
    t.ok(alone.includes(slug), `${slug} runs alone`);
  t.ok(STORIES.length >= 31, `${STORIES.length} stories`);
});

t.test('the rules one by one', async (t) => {
  const plain = S('plain', 1);
  const traffic = S('traffic', 1, { needs: ['traffic'] });
  const knob = S('knob', 1, { needs: ['failHooks'] });
  const alone = S('alone', 1, { alone: true });
  t.ok(runsAlone(knob), 'a knob makes a story run alone');
  t.ok(runsAlone(alone));
  t.notOk(runsAlone(traffic), 'traffic alone does not');
  t.ok(fitsBeside(knob, []), 'a story that runs alone fits on an empty machine');
  t.notOk(fitsBeside(knob, [plain]));
  t.notOk(fitsBeside(plain, [alone]), 'nothing fits beside one that runs alone');
  t.notOk(fitsBeside(traffic, [S('t2', 1, { needs: ['traffic'] })]));
  t.ok(fitsBeside(traffic, [plain]));
  t.equal(nextStory([plain, knob, traffic], [], 2), plain, 'a barrier holds back what follows');
  t.equal(nextStory([plain, traffic], [], 2), traffic, 'traffic goes first');
  t.equal(nextStory([plain], [plain], 1), undefined, 'no free lane');
  t.equal(nextStory([knob], [plain], 2), undefined, 'waits for the machine to empty');
});
