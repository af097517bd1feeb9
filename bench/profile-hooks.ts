/**
 * Profile helper: runs one set's pure hook in a loop so `node --cpu-prof` sees only the hook.
 * `node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-hooks.ts medium 3000`
 * then `tsx bench/top.ts /tmp/prof/<file>.cpuprofile` for the self-time table.
 */
import { callHook } from '../src/hooks/call.js';
import type { SyncRequest } from '../src/api/metacontroller.js';
import { requestSets } from './fixtures.js';

const [name = 'medium', ms = '3000'] = process.argv.slice(2);
const set = requestSets().find((s) => s.name === name);
if (!set) throw new Error(`no set ${name}`);
const request = JSON.parse(set.text) as SyncRequest;
const end = Date.now() + Number(ms);
let n = 0;
while (Date.now() < end) {
  callHook(set.controller, 'sync', request, { now: new Date('2026-01-01T00:02:00Z') });
  n++;
}
console.log(`${name}: ${n} calls, ${((Number(ms) * 1000) / n).toFixed(1)} µs per call`);
