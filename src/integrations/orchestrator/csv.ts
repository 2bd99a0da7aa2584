/**
 * `agentmeter export orchestrator-csv --out logs/csv`: the orchestrator seed's own CSV files, as
 * its `CSVExporter` writes them (docs/orchestrator.md): one `runs.csv` row per finalised run
 * and one `issues.csv` row per finalised issue, in the order they finished, and the other
 * five files with their headers (the seed's supervisor never fills them). The seed's
 * `MetricsAnalyzer` reads `runs.csv`; numbers keep Python's text (`0.0`, `66.66666666666666`)
 * because it groups runs by that text. `agentmeter export csv` is agentmeter's own, richer set.
 */
import { join } from 'node:path';
import type { CollectOptions } from '../../store/index.js';
import { writeFileAtomic } from '../../store/index.js';
import { PyFloat, pyFloatText } from '../py-json.js';
import { collectRunRecords, issueReport, runFinal } from './export.js';

/** The seed's seven files and their headers. */
export const SEED_CSV_HEADERS = {
  runs: ['run_id', 'project_id', 'start_time', 'end_time', 'duration_seconds', 'llm_provider', 'llm_model', 'llm_temperature', 'execution_mode', 'specific_issue', 'status', 'total_issues', 'successful_issues', 'failed_issues', 'success_rate', 'total_errors'],
  issues: [
    'run_id', 'issue_iid', 'start_time', 'end_time', 'duration_seconds', 'status', 'complexity_score', 'total_errors', 'total_pipeline_attempts', 'succeeded_pipelines', 'failed_pipelines',
    'pipeline_success_rate', 'debugging_cycles', 'resolved_cycles', 'debugging_success_rate', 'first_time_right', 'total_agent_retries', 'total_tool_calls', 'total_tokens', 'input_tokens',
    'output_tokens', 'estimated_cost_usd', 'files_created', 'files_modified', 'lines_added', 'lines_deleted', 'commits', 'test_coverage',
  ],
  agents: ['run_id', 'issue_iid', 'agent_name', 'attempt_number', 'start_time', 'end_time', 'duration_seconds', 'success', 'retries', 'tool_calls', 'tokens_used', 'error_message'],
  pipelines: ['run_id', 'issue_iid', 'pipeline_id', 'commit_sha', 'triggered_by', 'retry_attempt', 'start_time', 'end_time', 'duration_seconds', 'status', 'failed_jobs', 'error_type', 'queue_time', 'execution_time'],
  debugging_cycles: ['run_id', 'issue_iid', 'agent', 'error_type', 'error_message', 'start_time', 'end_time', 'duration_seconds', 'attempts', 'resolved', 'resolution_method'],
  errors: ['run_id', 'issue_iid', 'agent', 'error_type', 'error_message', 'timestamp', 'severity', 'resolved'],
  tool_usage: ['run_id', 'issue_iid', 'agent', 'tool_name', 'call_count', 'success_count', 'failure_count', 'avg_duration_ms', 'total_duration_ms'],
} as const;

// A text cell starting with one of these runs as a formula in spreadsheet programs (OWASP "CSV injection").
const FORMULA_START = /^[=+@\t\r]|^-(?![\d.])/;

/** One cell as Python's `csv.writer` writes the value (`None` empty, `True`/`False`, float repr), quoted when needed. */
function cell(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) s = '';
  else if (v instanceof PyFloat) s = pyFloatText(v.value);
  else if (typeof v === 'boolean') s = v ? 'True' : 'False';
  else if (typeof v === 'number') s = Number.isFinite(v) ? String(v) : '';
  else if (typeof v === 'string') s = FORMULA_START.test(v) ? `'${v}` : v;
  else s = JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(rows: unknown[][]): string {
  return rows.map((r) => r.map(cell).join(',') + '\r\n').join('');
}

/**
 * Write the seed's CSV files under `out`.
 *
 * @example
 * await exportOrchestratorCsv({ dir: '.agentmeter', out: 'logs/csv' })
 */
export async function exportOrchestratorCsv(o: CollectOptions & { out: string }): Promise<{ files: string[]; runs: number; issues: number; skipped: number }> {
  const c = await collectRunRecords(o);
  const runs = c.runs;
  const runRows: { ms: number; row: unknown[] }[] = [];
  const issueRows: { ms: number; row: unknown[] }[] = [];
  for (const r of runs) {
    for (const i of r.issues) {
      if (!i.ended) continue;
      const d = issueReport(i, r.runId);
      issueRows.push({
        ms: i.endMs ?? i.startMs,
        row: [
          r.runId, d['issue_iid'], d['start_time'], d['end_time'], d['duration_seconds'] ?? 0, d['status'], 0, d['total_errors'], d['pipeline_attempts'], d['succeeded_pipelines'],
          d['failed_pipelines'], d['pipeline_success_rate'], d['debugging_cycles'], d['resolved_cycles'], d['debugging_success_rate'], false, d['total_agent_retries'],
          0, 0, 0, 0, new PyFloat(0), 0, 0, 0, 0, 0, new PyFloat(0),
        ],
      });
    }
    if (!r.ended) continue;
    const f = runFinal(r);
    const llm = f['llm_configuration'] as Record<string, unknown>;
    runRows.push({
      ms: r.endMs ?? r.startMs,
      row: [
        f['run_id'], f['project_id'], f['start_time'], f['end_time'], f['duration_seconds'] ?? 0, llm['provider'] ?? '', llm['model'] ?? '', llm['temperature'] ?? new PyFloat(0),
        f['execution_mode'] ?? '', f['specific_issue'], f['status'] ?? '', f['total_issues'], f['total_successes'], f['total_errors'], f['success_rate'], f['total_errors'],
      ],
    });
  }
  const byTime = (rows: { ms: number; row: unknown[] }[]): unknown[][] => rows.sort((a, b) => a.ms - b.ms).map((x) => x.row);
  const bodies: Record<keyof typeof SEED_CSV_HEADERS, unknown[][]> = {
    runs: byTime(runRows), issues: byTime(issueRows), agents: [], pipelines: [], debugging_cycles: [], errors: [], tool_usage: [],
  };
  const files: string[] = [];
  for (const name of Object.keys(SEED_CSV_HEADERS) as (keyof typeof SEED_CSV_HEADERS)[]) {
    const path = join(o.out, `${name}.csv`);
    await writeFileAtomic(path, csv([[...SEED_CSV_HEADERS[name]], ...bodies[name]]));
    files.push(path);
  }
  return { files, runs: runRows.length, issues: issueRows.length, skipped: c.skipped };
}
