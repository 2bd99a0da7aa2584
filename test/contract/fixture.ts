/**
 * The fixture both stores are checked on: a reproducible demo history written through the
 * SDK, plus one hand-written segment of the cases folding must get right (duplicates,
 * orphan ends, open and abandoned spans, complete events merged with a start, last feedback
 * wins, numbers as strings, nulls overriding, excluded envs, NUL characters) and of matching
 * orchestrator runs, issues and their children; plus the orchestrator's own history imported.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { generateDemo } from '../../src/integrations/demo.js';
import { importOrchestratorRuns } from '../../src/integrations/orchestrator/import.js';
import { SUMS, uuidv7 } from '../../src/model/index.js';

/** "Now" of the fixture: reports run with this clock. */
export const NOW = Date.parse('2025-03-01T00:00:00.000Z');
const H = 3_600_000;
const ORCHESTRATOR_RUNS = resolve(import.meta.dirname, '../fixtures/seeds/orchestrator/runs');

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Events of the hand-written segment, all in the week before NOW unless noted. */
export function edgeEvents(): object[] {
  const t0 = NOW - 3 * 24 * H;
  const ev: object[] = [];
  let n = 0;
  const id = (): string => uuidv7(t0 + n++);
  const start = (span: string, run: string, kind: string, ms: number, attrs: object = {}, env = 'prod', parent: string | null = null) => ({
    v: 1, id: id(), ts: iso(ms), type: 'span.start', span_id: span, run_id: run, env, kind, name: `${kind} ${span}`, parent_id: parent, attrs,
  });
  const end = (span: string, run: string, kind: string, startMs: number, ms: number, status: string, attrs: object = {}, env = 'prod', duration: number | null = null) => ({
    v: 1, id: id(), ts: iso(ms), type: 'span.end', span_id: span, run_id: run, env, kind, start_ts: iso(startMs), duration_ms: duration, status, attrs,
  });
  const base = { project: 'edge', 'gen_ai.request.model': 'edge-model', 'gen_ai.request.temperature': 0.5 };
  // A finished run with a task, agents and a pipeline.
  ev.push(start('R1', 'R1', 'run', t0, base));
  ev.push(start('T1', 'R1', 'task', t0 + 1000, { ...base, 'task.type': 'bug_fix' }, 'prod', 'R1'));
  const a1 = start('A1', 'R1', 'agent', t0 + 2000, { ...base, 'gen_ai.agent.name': 'coder', 'agent.attempt': 1, 'gen_ai.usage.input_tokens': 10 });
  ev.push(a1, a1); // the same event twice: at-least-once delivery
  ev.push(end('A1', 'R1', 'agent', t0 + 2000, t0 + 5000, 'failure', { 'gen_ai.usage.input_tokens': null, 'gen_ai.usage.output_tokens': 12, cost_usd: 0.125 }));
  ev.push(start('A2', 'R1', 'agent', t0 + 6000, { ...base, 'gen_ai.agent.name': 'coder', 'agent.attempt': 2 }));
  ev.push(end('A2', 'R1', 'agent', t0 + 6000, t0 + 7500, 'success', { 'gen_ai.usage.input_tokens': 7, cost_usd: 0.25 }, 'prod', 1234.5));
  // A second end for A2 with another id: ignored, the first one counts.
  ev.push(end('A2', 'R1', 'agent', t0 + 6000, t0 + 9000, 'failure'));
  // Started, never ended, run ended: abandoned.
  ev.push(start('A3', 'R1', 'agent', t0 + 8000, { ...base, 'gen_ai.agent.name': 'tester' }));
  ev.push(start('P1', 'R1', 'pipeline', t0 + 9000, { ...base, 'pipeline.attempt': 1 }));
  ev.push(end('P1', 'R1', 'pipeline', t0 + 9000, t0 + 60_000, 'failure'));
  ev.push(start('D1', 'R1', 'debug', t0 + 61_000, { ...base, 'gen_ai.agent.name': 'coder' }));
  for (let i = 0; i < 3; i++) ev.push({ v: 1, id: id(), ts: iso(t0 + 62_000 + i), type: 'span.event', span_id: 'D1', run_id: 'R1', env: 'prod', name: 'debug.attempt', attrs: {} });
  ev.push(end('D1', 'R1', 'debug', t0 + 61_000, t0 + 90_000, 'success', {}));
  ev.push(end('T1', 'R1', 'task', t0 + 1000, t0 + 100_000, 'success'));
  ev.push(end('R1', 'R1', 'run', t0, t0 + 110_000, 'success'));
  // A live run (started an hour ago) with an agent still running: both open.
  ev.push(start('R2', 'R2', 'run', NOW - H, { ...base, project: 'live' }));
  ev.push(start('A4', 'R2', 'agent', NOW - H + 1000, { ...base, project: 'live', 'gen_ai.agent.name': 'coder' }));
  // Started more than a day ago in a run that never ended: abandoned by timeout.
  ev.push(start('R3', 'R3', 'run', t0 - 24 * H, { ...base, project: 'stale' }));
  // An end whose start is not in the store: folded from the end alone.
  ev.push(end('X1', 'R9', 'task', t0 + 3 * H, t0 + 4 * H, 'partial', { 'task.type': 'orphan' }));
  // A complete event merged over its start (name, status and attributes from the complete one).
  ev.push(start('C1', 'R1', 'optimization', t0 + 5 * H, { ...base, operation: 'matmul', variants_generated: 4 }));
  ev.push({
    v: 1, id: id(), ts: iso(t0 + 6 * H), type: 'span', span_id: 'C1', run_id: 'R1', env: 'prod', kind: 'optimization', name: 'opt C1', parent_id: 'R1',
    start_ts: iso(t0 + 5 * H), duration_ms: null, status: 'success',
    attrs: { operation: 'matmul', validated: 3, promoted: 1, baseline_latency_ms: 10, optimized_latency_ms: 4, wallclock_seconds: 12.5 },
  });
  ev.push({
    v: 1, id: id(), ts: iso(t0 + 7 * H), type: 'span', span_id: 'C2', run_id: 'R1', env: 'prod', kind: 'optimization', name: 'opt C2', parent_id: 'R1',
    start_ts: iso(t0 + 7 * H - 1000), duration_ms: 1000, status: 'failure',
    attrs: { ...base, operation: 'conv2d', baseline_latency_ms: 0, optimized_latency_ms: 3 },
  });
  // Feedback: two on A1, the later wins; one on A2 without target kind but with an agent name.
  const fb = (span: string, ms: number, success: boolean | null, rating: number | null, attrs: object) => ({
    v: 1, id: id(), ts: iso(ms), type: 'feedback', span_id: span, run_id: 'R1', env: 'prod', success, rating, source: 'human', attrs,
  });
  ev.push(fb('A1', t0 + 2 * H, true, 5, { 'target.kind': 'agent', 'gen_ai.agent.name': 'coder' }));
  ev.push(fb('A1', t0 + 3 * H, false, 2, { 'target.kind': 'agent', 'gen_ai.agent.name': 'coder', 'feedback.notes': 'regressed' }));
  ev.push(fb('A2', t0 + 3 * H, true, null, { 'gen_ai.agent.name': 'coder' }));
  ev.push(fb('T1', t0 + 3 * H, true, 4, { 'target.kind': 'task' }));
  // Test data: counted as excluded, never in the figures.
  ev.push(start('RT', 'RT', 'run', t0, { project: 'ci' }, 'test'));
  ev.push(end('RT', 'RT', 'run', t0, t0 + 10, 'success', {}, 'test'));
  ev.push(start('WT', 'RT', 'workflow', t0, {}, 'test'));
  // Workflows: one whose agents carry its id (one failed with a message), one complete event
  // that lists the agents it executed.
  const wf = { project: 'wf', 'workflow.id': 'wf-1', 'task.type': 'feature_development' };
  ev.push(start('W1', 'W1', 'workflow', t0 + 8 * H, wf));
  ev.push(start('WA1', 'W1', 'agent', t0 + 8 * H + 100, { ...wf, 'gen_ai.agent.name': 'planner' }));
  ev.push(end('WA1', 'W1', 'agent', t0 + 8 * H + 100, t0 + 8 * H + 2100, 'success'));
  ev.push(start('WA2', 'W1', 'agent', t0 + 8 * H + 3000, { ...wf, 'gen_ai.agent.name': 'coder' }));
  ev.push(end('WA2', 'W1', 'agent', t0 + 8 * H + 3000, t0 + 8 * H + 9000, 'failure', { 'error.message': 'tests failed' }));
  ev.push(start('WA3', 'W1', 'agent', t0 + 8 * H + 9500, { ...wf, 'agent.attempt': 1 })); // no name attribute: the span's name
  // Model and tool calls under the workflow's agents: one failed call each, one tool call
  // still open, one model call without an agent name (no `--by agent` group of its own).
  const call = { ...wf, 'gen_ai.agent.name': 'planner', 'gen_ai.request.model': 'gpt-4o' };
  ev.push(start('WM1', 'W1', 'llm', t0 + 8 * H + 200, call, 'prod', 'WA1'));
  ev.push(end('WM1', 'W1', 'llm', t0 + 8 * H + 200, t0 + 8 * H + 1200, 'success', { 'gen_ai.usage.input_tokens': 900, 'gen_ai.usage.output_tokens': 80 }));
  ev.push(start('WM2', 'W1', 'llm', t0 + 8 * H + 3100, { ...call, 'gen_ai.agent.name': 'coder' }, 'prod', 'WA2'));
  ev.push(end('WM2', 'W1', 'llm', t0 + 8 * H + 3100, t0 + 8 * H + 3400, 'failure', { 'error.type': 'RateLimitError' }));
  ev.push(start('WM3', 'W1', 'llm', t0 + 8 * H + 3500, { ...wf, 'gen_ai.request.model': 'gpt-4o-mini' }, 'prod', 'WA2'));
  ev.push(end('WM3', 'W1', 'llm', t0 + 8 * H + 3500, t0 + 8 * H + 4000, 'success', { 'gen_ai.usage.input_tokens': 300, 'gen_ai.usage.output_tokens': 20, cost_usd: 0.0125 }));
  ev.push(start('WT1', 'W1', 'tool', t0 + 8 * H + 1300, { ...call, 'gen_ai.tool.name': 'search' }, 'prod', 'WA1'));
  ev.push(end('WT1', 'W1', 'tool', t0 + 8 * H + 1300, t0 + 8 * H + 1500, 'success'));
  ev.push(start('WT2', 'W1', 'tool', t0 + 8 * H + 4100, { ...call, 'gen_ai.agent.name': 'coder', 'gen_ai.tool.name': 'run_tests' }, 'prod', 'WA2'));
  ev.push(end('WT2', 'W1', 'tool', t0 + 8 * H + 4100, t0 + 8 * H + 8000, 'failure'));
  ev.push(start('WT3', 'W1', 'tool', t0 + 8 * H + 9600, { ...call, 'gen_ai.tool.name': 'search' }, 'prod', 'WA3'));
  ev.push(end('W1', 'W1', 'workflow', t0 + 8 * H, t0 + 8 * H + 10_000, 'failure'));
  ev.push({
    v: 1, id: id(), ts: iso(t0 + 9 * H), type: 'span', span_id: 'W2', run_id: 'W2', env: 'prod', kind: 'workflow', name: 'review', parent_id: null,
    start_ts: iso(t0 + 9 * H - 5000), duration_ms: 5000, status: 'success',
    attrs: { project: 'wf', 'workflow.id': 'wf-2', 'workflow.agents_executed': ['planner', 'coder', 'reviewer'] },
  });
  // A span in the previous week, for the trends.
  ev.push(start('R0', 'R0', 'run', NOW - 10 * 24 * H, { ...base }));
  ev.push(end('R0', 'R0', 'run', NOW - 10 * 24 * H, NOW - 10 * 24 * H + 5000, 'failure'));
  ev.push(...orchestratorEvents(id, t0 + 10 * H));
  ev.push(...contractEvents(id));
  return ev;
}

/** The env of `contractEvents`: no run or task spans, so the seed answers of other envs stay as they are. */
export const CONTRACT_ENV = 'contract';
/** The value every declared sum's attribute adds up to in project `sums` of `CONTRACT_ENV`. */
export function expectedSum(i: number): number {
  return 1000 * (i + 1) + 0.25 * (i + 1);
}

/**
 * What a reader could read differently: every declared sum (metric-defs.ts) with its own
 * total; durations a writer did not know (`duration.unknown`, as `import oak` writes them);
 * names with unicode and NUL characters; spans and debugging attempts across midnight UTC;
 * a numeric string where the schema wants a number (a bad line every reader skips).
 */
function contractEvents(id: () => string): object[] {
  const ev: object[] = [];
  const env = CONTRACT_ENV;
  const t = NOW - 2 * 24 * H - 30_000; // 23:59:30 two days before NOW
  const complete = (span: string, kind: string, startMs: number, ms: number, status: string, attrs: object, duration: number | null = ms - startMs) => ({
    v: 1, id: id(), ts: iso(ms), type: 'span', span_id: span, run_id: `CR-${span}`, env, kind, name: `${kind} ${span}`, parent_id: null,
    start_ts: iso(startMs), duration_ms: duration, status, attrs,
  });
  // Every declared sum: two spans of its kind, halves of the expected total.
  SUMS.forEach((d, i) => {
    const half = expectedSum(i) / 2;
    for (const k of [0, 1]) {
      ev.push(complete(`S${i}-${k}`, d.kind, t - 3 * H + i * 1000 + k, t - 3 * H + i * 1000 + k + 500, 'success', { project: 'sums', 'gen_ai.agent.name': 'summer', operation: 'sum', [d.attr]: half }));
    }
  });
  // One invocation of 60 s and two whose duration the writer did not know.
  const unknown = { project: 'unknown', 'gen_ai.agent.name': 'oak-agent', 'task.type': 'review' };
  ev.push(complete('U1', 'agent', t - 2 * H, t - 2 * H + 60_000, 'success', unknown));
  ev.push(complete('U2', 'agent', t - 2 * H + 100_000, t - 2 * H + 105_000, 'success', { ...unknown, 'duration.unknown': true }, null));
  ev.push(complete('U3', 'agent', t - 2 * H + 200_000, t - 2 * H + 200_000, 'failure', { ...unknown, 'duration.unknown': true }, null));
  // Unicode and NUL in names and values.
  ev.push(complete('N1', 'agent', t - H, t - H + 2000, 'success', { project: 'naming', 'gen_ai.agent.name': '代理 🤖\u0000x', 'gen_ai.request.model': 'modèle-Ω' }));
  ev.push(complete('N2', 'agent', t - H + 3000, t - H + 4000, 'failure', { project: 'naming', 'gen_ai.agent.name': '代理 🤖\u0000x', 'gen_ai.request.model': 'modèle-Ω', 'error.message': 'ошибка: тест' }));
  // Across midnight: an agent and a debugging cycle whose attempts fall on both days.
  const cross = { project: 'midnight', 'gen_ai.agent.name': 'night-owl' };
  ev.push({ v: 1, id: id(), ts: iso(t), type: 'span.start', span_id: 'M1', run_id: 'CR-M', env, kind: 'debug', name: 'debug M1', parent_id: null, attrs: cross });
  ev.push({ v: 1, id: id(), ts: iso(t + 20_000), type: 'span.event', span_id: 'M1', run_id: 'CR-M', env, name: 'debug.attempt', attrs: {} });
  ev.push({ v: 1, id: id(), ts: iso(t + 40_000), type: 'span.event', span_id: 'M1', run_id: 'CR-M', env, name: 'debug.attempt', attrs: {} });
  ev.push({ v: 1, id: id(), ts: iso(t + 60_000), type: 'span.end', span_id: 'M1', run_id: 'CR-M', env, kind: 'debug', start_ts: iso(t), duration_ms: null, status: 'success', attrs: { 'debug.resolved': true } });
  ev.push({ v: 1, id: id(), ts: iso(t + 1000), type: 'span.start', span_id: 'M2', run_id: 'CR-M', env, kind: 'agent', name: 'agent M2', parent_id: null, attrs: cross });
  ev.push({ v: 1, id: id(), ts: iso(t + 50_000), type: 'span.end', span_id: 'M2', run_id: 'CR-M', env, kind: 'agent', start_ts: iso(t + 1000), duration_ms: null, status: 'success', attrs: { cost_usd: 0.5 } });
  // Numbers as strings where the schema does not type the attribute: every reader counts them.
  ev.push(complete('Q1', 'optimization', t - 600, t - 300, 'success', { project: 'strings', operation: 'strings', wallclock_saved_seconds: '42.5', variants_generated: 2, validated: 1, promoted: 1, baseline_latency_ms: 2, optimized_latency_ms: 1 }));
  ev.push(complete('Q2', 'optimization', t - 200, t - 100, 'success', { project: 'strings', operation: 'strings', wallclock_saved_seconds: ' 7 ', variants_generated: 1, validated: 1, promoted: 0 }));
  // A numeric string where the schema wants a number: the line is invalid and skipped by every reader.
  ev.push(complete('B1', 'agent', t - 500, t - 400, 'success', { project: 'bad', 'gen_ai.usage.input_tokens': '12' }));
  return ev;
}

/**
 * Runs and issues as the orchestrator records them, with what matching them up must get
 * right: children found by \`parent_id\` (a complete event's winning over its start's),
 * retries from repeated starts, from debugging attempts (attribute or point events) and
 * from an issue's own \`agent.retries\`, a pipeline without an attempt number, a first
 * pipeline still running, \`status.detail\` words, an empty agent name, a run without a
 * model, an issue whose run is in another env, an orphan issue.
 */
function orchestratorEvents(id: () => string, t: number): object[] {
  const ev: object[] = [];
  const start = (span: string, run: string, kind: string, ms: number, parent: string | null, attrs: object = {}, env = 'prod') => ({
    v: 1, id: id(), ts: iso(ms), type: 'span.start', span_id: span, run_id: run, env, kind, name: `${kind} ${span}`, parent_id: parent, attrs: { project: 'orch', ...attrs },
  });
  const end = (span: string, run: string, kind: string, startMs: number, ms: number, status: string, attrs: object = {}, env = 'prod') => ({
    v: 1, id: id(), ts: iso(ms), type: 'span.end', span_id: span, run_id: run, env, kind, start_ts: iso(startMs), duration_ms: null, status, attrs,
  });
  const point = (span: string, run: string, ms: number) => ({ v: 1, id: id(), ts: iso(ms), type: 'span.event', span_id: span, run_id: run, env: 'prod', name: 'debug.attempt', attrs: {} });
  const S = 1000;
  // Run OR1: a model and a temperature.
  ev.push(start('OR1', 'OR1', 'run', t, null, { 'gen_ai.request.model': 'orch-model', 'gen_ai.request.temperature': 0.2 }));
  // Issue 1: complexity high, three agent starts (two of them coding: one retry), one named by its span.
  ev.push(start('OT1', 'OR1', 'task', t + S, 'OR1', { 'task.key': '1', issue_iid: 1, complexity: 'high' }));
  ev.push(start('OA1', 'OR1', 'agent', t + 2 * S, 'OT1', { 'gen_ai.agent.name': 'coding' }), end('OA1', 'OR1', 'agent', t + 2 * S, t + 5 * S, 'failure'));
  ev.push(start('OA2', 'OR1', 'agent', t + 6 * S, 'OT1', { 'gen_ai.agent.name': 'coding' }), end('OA2', 'OR1', 'agent', t + 6 * S, t + 9 * S, 'success'));
  ev.push(start('OA3', 'OR1', 'agent', t + 7 * S, 'OT1'), end('OA3', 'OR1', 'agent', t + 7 * S, t + 8 * S, 'success'));
  // Pipelines: the first without an attempt number (its position counts).
  ev.push(start('OP1', 'OR1', 'pipeline', t + 10 * S, 'OT1'), end('OP1', 'OR1', 'pipeline', t + 10 * S, t + 40 * S, 'failure'));
  ev.push(start('OP2', 'OR1', 'pipeline', t + 50 * S, 'OT1', { 'pipeline.attempt': 2 }), end('OP2', 'OR1', 'pipeline', t + 50 * S, t + 80 * S, 'success'));
  // Debugging: attempts as point events, resolved by the attribute though it ended in failure.
  ev.push(start('OD1', 'OR1', 'debug', t + 41 * S, 'OT1', { 'gen_ai.agent.name': 'testing' }), point('OD1', 'OR1', t + 42 * S), point('OD1', 'OR1', t + 43 * S));
  ev.push(end('OD1', 'OR1', 'debug', t + 41 * S, t + 47 * S, 'failure', { 'debug.resolved': true }));
  // An empty agent name still gets the cycle's attempts (a fractional count, as written).
  ev.push(start('OD2', 'OR1', 'debug', t + 60 * S, 'OT1', { 'gen_ai.agent.name': '', 'debug.attempts': 1.5 }), end('OD2', 'OR1', 'debug', t + 60 * S, t + 69 * S, 'success'));
  ev.push(end('OT1', 'OR1', 'task', t + S, t + 100 * S, 'success'));
  // Issue 2: succeeded but its word says failed; the issue's own retry counts replace the counted
  // ones (and add an agent that never ran); the first pipeline by number is still running.
  ev.push(start('OT2', 'OR1', 'task', t + 101 * S, 'OR1', { 'task.key': '2', issue_iid: 2, 'agent.retries': { coding: 4, review: 'x', ghost: 2 } }));
  ev.push(start('OA4', 'OR1', 'agent', t + 102 * S, 'OT2', { 'gen_ai.agent.name': 'coding' }), end('OA4', 'OR1', 'agent', t + 102 * S, t + 110 * S, 'success'));
  ev.push(start('OP3', 'OR1', 'pipeline', t + 111 * S, 'OT2', { 'pipeline.attempt': 2 }), end('OP3', 'OR1', 'pipeline', t + 111 * S, t + 120 * S, 'success'));
  ev.push(start('OP4', 'OR1', 'pipeline', t + 112 * S, 'OT2', { 'pipeline.attempt': 1 }));
  ev.push(start('OD3', 'OR1', 'debug', t + 121 * S, 'OT2', { 'gen_ai.agent.name': 'coding' }), point('OD3', 'OR1', t + 122 * S));
  // A complete event moves this agent from issue 2 (its start's parent) to issue 1.
  ev.push(start('OA5', 'OR1', 'agent', t + 123 * S, 'OT2', { 'gen_ai.agent.name': 'review' }));
  ev.push({
    v: 1, id: id(), ts: iso(t + 125 * S), type: 'span', span_id: 'OA5', run_id: 'OR1', env: 'prod', kind: 'agent', name: 'review', parent_id: 'OT1',
    start_ts: iso(t + 123 * S), duration_ms: 2000, status: 'success', attrs: { 'gen_ai.agent.name': 'review' },
  });
  ev.push(end('OT2', 'OR1', 'task', t + 101 * S, t + 200 * S, 'success', { 'status.detail': 'failed' }));
  // Issue 3 skipped, issue 4 still open (running).
  ev.push(start('OT3', 'OR1', 'task', t + 201 * S, 'OR1', { 'task.key': '3', complexity: 'low' }), end('OT3', 'OR1', 'task', t + 201 * S, t + 230 * S, 'skipped'));
  ev.push(start('OT4', 'OR1', 'task', t + 231 * S, 'OR1', { 'task.key': '4', complexity: 'low' }));
  ev.push(end('OR1', 'OR1', 'run', t, t + 300 * S, 'success'));
  // Run OR2: no model, no temperature; one failed issue of unknown complexity, a resolved cycle.
  const u = t + H;
  ev.push(start('OR2', 'OR2', 'run', u, null, {}));
  ev.push(start('OT5', 'OR2', 'task', u + S, 'OR2', { 'task.key': 'five' }));
  ev.push(start('OD4', 'OR2', 'debug', u + 2 * S, 'OT5', { 'gen_ai.agent.name': 'testing', 'debug.attempts': 2 }), end('OD4', 'OR2', 'debug', u + 2 * S, u + 11 * S, 'success'));
  ev.push(end('OT5', 'OR2', 'task', u + S, u + 400 * S, 'failure'));
  ev.push(end('OR2', 'OR2', 'run', u, u + 500 * S, 'failure', { 'status.detail': 'stopped' }));
  // A run in staging with an issue recorded in prod: the issue counts only when both envs are read.
  ev.push(start('OR3', 'OR3', 'run', u + 600 * S, null, { 'gen_ai.request.model': 'orch-model', 'gen_ai.request.temperature': 0.2 }, 'staging'));
  ev.push(start('OT6', 'OR3', 'task', u + 601 * S, 'OR3', { 'task.key': '6', complexity: 'high' }), end('OT6', 'OR3', 'task', u + 601 * S, u + 700 * S, 'success'));
  ev.push(end('OR3', 'OR3', 'run', u + 600 * S, u + 800 * S, 'success', {}, 'staging'));
  // An issue whose run was never recorded: no run, no answer.
  ev.push(start('OT7', 'OR9', 'task', u + 900 * S, 'OR9', { 'task.key': '7' }), end('OT7', 'OR9', 'task', u + 900 * S, u + 950 * S, 'success'));
  return ev;
}

/** Write the fixture store under `dir`; returns the number of events written. */
export async function writeFixture(dir: string): Promise<number> {
  const demo = await generateDemo({ dir, days: 21, seed: 7, runsPerDay: 6, now: NOW });
  const edge = edgeEvents();
  const byDay = new Map<string, string[]>();
  for (const e of edge) {
    const day = (e as { ts: string }).ts.slice(0, 10);
    const lines = byDay.get(day) ?? [];
    lines.push(JSON.stringify(e));
    byDay.set(day, lines);
  }
  for (const [day, lines] of byDay) {
    mkdirSync(join(dir, 'events', day), { recursive: true });
    writeFileSync(join(dir, 'events', day, `zz-edge-${day}.jsonl`), lines.join('\n') + '\n');
  }
  // Orchestrator history from its own files (December 2024, env prod).
  await importOrchestratorRuns({ from: ORCHESTRATOR_RUNS, dir, env: 'prod' });
  let events = 0;
  for (const day of readdirSync(join(dir, 'events'))) {
    for (const f of readdirSync(join(dir, 'events', day))) events += readFileSync(join(dir, 'events', day, f), 'utf8').split('\n').filter((l) => l !== '').length;
  }
  expect(events).toBeGreaterThan(demo.events + edge.length);
  return events;
}
