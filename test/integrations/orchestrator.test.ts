import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerOrchestratorQueries, buildRunRecords } from '../../src/analytics/index.js';
import { RunLogger } from '../../src/integrations/compat.js';
import { exportCsv, csvCell, CSV_HEADERS } from '../../src/integrations/csv-export.js';
import { exportOrchestratorRuns } from '../../src/integrations/orchestrator/export.js';
import { importOrchestratorRuns } from '../../src/integrations/orchestrator/import.js';
import { tempDir } from '../helpers.js';
import { FIXTURES, comparable, readStore } from './helpers.js';

const RUNS = join(FIXTURES, 'orchestrator/runs');
const quiet = { onDiagnostic: () => {} };
const RUN = 'run_20241203_143022_project_168';

function json(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

describe('RunLogger / IssueTracker', () => {
  it('records the seed README session and exports its report fields', async () => {
    const dir = tempDir();
    const run = new RunLogger({
      projectId: '168',
      config: { llm_provider: 'deepseek', llm_model: 'deepseek-chat', llm_temperature: 0, mode: 'implement_all' },
      meterOptions: { dir, env: 'test', onDiagnostic: () => {} },
    });
    expect(run.runId).toMatch(/^run_\d{8}_\d{6}_project_168_[0-9a-f]{6}$/);
    const issue = run.trackIssue(123);
    issue.startAgent('coding');
    issue.endAgent('coding', true);
    issue.recordPipelineAttempt({ pipelineId: '4259', status: 'failed', commitSha: 'abc123' });
    issue.startDebuggingCycle({ agent: 'testing', errorType: 'test_failure', errorMessage: '3 tests failed in UserServiceTest' });
    issue.recordDebugAttempt();
    issue.recordDebugAttempt();
    issue.endDebuggingCycle(true);
    issue.startAgent('migration-writer');
    issue.endAgent('migration-writer', false, { error: 'schema drift' });
    issue.startAgent('migration-writer');
    issue.endAgent('migration-writer', true);
    issue.recordPipelineAttempt({ pipelineId: '4260', status: 'success', commitSha: 'def456' });
    issue.finalizeIssue('completed');
    run.trackIssue(124).finalizeIssue('failed');
    await run.finalizeRun('completed');

    const out = tempDir();
    const r = await exportOrchestratorRuns({ dir, out, envs: 'all' });
    expect(r).toMatchObject({ runs: 1, issues: 2 });
    const final = json(join(out, `${run.runId}_final.json`));
    expect(final).toMatchObject({
      run_id: run.runId, project_id: '168', llm_configuration: { provider: 'deepseek', model: 'deepseek-chat', temperature: 0 },
      execution_mode: 'implement_all', status: 'completed', issues_processed: [123, 124], total_issues: 2, total_successes: 1, total_errors: 1, success_rate: 50,
    });
    const report = json(join(out, run.runId, 'issues', 'issue_123_report.json'));
    expect(report).toMatchObject({
      issue_iid: 123, status: 'completed', pipeline_attempts: 2, succeeded_pipelines: 1, failed_pipelines: 1, pipeline_success_rate: 50,
      debugging_cycles: 1, resolved_cycles: 1, debugging_success_rate: 100, total_errors: 1, total_agent_retries: 2,
    });
    // The seed's four agents are always listed; others follow in order of first use.
    expect(Object.keys(report['agent_metrics'] as object)).toEqual(['planning', 'coding', 'testing', 'review', 'migration-writer']);
    expect((report['agent_metrics'] as Record<string, unknown>)['testing']).toMatchObject({ attempts: 0, retries: 2 });
    // A repeated start is an attempt; retries are fix attempts of the agent's debugging cycles.
    expect((report['agent_metrics'] as Record<string, unknown>)['migration-writer']).toMatchObject({ attempts: 2, successes: 1, failures: 1, retries: 0 });
    expect((report['debugging_details'] as Record<string, unknown>[])[0]).toMatchObject({ agent: 'testing', error_type: 'test_failure', attempts: 2, resolved: true });
    // One error per started debugging cycle, as the seed records them.
    expect((report['errors'] as Record<string, unknown>[]).map((e) => e['type'])).toEqual(['test_failure']);
  });

  it('logsDir writes the seed files of the run when it is finalised', async () => {
    const dir = tempDir();
    const logs = tempDir();
    const run = new RunLogger({ projectId: 'shop', logsDir: logs, meterOptions: { dir, onDiagnostic: () => {} } });
    run.trackIssue(9).finalizeIssue('skipped');
    await run.finalizeRun('stopped');
    expect(json(join(logs, `${run.runId}_final.json`))).toMatchObject({ status: 'stopped', total_issues: 1, issues_processed: [9] });
    expect(json(join(logs, run.runId, 'issues', 'issue_9_report.json'))).toMatchObject({ issue_iid: 9, status: 'skipped' });
  });

  it('two runs of one project in the same second get different ids', async () => {
    const dir = tempDir();
    const a = new RunLogger({ projectId: 7, meterOptions: { dir, onDiagnostic: () => {} } });
    const b = new RunLogger({ projectId: 7, meterOptions: { dir, onDiagnostic: () => {} } });
    expect(a.runId).not.toBe(b.runId);
    await a.finalizeRun();
    await b.finalizeRun();
  });
});

describe('import orchestrator-runs', () => {
  it('reads both layouts, issue_id and issue_iid, unfinalised runs; skips a torn file', async () => {
    const dir = tempDir();
    const r = await importOrchestratorRuns({ from: RUNS, dir, env: 'prod', ...quiet });
    expect(r).toMatchObject({ skipped: 1, dropped: 0 });
    expect(r.samples[0]!.file).toMatch(/issue_126_report\.json$/);
    const { spans } = await readStore(dir);
    const runs = buildRunRecords(spans);
    expect(runs.map((x) => [x.runId, x.status, x.model])).toEqual([
      [RUN, 'completed', 'deepseek-chat'],
      ['run_20241204_090000_project_168', 'running', 'gpt-4o'],
    ]);
    const issues = runs[0]!.issues;
    expect(issues.map((i) => [i.iid, i.status])).toEqual([[123, 'completed'], [124, 'failed'], [125, 'running']]);
    // Infinity in duration_seconds falls back to end_time − start_time.
    expect(issues[1]!.durationSeconds).toBe(900);
    expect(issues[0]!.agentMetrics['testing']).toEqual({ attempts: 1, successes: 1, failures: 0, retries: 2, duration: 289.5 });
    expect(issues[0]!.debugging[0]!.error_message).toContain('[REDACTED:github_token]');
    expect(runs[1]!.issues[0]!.debugging[0]!.end_time).toBeNull();
  });

  it('round trip: import → export → import gives the same spans; a second import adds nothing', async () => {
    const a = tempDir();
    await importOrchestratorRuns({ from: RUNS, dir: a, env: 'prod', ...quiet });
    await importOrchestratorRuns({ from: RUNS, dir: a, env: 'prod', ...quiet });
    const out = tempDir();
    await exportOrchestratorRuns({ dir: a, out });
    expect(readdirSync(out).sort()).toEqual([RUN, `${RUN}_final.json`, `${RUN}_metadata.json`, 'run_20241204_090000_project_168', 'run_20241204_090000_project_168_metadata.json']);
    const b = tempDir();
    const again = await importOrchestratorRuns({ from: out, dir: b, env: 'prod', ...quiet });
    expect(again.skipped).toBe(0);
    const first = await readStore(a);
    const second = await readStore(b);
    // The seed's live metrics file keeps counts, not lists: issues without a report come back
    // with the same counts; everything else comes back as it was.
    const live = new Set(first.spans.filter((x) => x.kind === 'task' && x.state !== 'ended').map((x) => x.spanId));
    const settled = (spans: typeof first.spans): unknown[] => spans.filter((x) => !live.has(x.spanId) && !live.has(x.parentId ?? '')).map(comparable);
    expect(settled(second.spans)).toEqual(settled(first.spans));
    expect(first.spans.length).toBe(25);
    const counts = (spans: typeof first.spans): unknown[] =>
      buildRunRecords(spans).flatMap((r) => r.issues.filter((i) => !i.ended).map((i) => [i.iid, i.pipelines.length, i.debugging.filter((d) => d.end_time !== null).length, i.agentMetrics]));
    expect(counts(second.spans)).toEqual(counts(first.spans));
  });
});

describe('orchestrator queries and CSV', () => {
  it('answers the example queries from imported history', async () => {
    const dir = tempDir();
    await importOrchestratorRuns({ from: RUNS, dir, env: 'prod', ...quiet });
    const a = answerOrchestratorQueries(buildRunRecords((await readStore(dir)).spans));
    // Successes / issues processed: the unfinished issue 125 counts against the rate, as in the seed.
    expect(a.success_by_model[0]).toMatchObject({ key: 'deepseek-chat', issues: 3, completed: 1, failed: 1, success_rate: 1 / 3 });
    expect(a.agent_retries[0]).toMatchObject({ agent: 'coding', retries: 3 });
    expect(a.first_pipeline).toMatchObject({ issues: 3, passed: 1, pipelines: 5 });
    expect(a.debugging).toMatchObject({ cycles: 3, resolved: 1 });
    expect(a.debugging.time_to_resolve_seconds.median).toBeCloseTo(178.2, 6);
  });

  it('writes five CSV files with one header vocabulary', async () => {
    const dir = tempDir();
    await importOrchestratorRuns({ from: RUNS, dir, env: 'prod', ...quiet });
    const out = tempDir();
    const r = await exportCsv({ dir, out });
    expect(r.rows).toEqual({ runs: 2, issues: 4, agents: 8, pipelines: 5, debugging_cycles: 3 });
    for (const [name, header] of Object.entries(CSV_HEADERS)) {
      const lines = readFileSync(join(out, `${name}.csv`), 'utf8').split('\r\n');
      expect(lines[0]).toBe(header.join(','));
    }
    const debug = readFileSync(join(out, 'debugging_cycles.csv'), 'utf8');
    expect(debug).toContain(',3 tests failed in UserServiceTest (token [REDACTED:github_token]),');
    expect(csvCell('a, "b"\nc')).toBe('"a, ""b""\nc"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(-2)).toBe('-2');
    expect(csvCell(Infinity)).toBe('');
    // Shared columns carry the same names in every file.
    for (const h of Object.values(CSV_HEADERS).slice(1)) expect(h.slice(0, 2)).toEqual(['run_id', 'issue_iid']);
  });
});
