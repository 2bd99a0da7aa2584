import { describe, expect, it } from 'vitest';
import { AgentAnalysisBuilder, analyzeAgents, performanceStats } from '../../../src/analytics/index.js';
import type { Span } from '../../../src/model/span.js';
import { feedback, span } from '../fixtures.js';

const NOW = Date.parse('2025-01-15T00:00:00.000Z');
const DAY = 86_400_000;

function agent(name: string, status: 'success' | 'failure' | 'partial', init: Partial<Span> = {}): Span {
  return span('agent', { status, startMs: NOW - 2 * DAY, ...init, attrs: { 'gen_ai.agent.name': name, ...(init.attrs ?? {}) } });
}

describe('analyzeAgents', () => {
  it('ranks 95/100 above 1/1 by the lower bound, and shows the original score beside it', () => {
    const spans = [agent('lucky', 'success')];
    for (let i = 0; i < 100; i++) spans.push(agent('steady', i < 95 ? 'success' : 'failure'));
    const a = analyzeAgents(spans, [], { nowMs: NOW });
    expect(a.agents.map((s) => s.agent_name)).toEqual(['steady', 'lucky']);
    const lucky = a.agents[1]!;
    const steady = a.agents[0]!;
    // The original formula alone would put lucky first.
    expect(lucky.score).toBeCloseTo(0.6, 10);
    expect(steady.score).toBeCloseTo(0.57, 10);
    expect(steady.ranking_score).toBeGreaterThan(lucky.ranking_score);
    expect(steady.success_rate).toBe(0.95);
  });

  it('success rate leaves partial and open out; quality joins feedback by span id, last wins upstream', () => {
    const spans = [
      agent('a', 'success', { spanId: 'x1' }),
      agent('a', 'failure', { spanId: 'x2', attrs: { 'gen_ai.agent.name': 'a', 'error.message': 'timeout' } }),
      agent('a', 'partial', { spanId: 'x3' }),
      span('agent', { state: 'open', attrs: { 'gen_ai.agent.name': 'a' } }),
    ];
    const a = analyzeAgents(spans, [feedback({ spanId: 'x1', rating: 5 }), feedback({ spanId: 'x2', rating: 2 })], { nowMs: NOW });
    const s = a.agents[0]!;
    expect(s.invocation_count).toBe(4);
    expect(s.success_rate).toBe(0.5);
    expect(s.other).toBe(2);
    expect(s.average_quality).toBe(3.5);
    expect(s.common_failures).toEqual(['timeout']);
  });

  it('trend compares the last 7 days with the rest; a change under 5 points is stable', () => {
    const spans: Span[] = [];
    for (let i = 0; i < 10; i++) spans.push(agent('a', i < 5 ? 'success' : 'failure', { startMs: NOW - 20 * DAY }));
    for (let i = 0; i < 10; i++) spans.push(agent('a', i < 9 ? 'success' : 'failure', { startMs: NOW - DAY }));
    for (let i = 0; i < 4; i++) spans.push(agent('b', 'success', { startMs: NOW - (i < 2 ? 20 : 1) * DAY }));
    const a = analyzeAgents(spans, [], { nowMs: NOW });
    const byName = Object.fromEntries(a.agents.map((s) => [s.agent_name, s]));
    expect(byName['a']!.trend.direction).toBe('improving');
    expect(byName['a']!.trend.change).toBeCloseTo(0.4, 10);
    expect(byName['b']!.trend.direction).toBe('stable');
  });

  it('filters by task type and recommends task types with ≥ 3 outcomes at ≥ 80 %', () => {
    const spans: Span[] = [];
    for (let i = 0; i < 4; i++) spans.push(agent('a', 'success', { attrs: { 'gen_ai.agent.name': 'a', 'task.type': 'bug_fix' } }));
    spans.push(agent('a', 'failure', { attrs: { 'gen_ai.agent.name': 'a', 'task.type': 'refactor' } }));
    const all = analyzeAgents(spans, [], { nowMs: NOW });
    expect(all.agents[0]!.recommended_for).toEqual(['bug_fix']);
    expect(all.agents[0]!.common_task_types).toEqual(['bug_fix', 'refactor']);
    const refactor = analyzeAgents(spans, [], { nowMs: NOW, taskType: 'refactor' });
    expect(refactor.total_invocations).toBe(1);
    expect(refactor.agents[0]!.success_rate).toBe(0);
  });

  it('workflow statistics and coordination overhead = (workflow − Σ agent) / workflow', () => {
    const wf = span('workflow', { durationMs: 100_000, attrs: { 'workflow.id': 'w1', 'workflow.agents_executed': ['a', 'b'] } });
    const spans = [
      wf,
      agent('a', 'success', { durationMs: 30_000, attrs: { 'gen_ai.agent.name': 'a', 'workflow.id': 'w1' } }),
      agent('b', 'success', { durationMs: 50_000, attrs: { 'gen_ai.agent.name': 'b', 'workflow.id': 'w1' } }),
    ];
    const w = analyzeAgents(spans, [], { nowMs: NOW }).workflows;
    expect(w.workflows).toBe(1);
    expect(w.success_rate).toBe(1);
    expect(w.coordination_overhead.mean).toBeCloseTo(0.2, 10);
    expect(w.top_sequences).toEqual([{ sequence: 'a → b', count: 1 }]);
    expect(w.average_agents_per_workflow).toBe(2);
  });

  it('empty input gives an empty analysis, not an error', () => {
    const a = analyzeAgents([], [], { nowMs: NOW });
    expect(a.total_invocations).toBe(0);
    expect(a.date_range).toBeNull();
    expect(a.workflows.coordination_overhead.mean).toBeNull();
    expect(performanceStats(a)).toMatchObject({ total_invocations: 0, agents: {} });
  });
});

describe('AgentAnalysisBuilder', () => {
  it('gives the same analysis whatever order spans and feedback come in', () => {
    // Agents in workflows (two with one start time), ratings, failures, task types.
    const spans: Span[] = [];
    for (let w = 0; w < 4; w++) {
      spans.push(span('workflow', { spanId: `w${w}`, startMs: NOW - DAY - w * 3_600_000, durationMs: 600_000, status: w === 3 ? 'failure' : 'success', attrs: { 'workflow.id': `wf-${w}` } }));
      for (const [i, name] of ['planning', 'coding', 'review'].entries()) {
        spans.push(agent(name, i === 2 && w === 1 ? 'failure' : 'success', {
          spanId: `w${w}-${name}`,
          startMs: NOW - DAY - w * 3_600_000 + (i === 2 ? 60_000 : i * 60_000),
          durationMs: 30_000 * (i + 1),
          attrs: { 'gen_ai.agent.name': name, 'workflow.id': `wf-${w}`, 'task.type': w % 2 === 0 ? 'bug_fix' : 'docs', 'error.message': 'lint' },
        }));
      }
    }
    const fb = spans.filter((s) => s.kind === 'agent').map((s, i) => feedback({ spanId: s.spanId, rating: 1 + (i % 5) }));
    const sorted = [...spans].sort((a, b) => a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : 1));
    const want = analyzeAgents(sorted, fb, { nowMs: NOW });
    expect(want.workflows.top_sequences[0]?.sequence).toBe('planning → coding → review');
    for (const order of [[...spans].reverse(), [...sorted.slice(5), ...sorted.slice(0, 5)]]) {
      const b = new AgentAnalysisBuilder({ nowMs: NOW });
      // Feedback first, then spans: the ratings are joined when the analysis is built.
      for (const f of [...fb].reverse()) b.addFeedback(f);
      for (const s of order) b.addSpan(s);
      expect(b.build()).toEqual(want);
    }
  });
});
