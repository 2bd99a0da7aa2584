/**
 * `agentmeter export csv --out <dir>`: runs, issues, agents, pipelines and debugging cycles as
 * five CSV files for spreadsheets and notebooks. One header vocabulary across the files: the
 * same concept has the same column name everywhere (`run_id`, `issue_iid`, `agent`,
 * `status`, `start_time`, `end_time`, `duration_seconds`, `llm_model` …), so the files join
 * on `run_id` and (`run_id`, `issue_iid`). RFC 4180 quoting; timestamps UTC ISO-8601.
 */
import { join } from 'node:path';
import { percent, runTotals } from '../analytics/index.js';
import type { RunRecord } from '../analytics/index.js';
import type { CollectOptions } from '../store/index.js';
import { writeFileAtomic } from '../store/index.js';
import { collectRunRecords } from './orchestrator/export.js';

type Cell = string | number | boolean | null | undefined;

/** The columns of each file. */
export const CSV_HEADERS = {
  runs: ['run_id', 'project_id', 'llm_provider', 'llm_model', 'llm_temperature', 'execution_mode', 'status', 'start_time', 'end_time', 'duration_seconds', 'issues', 'completed_issues', 'failed_issues', 'success_rate'],
  issues: ['run_id', 'issue_iid', 'llm_model', 'llm_temperature', 'status', 'start_time', 'end_time', 'duration_seconds', 'agent_attempts', 'agent_retries', 'pipeline_attempts', 'succeeded_pipelines', 'failed_pipelines', 'first_pipeline_passed', 'debugging_cycles', 'resolved_cycles', 'total_errors', 'complexity'],
  agents: ['run_id', 'issue_iid', 'agent', 'attempts', 'successes', 'failures', 'retries', 'duration_seconds'],
  pipelines: ['run_id', 'issue_iid', 'attempt', 'pipeline_id', 'status', 'commit_sha', 'timestamp'],
  debugging_cycles: ['run_id', 'issue_iid', 'cycle', 'agent', 'error_type', 'error_message', 'attempts', 'resolved', 'start_time', 'end_time', 'duration_seconds'],
} as const;

// A text cell starting with one of these runs as a formula in spreadsheet programs (OWASP
// "CSV injection"); error messages and keys come from recorded data, so they get a quote.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: text defused against formulas, quoted when it holds a comma, quote, or line break. */
export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = typeof v === 'string' && FORMULA_START.test(v) ? `'${v}` : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(header: readonly string[], rows: Cell[][]): string {
  return [header.join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n') + '\r\n';
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The five tables' rows, from run records. */
export function csvTables(runs: readonly RunRecord[]): Record<keyof typeof CSV_HEADERS, Cell[][]> {
  const t: Record<keyof typeof CSV_HEADERS, Cell[][]> = { runs: [], issues: [], agents: [], pipelines: [], debugging_cycles: [] };
  for (const r of runs) {
    const completed = r.issues.filter((i) => i.status === 'completed').length;
    const failed = r.issues.filter((i) => i.status === 'failed').length;
    // The seed's run success rate: successes / issues processed (unfinished issues count against it).
    t.runs.push([r.runId, r.projectId, r.provider, r.model, r.temperature, r.mode, r.status, iso(r.startMs), iso(r.endMs), r.durationSeconds, r.issues.length, completed, failed, percent(runTotals(r).total_successes, r.issues.length)]);
    for (const i of r.issues) {
      const metrics = Object.entries(i.agentMetrics);
      t.issues.push([
        r.runId, i.iid, r.model, r.temperature, i.status, iso(i.startMs), iso(i.endMs), i.durationSeconds,
        metrics.reduce((n, [, m]) => n + m.attempts, 0), i.totalAgentRetries, i.pipelines.length,
        i.pipelines.filter((p) => p.status === 'success').length, i.pipelines.filter((p) => p.status === 'failed').length,
        i.firstPipelinePassed, i.debugging.length, i.debugging.filter((d) => d.resolved).length, i.totalErrors, i.complexity,
      ]);
      for (const [agent, m] of metrics) t.agents.push([r.runId, i.iid, agent, m.attempts, m.successes, m.failures, m.retries, m.duration]);
      i.pipelines.forEach((p, k) => t.pipelines.push([r.runId, i.iid, k + 1, p.pipeline_id, p.status, p.commit_sha, p.timestamp]));
      i.debugging.forEach((d, k) =>
        t.debugging_cycles.push([r.runId, i.iid, k + 1, d.agent, d.error_type, d.error_message, d.attempts, d.resolved, d.start_time, d.end_time, d.duration_seconds]),
      );
    }
  }
  return t;
}

/**
 * Write the five CSV files under `out`.
 *
 * @example
 * await exportCsv({ dir: '.agentmeter', out: 'analysis' })
 */
export async function exportCsv(o: CollectOptions & { out: string }): Promise<{ files: string[]; rows: Record<string, number>; skipped: number }> {
  const c = await collectRunRecords(o);
  const tables = csvTables(c.runs);
  const files: string[] = [];
  const rows: Record<string, number> = {};
  for (const name of Object.keys(CSV_HEADERS) as (keyof typeof CSV_HEADERS)[]) {
    const path = join(o.out, `${name}.csv`);
    await writeFileAtomic(path, csv(CSV_HEADERS[name], tables[name]));
    files.push(path);
    rows[name] = tables[name].length;
  }
  return { files, rows, skipped: c.skipped };
}
