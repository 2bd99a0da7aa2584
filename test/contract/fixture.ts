/**
 * The fixture both stores are checked on: a reproducible demo history written through the
 * SDK, plus one hand-written segment of the cases folding must get right (duplicates,
 * orphan ends, open and abandoned spans, complete events merged with a start, last feedback
 * wins, numbers as strings, nulls overriding, excluded envs, NUL characters).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDemo } from '../../src/integrations/demo.js';
import { uuidv7 } from '../../src/model/index.js';

/** "Now" of the fixture: reports run with this clock. */
export const NOW = Date.parse('2025-03-01T00:00:00.000Z');
const H = 3_600_000;

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
  ev.push(end('W1', 'W1', 'workflow', t0 + 8 * H, t0 + 8 * H + 10_000, 'failure'));
  ev.push({
    v: 1, id: id(), ts: iso(t0 + 9 * H), type: 'span', span_id: 'W2', run_id: 'W2', env: 'prod', kind: 'workflow', name: 'review', parent_id: null,
    start_ts: iso(t0 + 9 * H - 5000), duration_ms: 5000, status: 'success',
    attrs: { project: 'wf', 'workflow.id': 'wf-2', 'workflow.agents_executed': ['planner', 'coder', 'reviewer'] },
  });
  // A span in the previous week, for the trends.
  ev.push(start('R0', 'R0', 'run', NOW - 10 * 24 * H, { ...base }));
  ev.push(end('R0', 'R0', 'run', NOW - 10 * 24 * H, NOW - 10 * 24 * H + 5000, 'failure'));
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
  return demo.events + edge.length;
}
