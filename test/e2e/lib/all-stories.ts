import { COST_STORIES } from './cost-stories.js';
import { POLICY_STORIES } from './policy-stories.js';
import { SIGNAL_STORIES } from './signal-stories.js';
import { STORIES, type Story } from './stories.js';
import { TRAFFIC_STORIES } from './traffic-stories.js';

/** Every story, in the order the loop suite lists them (test/loop/loop.test.ts). */
export const ALL_STORIES: Story[] = [
  ...STORIES,
  ...TRAFFIC_STORIES,
  ...SIGNAL_STORIES,
  ...COST_STORIES,
  ...POLICY_STORIES,
];
