/**
 * `agentmeter import automation-metrics logs/automation_metrics.jsonl`: one optimisation span
 * per line. Python's bare `Infinity`/`NaN` read as unknown; float epoch timestamps, epoch ms
 * and ISO strings are accepted (`timestamp` is when the session ended); zero latencies from
 * offline runs are kept as recorded and left out of speedups by the report. Fields outside
 * the seed's list (raw prompts, hardware fingerprints) are dropped and counted.
 */
import { createHash } from 'node:crypto';
import { normalizeStatus } from '../../model/status.js';
import { parseTimestamp } from '../../model/time.js';
import { stringifyFinite } from '../../model/codec.js';
import { EventWriter, sourceEnv } from '../event-writer.js';
import type { EventWriterOptions } from '../event-writer.js';
import { addSkip, emptyImportResult, readJsonl } from '../source-files.js';
import type { ImportResult } from '../source-files.js';
import { optimizationFields } from './record-fields.js';

export const AUTOMATION_SOURCE = 'automation-metrics';

/** What the automation importer adds to `ImportResult`. */
export interface AutomationImportResult extends ImportResult {
  /** Field names dropped (prompts, fingerprints, unknown), with how many records had them. */
  droppedFields: Record<string, number>;
}

/**
 * Import one automation-metrics JSONL file.
 *
 * @example
 * await importAutomationMetrics({ from: 'logs/automation_metrics.jsonl', dir: '.agentmeter', env: 'prod' })
 */
export async function importAutomationMetrics(o: Omit<EventWriterOptions, 'source'> & { from: string }): Promise<AutomationImportResult> {
  const result: AutomationImportResult = { ...emptyImportResult(), droppedFields: {} };
  const w = new EventWriter({ ...o, source: AUTOMATION_SOURCE });
  const found = await readJsonl(
    o.from,
    (rec, line) => {
      result.records++;
      const f = optimizationFields(rec, w.redact);
      for (const d of f.dropped) result.droppedFields[d] = (result.droppedFields[d] ?? 0) + 1;
      const endMs = parseTimestamp(f.timestamp);
      if (endMs === undefined) f.errors.push(`timestamp ${JSON.stringify(f.timestamp ?? null)} is not an ISO time or epoch number`);
      if (f.errors.length > 0 || endMs === undefined) {
        addSkip(result, { file: o.from, line, reason: f.errors.join('; ') });
        return;
      }
      const wall = typeof f.attrs['wallclock_seconds'] === 'number' ? f.attrs['wallclock_seconds'] : null;
      const durationMs = wall !== null ? wall * 1000 : null;
      const promoted = f.attrs['promoted'];
      const word = typeof f.attrs['status'] === 'string' ? f.attrs['status'] : undefined;
      const status = word !== undefined ? normalizeStatus(word) : typeof promoted === 'number' && promoted > 0 ? 'success' : 'failure';
      if (word !== undefined && word !== status) f.attrs['status.detail'] = word;
      delete f.attrs['status'];
      // Identical records are one session: the id is the content's hash.
      const canonical = Object.keys(f.attrs).sort().map((k) => [k, f.attrs[k]]);
      const key = createHash('sha256').update(`${endMs}|${stringifyFinite(canonical)}`).digest('hex').slice(0, 24);
      const spanId = `auto_${key}`;
      w.complete({
        spanId, runId: spanId, kind: 'optimization', name: `optimize ${f.operation}`, parentId: null,
        startMs: endMs - Math.round(durationMs ?? 0), endMs, durationMs, status, attrs: f.attrs, idKey: `auto:${key}`, env: sourceEnv(rec['env']),
      });
      result.spans++;
    },
    (s) => addSkip(result, s),
  );
  if (found) result.files++;
  w.close();
  result.dropped = w.stats.dropped;
  return result;
}
