/**
 * `agentmeter export orchestrator-runs --out logs/runs`: the orchestrator seed's layout
 * (docs/orchestrator.md), every file written atomically:
 *
 * ```
 * <out>/<run_id>_metadata.json                      every run
 * <out>/<run_id>_final.json                         runs that ended
 * <out>/<run_id>/issues/issue_<iid>_metrics.json    every issue
 * <out>/<run_id>/issues/issue_<iid>_report.json     issues that ended
 * ```
 */
import { join } from 'node:path';
import { buildRunRecords, percent, runTotals } from '../../analytics/index.js';
import type { IssueRecord, RunRecord } from '../../analytics/index.js';
import { collectStore } from '../collect.js';
import type { CollectOptions } from '../collect.js';
import { writeFileAtomic } from '../../store/index.js';
import { jsonDocument } from '../source-files.js';

/** What `exportOrchestratorRuns` wrote. */
export interface ExportRunsResult {
  runs: number;
  issues: number;
  files: string[];
  skipped: number;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** `<run_id>_metadata.json`. */
export function runMetadata(r: RunRecord): Record<string, unknown> {
  const t = runTotals(r);
  return {
    run_id: r.runId,
    project_id: r.projectId,
    start_time: iso(r.startMs),
    llm_configuration: { provider: r.provider, model: r.model, temperature: r.temperature },
    execution_mode: r.mode,
    specific_issue: r.specificIssue,
    status: r.status,
    issues_processed: r.issues.map((i) => i.iid),
    total_errors: t.total_errors,
    total_successes: t.total_successes,
  };
}

/** `<run_id>_final.json`. */
export function runFinal(r: RunRecord): Record<string, unknown> {
  const t = runTotals(r);
  return { ...runMetadata(r), end_time: iso(r.endMs), duration_seconds: r.durationSeconds, status: r.status, total_issues: r.issues.length, success_rate: t.success_rate };
}

/** `issue_<iid>_metrics.json` and `_report.json` (the same fields). */
export function issueReport(i: IssueRecord): Record<string, unknown> {
  const passed = i.pipelines.filter((p) => p.status === 'success').length;
  const failed = i.pipelines.filter((p) => p.status === 'failed').length;
  const resolved = i.debugging.filter((d) => d.resolved).length;
  return {
    issue_iid: i.iid,
    status: i.status,
    start_time: iso(i.startMs),
    end_time: iso(i.endMs),
    duration_seconds: i.durationSeconds,
    agent_metrics: i.agentMetrics,
    total_agent_retries: i.totalAgentRetries,
    pipeline_attempts: i.pipelines.length,
    succeeded_pipelines: passed,
    failed_pipelines: failed,
    pipeline_success_rate: percent(passed, i.pipelines.length),
    pipeline_details: i.pipelines,
    total_errors: i.errors.length,
    debugging_cycles: i.debugging.length,
    resolved_cycles: resolved,
    debugging_success_rate: percent(resolved, i.debugging.length),
    debugging_details: i.debugging,
    errors: i.errors,
  };
}

/** A file-name-safe form of an issue key (numbers stay as they are). */
function fileKey(iid: number | string): string {
  return String(iid).replace(/[^A-Za-z0-9_.-]/g, '_');
}

/**
 * Write the seed's run layout from the store.
 *
 * @example
 * await exportOrchestratorRuns({ dir: '.agentmeter', out: 'logs/runs' })
 */
export async function exportOrchestratorRuns(o: CollectOptions & { out: string; runIds?: readonly string[] }): Promise<ExportRunsResult> {
  const c = await collectStore({ ...o, kinds: ['run', 'task', 'agent', 'pipeline', 'debug'] });
  const runs = buildRunRecords(c.spans).filter((r) => o.runIds === undefined || o.runIds.includes(r.runId));
  const files: string[] = [];
  let issues = 0;
  const write = async (path: string, value: unknown): Promise<void> => {
    await writeFileAtomic(path, jsonDocument(value));
    files.push(path);
  };
  for (const r of runs) {
    const runDir = fileKey(r.runId);
    for (const i of r.issues) {
      issues++;
      const body = issueReport(i);
      const base = join(o.out, runDir, 'issues', `issue_${fileKey(i.iid)}`);
      await write(`${base}_metrics.json`, body);
      if (i.ended) await write(`${base}_report.json`, body);
    }
    await write(join(o.out, `${runDir}_metadata.json`), runMetadata(r));
    if (r.ended) await write(join(o.out, `${runDir}_final.json`), runFinal(r));
  }
  return { runs: runs.length, issues, files, skipped: c.skipped };
}
