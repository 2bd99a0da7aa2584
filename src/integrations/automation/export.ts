/**
 * `agentmeter export automation-metrics --out logs/automation_metrics.jsonl`: one line per
 * optimisation session with the seed's field names (docs/automation.md), written atomically.
 * The eight acceptance-criteria fields are always present (`null` when unknown, never
 * `Infinity`); `timestamp` is the session's end as UTC ISO-8601. The other counts follow
 * when the session has them.
 */
import type { Span } from '../../model/span.js';
import { collectStore } from '../../store/index.js';
import type { CollectOptions } from '../../store/index.js';
import { writeFileAtomic } from '../../store/index.js';
import { jsonLines } from '../source-files.js';
import { NUMBER_FIELDS, SEED_FIELDS, TEXT_FIELDS } from './record-fields.js';

/** The seed's line for one optimisation span. */
export function automationLine(s: Span): Record<string, unknown> {
  const line: Record<string, unknown> = {};
  for (const k of SEED_FIELDS) line[k] = k === 'timestamp' ? new Date(s.endMs ?? s.startMs).toISOString() : (s.attrs[k] ?? null);
  for (const k of [...NUMBER_FIELDS, ...TEXT_FIELDS]) if (!(k in line) && s.attrs[k] !== undefined) line[k] = s.attrs[k];
  if (line['status'] === undefined && s.status !== null) line['status'] = typeof s.attrs['status.detail'] === 'string' ? s.attrs['status.detail'] : s.status;
  return line;
}

/**
 * Write the sessions of the store as the seed's JSONL.
 *
 * @example
 * await exportAutomationMetrics({ dir: '.agentmeter', out: 'logs/automation_metrics.jsonl' })
 */
export async function exportAutomationMetrics(o: CollectOptions & { out: string }): Promise<{ sessions: number; skipped: number }> {
  const c = await collectStore({ ...o, kinds: ['optimization'] });
  const sessions = c.spans.filter((s) => s.kind === 'optimization' && s.state === 'ended').sort((a, b) => (a.endMs ?? a.startMs) - (b.endMs ?? b.startMs));
  await writeFileAtomic(o.out, jsonLines(sessions.map(automationLine)));
  return { sessions: sessions.length, skipped: c.skipped };
}
