import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportOak } from '../../src/integrations/oak/export.js';
import { importOak } from '../../src/integrations/oak/import.js';
import { TelemetryLogger } from '../../src/integrations/compat.js';
import { tempDir } from '../helpers.js';
import { FIXTURES, comparable, readStore } from './helpers.js';

const MIXED = join(FIXTURES, 'oak/mixed');
const quiet = { onDiagnostic: () => {} };

describe('import oak', () => {
  it('reads both shapes, merges updates, skips and counts corrupt lines', async () => {
    const dir = tempDir();
    const r = await importOak({ from: MIXED, dir, env: 'prod', ...quiet });
    expect(r).toMatchObject({ files: 3, spans: 7, feedback: 3, dropped: 0, skipped: 5 });
    expect(r.samples.map((s) => `${s.file.slice(MIXED.length + 1)}:${s.line}`)).toEqual([
      'agent_invocations.jsonl:5',
      'agent_invocations.jsonl:9',
      'agent_invocations.jsonl:10',
      'success_metrics.jsonl:4',
      'workflow_events.jsonl:4',
    ]);
    const { spans, feedback } = await readStore(dir);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const fe = byId.get('0b7c7f3e-8d4a-4c2b-9e1f-2a3b4c5d6e7f')!;
    expect(fe).toMatchObject({ kind: 'agent', status: 'success', durationMs: 120_500, env: 'prod', runId: '6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b' });
    expect(fe.attrs['task_description']).toBe('Add dark mode toggle; key [REDACTED:anthropic_key]');
    expect(fe.attrs['task.type']).toBe('feature_development');
    expect(fe.attrs['import.source']).toBe('oak');
    // Infinity in duration_seconds: read as unknown, not as 0 s or a crash.
    expect(byId.get('2d9e9b5a-af6c-4e4d-9a3b-4c5d6e7f8a9b')!.attrs['duration.unknown']).toBe(true);
    // Never updated: open (its session never ended), not a failure.
    expect(byId.get('3eaf0c6b-b07d-4f5e-8b4c-5d6e7f8a9b0c')!.state).not.toBe('ended');
    // MCP shape: string outcome, float epoch seconds.
    expect(byId.get('inv_1760625900250_k3j9x2')).toMatchObject({ status: 'success', startMs: 1760625900250, durationMs: 30_000 });
    // Two lines for one invocation merge: the later one adds the duration and files.
    expect(byId.get('inv_1760627400000_a1b2c3')).toMatchObject({ status: 'failure', durationMs: 62_000 });
    expect(byId.get('inv_1760627400000_a1b2c3')!.attrs['files_modified']).toEqual(['tests/nav.test.ts']);
    expect(byId.get('wf_wf-1')).toMatchObject({ kind: 'workflow', status: 'success', durationMs: 360_000 });
    // Last feedback per invocation wins; notes are redacted.
    const fb = feedback.find((f) => f.spanId === '0b7c7f3e-8d4a-4c2b-9e1f-2a3b4c5d6e7f')!;
    expect(fb.rating).toBe(4);
    expect(fb.attrs['feedback.notes']).toBe('Works well but needs polish; mail me at [REDACTED:email]');
    expect(fb.attrs['gen_ai.agent.name']).toBe('frontend-developer');
  });

  it('importing the same files twice adds no span and no feedback', async () => {
    const dir = tempDir();
    await importOak({ from: MIXED, dir, env: 'prod', ...quiet });
    const once = await readStore(dir);
    await importOak({ from: MIXED, dir, env: 'prod', ...quiet });
    const twice = await readStore(dir);
    expect(twice.spans.map(comparable)).toEqual(once.spans.map(comparable));
    expect(twice.feedback.length).toBe(once.feedback.length);
    expect(twice.duplicates).toBeGreaterThan(0);
  });

  it('empty files import as nothing', async () => {
    const r = await importOak({ from: join(FIXTURES, 'oak/empty'), dir: tempDir(), env: 'prod', ...quiet });
    expect(r).toMatchObject({ files: 2, records: 0, spans: 0, skipped: 0 });
  });
});

describe('export oak', () => {
  it('round trip: import → export → import gives the same spans and feedback', async () => {
    const a = tempDir();
    await importOak({ from: MIXED, dir: a, env: 'prod', ...quiet });
    const out = join(tempDir(), 'telemetry');
    const r = await exportOak({ dir: a, out, nowMs: Date.parse('2025-10-20T00:00:00Z') });
    expect(r.invocations).toBe(6);
    const b = tempDir();
    const again = await importOak({ from: out, dir: b, env: 'prod', ...quiet });
    expect(again.skipped).toBe(0);
    const first = await readStore(a);
    const second = await readStore(b);
    expect(second.spans.map(comparable)).toEqual(first.spans.map(comparable));
    expect(second.feedback.map((f) => [f.spanId, f.rating, f.success, f.tsMs])).toEqual(first.feedback.map((f) => [f.spanId, f.rating, f.success, f.tsMs]));
  });

  it('writes the Python logger shape and the analyser\'s performance_stats.json', async () => {
    const a = tempDir();
    await importOak({ from: MIXED, dir: a, env: 'prod', ...quiet });
    const out = tempDir();
    await exportOak({ dir: a, out, nowMs: Date.parse('2025-10-20T00:00:00Z') });
    const lines = readFileSync(join(out, 'agent_invocations.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(lines[0]!)).toEqual([
      'timestamp', 'session_id', 'invocation_id', 'agent_name', 'agent_type', 'task_description', 'state_features',
      'parent_invocation_id', 'workflow_id', 'spec_id', 'spec_section', 'agent_variant', 'task_type', 'q_value', 'exploration', 'reward',
      'learning_enabled', 'tools_used', 'duration_seconds', 'outcome', 'metadata',
    ]);
    expect(Object.keys(lines[0]!['outcome'] as object)).toEqual(['status', 'error_message', 'files_modified', 'files_created', 'tests_passed', 'build_succeeded']);
    const metric = JSON.parse(readFileSync(join(out, 'success_metrics.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(Object.keys(metric)).toEqual(['timestamp', 'invocation_id', 'success', 'quality_rating', 'feedback_source', 'feedback_notes', 'would_use_again', 'alternative_agent_suggested']);
    const stats = JSON.parse(readFileSync(join(out, 'performance_stats.json'), 'utf8')) as { total_invocations: number; agents: Record<string, Record<string, unknown>> };
    expect(stats.total_invocations).toBe(6);
    expect(Object.keys(stats.agents['frontend-developer']!)).toEqual([
      'invocation_count', 'success_rate', 'average_quality', 'average_duration_seconds', 'common_task_types', 'common_failures', 'recommended_for',
    ]);
    expect(stats.agents['frontend-developer']).toMatchObject({ invocation_count: 2, success_rate: 1, average_quality: 4, average_duration_seconds: 75.25 });
  });
});

describe('TelemetryLogger', () => {
  it('logs, updates and rates an invocation as events', async () => {
    const dir = tempDir();
    const logger = new TelemetryLogger({ dir, env: 'test', sessionId: 'sess-1', ...quiet });
    const id = logger.logInvocation({
      agentName: 'frontend-developer', agentType: 'development', taskDescription: 'Add dark mode toggle at /home/alice/app',
      stateFeatures: { task: { type: 'feature_development', scope: 'small' } },
    });
    logger.updateInvocation(id, { durationSeconds: 120.5, outcomeStatus: 'success', filesModified: ['src/Settings.tsx'] });
    logger.logSuccessMetric(id, { success: true, qualityRating: 4, feedbackNotes: 'Works well!' });
    logger.logSuccessMetric(id, { success: true, qualityRating: 9 });
    logger.close();
    const { spans, feedback } = await readStore(dir);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ spanId: id, runId: 'sess-1', status: 'success', durationMs: 120_500, env: 'test' });
    expect(spans[0]!.attrs['task_description']).toBe('Add dark mode toggle at ~/app');
    expect(spans[0]!.attrs['task.type']).toBe('feature_development');
    expect(feedback.map((f) => f.rating).sort()).toEqual([null]);
  });

  it('calls with bad arguments never throw', () => {
    const logger = new TelemetryLogger({ dir: tempDir(), ...quiet });
    expect(() => {
      logger.updateInvocation(undefined as unknown as string, undefined as never);
      logger.logSuccessMetric('', null as never);
      logger.logInvocation(null as never);
    }).not.toThrow();
    logger.close();
  });

  it('50 concurrent updates from separate processes all land', async () => {
    const dist = resolve(import.meta.dirname, '../../dist/integrations/compat.js');
    if (!existsSync(dist)) throw new Error('dist is missing: run `npm run build` (npm test does)');
    const dir = tempDir();
    const logger = new TelemetryLogger({ dir, sessionId: 'parallel', ...quiet });
    const ids = Array.from({ length: 50 }, (_, i) => logger.logInvocation({ agentName: `agent-${i % 5}`, taskDescription: `task ${i}` }));
    logger.close();
    const script = `
      const { TelemetryLogger } = await import(${JSON.stringify(dist)});
      const [dir, id, i] = process.argv.slice(1);
      const l = new TelemetryLogger({ dir, sessionId: 'parallel' });
      l.updateInvocation(id, { durationSeconds: Number(i), outcomeStatus: Number(i) % 3 === 0 ? 'failure' : 'success', filesModified: ['f' + i] });
      l.logSuccessMetric(id, { success: true, qualityRating: 1 + (Number(i) % 5) });
      l.close();`;
    const codes = await Promise.all(
      ids.map(
        (id, i) =>
          new Promise<number | null>((done) => {
            const p = spawn(process.execPath, ['--input-type=module', '-e', script, dir, id, String(i)], { stdio: 'ignore' });
            p.on('exit', (code) => done(code));
          }),
      ),
    );
    expect(codes.every((c) => c === 0)).toBe(true);
    const { spans, feedback } = await readStore(dir);
    expect(spans).toHaveLength(50);
    expect(spans.every((s) => s.state === 'ended')).toBe(true);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    ids.forEach((id, i) => {
      expect(byId.get(id)).toMatchObject({ durationMs: i * 1000, status: i % 3 === 0 ? 'failure' : 'success' });
      expect(byId.get(id)!.attrs['files_modified']).toEqual([`f${i}`]);
    });
    expect(feedback).toHaveLength(50);
  });
});

describe('TelemetryLogger workflows', () => {
  it('workflow start, handoff and completion export as workflow_events.jsonl and feed the workflow statistics', async () => {
    const dir = tempDir();
    const logger = new TelemetryLogger({ dir, sessionId: 's', ...quiet });
    logger.logWorkflowStart('wf-9', { projectName: 'shop', agentPlan: ['a', 'b'] });
    const a = logger.logInvocation({ agentName: 'a', workflowId: 'wf-9' });
    logger.updateInvocation(a, { outcomeStatus: 'success', durationSeconds: 2 });
    logger.logAgentHandoff('wf-9', { fromAgent: 'a', toAgent: 'b', artifacts: ['/home/bob/plan.md'] });
    const b = logger.logInvocation({ agentName: 'b', workflowId: 'wf-9' });
    logger.updateInvocation(b, { outcomeStatus: 'failure', durationSeconds: 3, errorMessage: 'tests failed' });
    logger.logWorkflowComplete('wf-9', { durationSeconds: 10, success: false, agentsExecuted: ['a', 'b'] });
    logger.close();
    const out = tempDir();
    await exportOak({ dir, out, envs: 'all', nowMs: Date.now() });
    const events = readFileSync(join(out, 'workflow_events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e['event'])).toEqual(['workflow_start', 'agent_handoff', 'workflow_complete']);
    expect(events.map((e) => e['session_id'])).toEqual(['s', 's', 's']);
    expect(events[1]).toMatchObject({ from_agent: 'a', to_agent: 'b', artifacts: ['~/plan.md'] });
    expect(events[2]).toMatchObject({ workflow_id: 'wf-9', duration_seconds: 10, success: false, agents_executed: ['a', 'b'] });
    const { analyzeAgents } = await import('../../src/analytics/index.js');
    const { spans } = await readStore(dir);
    const w = analyzeAgents(spans, [], { nowMs: Date.now() }).workflows;
    expect(w).toMatchObject({ workflows: 1, ended: 1, success_rate: 0 });
    expect(w.coordination_overhead.mean).toBeCloseTo(0.5, 10);
  });
});
