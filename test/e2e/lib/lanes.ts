/**
 * How runStories puts stories side by side (docs/testing.md, "Stories side by side"). Pure, so
 * the rules are tested without a cluster (test/lanes.test.ts).
 */

/** What the lanes look at in a story. */
export interface LaneStory {
  alone?: boolean;
  needs?: readonly string[];
}

/**
 * Whether `story` runs with nothing beside it: it says so, or it needs a knob — a knob acts on
 * a process every story shares (the hook server, the gateway, the Prometheus front).
 */
export const runsAlone = (story: LaneStory): boolean =>
  story.alone === true || (story.needs ?? []).some((k) => k !== 'traffic');

export const sendsTraffic = (story: LaneStory): boolean => (story.needs ?? []).includes('traffic');

/** Whether a story may start beside `others`: neither runs alone, and not two sending traffic. */
export function fitsBeside(story: LaneStory, others: readonly LaneStory[]): boolean {
  if (runsAlone(story) || others.some(runsAlone)) return others.length === 0;
  return !(sendsTraffic(story) && others.some(sendsTraffic));
}

/** The order stories are taken in: as listed, or, side by side, those that run alone first. */
export function laneOrder<S extends LaneStory>(stories: readonly S[], lanes: number): S[] {
  return lanes > 1
    ? [...stories.filter(runsAlone), ...stories.filter((s) => !runsAlone(s))]
    : [...stories];
}

/**
 * nextStory: the story of `queue` to start now beside `running`, if any. One lane takes the
 * queue in order. Side by side, only the stories before the first one that runs alone may
 * start (it is a barrier), and a story that sends traffic goes before the others: those can
 * only run one at a time.
 */
export function nextStory<S extends LaneStory>(
  queue: readonly S[],
  running: readonly LaneStory[],
  lanes: number,
): S | undefined {
  if (running.length >= lanes) return undefined;
  if (lanes <= 1) return queue[0]; // one by one: exactly the list order
  const barrier = queue.findIndex(runsAlone);
  const open = barrier === -1 ? queue : queue.slice(0, Math.max(barrier, 1));
  const fits = open.filter((story) => fitsBeside(story, running));
  return fits.find(sendsTraffic) ?? fits[0];
}
