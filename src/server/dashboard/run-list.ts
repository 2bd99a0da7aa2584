import type { Span } from '../../model/index.js';
import { QueryError, includesEnv, matches } from './query.js';
import type { DashboardQuery } from './query.js';

/** One row of the run list. */
export interface RunRow {
  run_id: string;
  name: string;
  env: string;
  start: string;
  duration_ms: number | null;
  status: Span['status'];
  state: Span['state'];
  project: string | null;
  model: string | null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/**
 * `GET /api/runs`: runs started in the window that pass the filters, newest first, searched
 * by a case-insensitive substring of name, id, project or model, and by status (a final
 * status, or `open` / `abandoned`). Paged: the browser never holds the whole list.
 */
export function listRuns(
  runs: readonly Span[],
  q: DashboardQuery,
  o: { text: string; status: string; limit: string | null; offset: string | null },
): { total: number; offset: number; runs: RunRow[] } {
  const limit = o.limit === null ? 50 : Number(o.limit);
  const offset = o.offset === null ? 0 : Number(o.offset);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new QueryError('limit must be a whole number from 1 to 500');
  if (!Number.isInteger(offset) || offset < 0) throw new QueryError('offset must be a whole number ≥ 0');
  const text = o.text.trim().toLowerCase();
  const rows: RunRow[] = [];
  let total = 0;
  for (const r of runs) {
    if (r.startMs < q.sinceMs || r.startMs >= q.untilMs || !includesEnv(q, r.env)) continue;
    if (q.where.length > 0 && !matches(q, r)) continue;
    if (o.status !== '' && r.status !== o.status && r.state !== o.status) continue;
    const project = str(r.attrs['project']);
    const model = str(r.attrs['gen_ai.request.model']);
    if (text !== '' && ![r.name, r.runId, project ?? '', model ?? ''].some((f) => f.toLowerCase().includes(text))) continue;
    if (total >= offset && rows.length < limit) {
      rows.push({ run_id: r.runId, name: r.name, env: r.env, start: new Date(r.startMs).toISOString(), duration_ms: r.durationMs, status: r.status, state: r.state, project, model });
    }
    total++;
  }
  return { total, offset, runs: rows };
}
