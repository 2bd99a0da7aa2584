/**
 * `agentmeter export orchestrator-runs --out logs/runs`: the orchestrator seed's layout, every
 * file written atomically, each in the shape, key order and number text the seed's
 * `RunLogger` / `IssueTracker` write (docs/orchestrator.md):
 *
 * ```
 * <out>/<run_id>_metadata.json                      every run
 * <out>/<run_id>_final.json                         runs that ended
 * <out>/<run_id>/issues/issue_<iid>_metrics.json    every issue
 * <out>/<run_id>/issues/issue_<iid>_report.json     issues that ended
 * ```
 */
import { join } from 'node:path';
import { RunRecordsBuilder, runTotals } from '../../analytics/index.js';
import type { IssueRecord, RunRecord } from '../../analytics/index.js';
import { collectStore } from '../../store/index.js';
import type { CollectOptions } from '../../store/index.js';
import { writeFileAtomic } from '../../store/index.js';
import { pyFloat, pyIsoformat, pyJsonDocument } from '../py-json.js';
import type { PyFloat } from '../py-json.js';

/** What `exportOrchestratorRuns` wrote. */
export interface ExportRunsResult {
  runs: number;
  issues: number;
  files: string[];
  skipped: number;
}

/** A timestamp as the seed writes it: `datetime.isoformat()`, naive (UTC here). */
function iso(ms: number | null): string | null {
  return ms === null || !Number.isFinite(ms) ? null : pyIsoformat(ms);
}

function isoText(t: string | null): string | null {
  return t === null ? null : iso(Date.parse(t));
}

/** A seed rate: a float percent, or the int `0` the seed writes when there is nothing to count. */
function seedPercent(part: number, whole: number): PyFloat | number {
  return whole > 0 ? (pyFloat((part / whole) * 100) as PyFloat) : 0;
}

/** `<run_id>_metadata.json` as `RunLogger._update_metadata` writes it (its status stays `running`). */
export function runMetadata(r: RunRecord): Record<string, unknown> {
  const t = runTotals(r);
  return {
    run_id: r.runId,
    project_id: r.projectId,
    start_time: iso(r.startMs),
    llm_configuration: { provider: r.provider, model: r.model, temperature: pyFloat(r.temperature) },
    execution_mode: r.mode,
    specific_issue: r.specificIssue,
    status: 'running',
    issues_processed: r.issues.map((i) => i.iid),
    total_errors: t.total_errors,
    total_successes: t.total_successes,
  };
}

/** `<run_id>_final.json` as `RunLogger.finalize_run` writes it. */
export function runFinal(r: RunRecord): Record<string, unknown> {
  const t = runTotals(r);
  return {
    run_id: r.runId,
    project_id: r.projectId,
    start_time: iso(r.startMs),
    end_time: iso(r.endMs),
    duration_seconds: pyFloat(r.durationSeconds),
    llm_configuration: { provider: r.provider, model: r.model, temperature: pyFloat(r.temperature) },
    execution_mode: r.mode,
    specific_issue: r.specificIssue,
    status: r.status,
    issues_processed: r.issues.map((i) => i.iid),
    total_issues: r.issues.length,
    total_successes: t.total_successes,
    total_errors: t.total_errors,
    success_rate: r.issues.length > 0 ? pyFloat(t.success_rate) : 0,
  };
}

function agentMetricsDoc(i: IssueRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(i.agentMetrics)) {
    // The seed starts `duration` at the int 0 and adds float seconds per ended attempt.
    out[name] = { attempts: m.attempts, successes: m.successes, failures: m.failures, duration: m.successes + m.failures > 0 ? pyFloat(m.duration) : 0, retries: m.retries };
  }
  return out;
}

/** Ended cycles: the seed lists a cycle once `end_debugging_cycle` ran. */
function endedCycles(i: IssueRecord): IssueRecord['debugging'] {
  return i.debugging.filter((d) => d.end_time !== null);
}

/** `issue_<iid>_report.json` as `IssueTracker.finalize_issue` writes (and returns) it. */
export function issueReport(i: IssueRecord, runId: string): Record<string, unknown> {
  const passed = i.pipelines.filter((p) => p.status === 'success').length;
  const failed = i.pipelines.filter((p) => p.status === 'failed').length;
  const cycles = endedCycles(i);
  const resolved = cycles.filter((d) => d.resolved).length;
  return {
    run_id: runId,
    issue_iid: i.iid,
    status: i.status,
    start_time: iso(i.startMs),
    end_time: iso(i.endMs),
    duration_seconds: pyFloat(i.durationSeconds),
    agent_metrics: agentMetricsDoc(i),
    total_agent_retries: i.totalAgentRetries,
    pipeline_attempts: i.pipelines.length,
    succeeded_pipelines: passed,
    failed_pipelines: failed,
    pipeline_success_rate: seedPercent(passed, i.pipelines.length),
    pipeline_details: i.pipelines.map((p) => ({ pipeline_id: p.pipeline_id, status: p.status, commit_sha: p.commit_sha, timestamp: isoText(p.timestamp) })),
    total_errors: i.totalErrors,
    debugging_cycles: cycles.length,
    resolved_cycles: resolved,
    debugging_success_rate: seedPercent(resolved, cycles.length),
    debugging_details: cycles.map((d) => ({
      agent: d.agent, error_type: d.error_type, error_message: d.error_message, start_time: isoText(d.start_time),
      attempts: d.attempts, resolved: d.resolved, end_time: isoText(d.end_time), duration_seconds: pyFloat(d.duration_seconds),
    })),
    errors: i.errors.map((e) => ({ type: e.type, message: e.message, agent: e.agent, timestamp: isoText(e.timestamp) })),
  };
}

/** `issue_<iid>_metrics.json` as `IssueTracker._save_metrics` writes it: counts, status `in_progress`. */
export function issueLiveMetrics(i: IssueRecord, runId: string): Record<string, unknown> {
  return {
    run_id: runId,
    issue_iid: i.iid,
    start_time: iso(i.startMs),
    agent_metrics: agentMetricsDoc(i),
    pipeline_attempts: i.pipelines.length,
    succeeded_pipelines: i.pipelines.filter((p) => p.status === 'success').length,
    failed_pipelines: i.pipelines.filter((p) => p.status === 'failed').length,
    debugging_cycles: endedCycles(i).length,
    errors: i.totalErrors,
    status: 'in_progress',
  };
}

/** A file-name-safe form of an issue key (numbers stay as they are). */
function fileKey(iid: number | string): string {
  return String(iid).replace(/[^A-Za-z0-9_.-]/g, '_');
}

/**
 * The orchestrator's run records of a store: its spans streamed through `RunRecordsBuilder`
 * (a few fields per span kept, not the spans), and the lines skipped.
 */
export async function collectRunRecords(o: CollectOptions): Promise<{ runs: RunRecord[]; skipped: number }> {
  const b = new RunRecordsBuilder();
  const c = await collectStore({ ...o, kinds: ['run', 'task', 'agent', 'pipeline', 'debug'], onSpan: (s) => b.addSpan(s), feedback: false });
  return { runs: b.build(), skipped: c.skipped };
}

/**
 * Write the seed's run layout from the store.
 *
 * @example
 * await exportOrchestratorRuns({ dir: '.agentmeter', out: 'logs/runs' })
 */
export async function exportOrchestratorRuns(o: CollectOptions & { out: string; runIds?: readonly string[] }): Promise<ExportRunsResult> {
  const c = await collectRunRecords(o);
  const runs = c.runs.filter((r) => o.runIds === undefined || o.runIds.includes(r.runId));
  const files: string[] = [];
  let issues = 0;
  const write = async (path: string, value: unknown): Promise<void> => {
    await writeFileAtomic(path, pyJsonDocument(value));
    files.push(path);
  };
  for (const r of runs) {
    const runDir = fileKey(r.runId);
    for (const i of r.issues) {
      issues++;
      const base = join(o.out, runDir, 'issues', `issue_${fileKey(i.iid)}`);
      await write(`${base}_metrics.json`, issueLiveMetrics(i, r.runId));
      if (i.ended) await write(`${base}_report.json`, issueReport(i, r.runId));
    }
    await write(join(o.out, `${runDir}_metadata.json`), runMetadata(r));
    if (r.ended) await write(join(o.out, `${runDir}_final.json`), runFinal(r));
  }
  return { runs: runs.length, issues, files, skipped: c.skipped };
}
