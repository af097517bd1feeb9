import type { Condition } from '../api/common.js';
import { ROLLOUT_ACTION_ANNOTATION } from '../api/keys.js';
import type { GatiHandlerStatus } from '../api/gatihandler-status.js';

/** The parts of a GatiHandler `rollout status` shows. */
export interface HandlerView {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: { version?: string };
  status?: GatiHandlerStatus;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function rolloutLines(s: GatiHandlerStatus): string[] {
  const r = s.rollout;
  if (!r) return ['Rollout      none recorded yet'];
  const what = r.previousVersionId
    ? `${r.previousVersionId} → ${r.versionId}`
    : r.move?.kind === 'Weight'
      ? `${r.versionId} weight ${r.move.fromWeight} → ${r.move.toWeight}`
      : r.versionId;
  const kind = r.move ? ` ${r.move.kind}` : '';
  const lines = [
    `Rollout     ${kind} ${what}  ${r.phase}${r.reason ? ` (${r.reason})` : ''}  step ${r.step + 1}  ${r.stepWeight}% of the move  ${r.versionId} has ${r.trafficPercent ?? 0}% of traffic`,
  ];
  if (r.stepEndsAt && r.phase === 'Progressing') lines.push(`Step ends    ${r.stepEndsAt}`);
  if (r.message) lines.push(`Message      ${r.message}`);
  const a = r.analysis;
  if (a)
    lines.push(
      `Analysis     ${a.lastResult ?? 'no check yet'}${a.lastCheckAt ? ` at ${a.lastCheckAt}` : ''}${a.message ? `: ${a.message}` : ''}; ${a.passes} passed, ${a.failures} failed, ${a.inconclusive} inconclusive (${a.failuresInARow} failed, ${a.inconclusiveInARow} inconclusive in a row)`,
    );
  if (r.queue?.length)
    lines.push(
      `Waiting      ${r.queue.map((q) => `${q.versionId} (${q.kind}, weight ${q.toWeight}, since ${q.since})`).join(', ')}`,
    );
  const act = r.lastAction;
  if (act)
    lines.push(
      `Last action  ${act.value} ${act.outcome} at ${act.at}: ${act.message}${act.cleared ? ' (annotation removed since)' : ''}`,
    );
  return lines;
}

function versionRows(s: GatiHandlerStatus): string[] {
  const rows = [
    ['VERSION', 'PHASE', 'WEIGHT', 'EFFECTIVE', 'TRAFFIC', 'PINNED', 'AVAILABLE', 'REASON'],
  ];
  for (const v of s.versions ?? [])
    rows.push([
      v.versionId,
      v.phase,
      String(v.desiredWeight),
      String(v.effectiveWeight),
      `${v.trafficPercent}%`,
      v.pinned ? 'yes' : 'no',
      String(v.availableReplicas),
      v.reason ?? '',
    ]);
  return table(rows);
}

function conditionRows(conditions: Condition[]): string[] {
  const rows = [['CONDITION', 'STATUS', 'REASON', 'MESSAGE']];
  for (const c of conditions) rows.push([c.type, c.status, c.reason, c.message]);
  return table(rows);
}

/** renderRollout is what `gati-operator rollout status` prints for one handler. */
export function renderRollout(h: HandlerView): string {
  const s = h.status ?? {};
  const id = `${h.metadata.namespace ?? 'default'}/${h.metadata.name}`;
  const action = h.metadata.annotations?.[ROLLOUT_ACTION_ANNOTATION];
  const out = [
    `GatiHandler  ${id}  spec.version ${h.spec?.version ?? '?'}  phase ${s.phase ?? 'unknown'}${action ? `  rollout-action ${action}` : ''}`,
    ...rolloutLines(s),
    '',
    ...versionRows(s),
  ];
  if (s.conditions?.length) out.push('', ...conditionRows(s.conditions));
  return `${out.join('\n')}\n`;
}
