import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportOak } from '../../src/integrations/oak/export.js';
import { importOak } from '../../src/integrations/oak/import.js';
import { tempDir } from '../helpers.js';
import { FIXTURES } from './helpers.js';

// Written by claude-oak-agents' own logger and analyser (test/fixtures/seeds/README.md).
const UPSTREAM = join(FIXTURES, 'oak/upstream');
const NOW = Date.parse('2026-12-01T12:00:00Z');
const quiet = { onDiagnostic: () => {} };

function jsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The seed's file after its own `update_invocation` rewrites: one line per invocation. */
function byInvocation(lines: Record<string, unknown>[]): Map<string, Record<string, unknown>> {
  return new Map(lines.map((l) => [l['invocation_id'] as string, l]));
}

async function roundTrip(): Promise<{ out: string; result: Awaited<ReturnType<typeof exportOak>> }> {
  const dir = tempDir();
  const out = tempDir();
  const r = await importOak({ from: UPSTREAM, dir, env: 'prod', ...quiet });
  expect(r).toMatchObject({ files: 4, spans: 20, skipped: 0, dropped: 0 });
  const result = await exportOak({ dir, out, nowMs: NOW });
  return { out, result };
}

describe('export oak against the seed\'s own files', () => {
  it('performance_stats.json is what the seed\'s analyser wrote from the originals, number text included', async () => {
    const { out } = await roundTrip();
    const ours = JSON.parse(readFileSync(join(out, 'performance_stats.json'), 'utf8')) as Record<string, unknown>;
    const theirs = JSON.parse(readFileSync(join(UPSTREAM, 'performance_stats.json'), 'utf8')) as Record<string, unknown>;
    expect(ours).toEqual(theirs);
    // Python floats keep their `.0`; the agents keep the seed's first-appearance order.
    expect(readFileSync(join(out, 'performance_stats.json'), 'utf8')).toBe(readFileSync(join(UPSTREAM, 'performance_stats.json'), 'utf8'));
  });

  it('every invocation line has the logger\'s keys in its order and the same values', async () => {
    const { out, result } = await roundTrip();
    const theirs = byInvocation(jsonl(join(UPSTREAM, 'agent_invocations.jsonl')));
    const ours = jsonl(join(out, 'agent_invocations.jsonl'));
    expect(result.invocations).toBe(theirs.size);
    for (const line of ours) {
      const t = theirs.get(line['invocation_id'] as string)!;
      expect(Object.keys(line)).toEqual(Object.keys(t));
      expect(line).toEqual(t);
    }
  });

  it('success metrics, workflow events and reviews come back as the seed wrote them (last metric per invocation)', async () => {
    const { out, result } = await roundTrip();
    const lastMetric = byInvocation(jsonl(join(UPSTREAM, 'success_metrics.jsonl')));
    expect(byInvocation(jsonl(join(out, 'success_metrics.jsonl')))).toEqual(lastMetric);
    expect(result.unratedMetrics).toBe(0);
    const events = jsonl(join(out, 'workflow_events.jsonl'));
    expect(events).toEqual(jsonl(join(UPSTREAM, 'workflow_events.jsonl')));
    expect(events.every((e) => typeof e['event'] === 'string' && typeof e['session_id'] === 'string')).toBe(true);
    expect(jsonl(join(out, 'agent_reviews.jsonl'))).toEqual(jsonl(join(UPSTREAM, 'agent_reviews.jsonl')));
  });
});

describe('TelemetryLogger replays the seed\'s calls', () => {
  it('repeated updates merge field by field; spec and learning fields and the session id reach the export', async () => {
    const { TelemetryLogger } = await import('../../src/integrations/compat.js');
    const dir = tempDir();
    const logger = new TelemetryLogger({ dir, env: 'prod', ...quiet });
    const sid = logger.getSessionId();
    const d = logger.logInvocation({ agentName: 'frontend-developer', stateFeatures: { task: { type: 'feature_development' } } });
    logger.updateInvocation(d, { durationSeconds: 60.25 }); // duration only: waits for a status
    logger.updateInvocation(d, { outcomeStatus: 'success', filesCreated: ['src/Billing.tsx'] });
    const h = logger.logInvocation({
      agentName: 'frontend-developer', specId: 'spec-42', specSection: ['2.2.comp-1'], agentVariant: 'v2', taskType: 'feature_development',
      qValue: 0.7, exploration: true, learningEnabled: true,
    });
    logger.updateInvocation(h, { outcomeStatus: 'success', durationSeconds: 180, reward: 0.9 });
    const never = logger.logInvocation({ agentName: 'debug-specialist' });
    logger.updateInvocation(never, { durationSeconds: 5 }); // no status ever: written as unknown on close
    logger.close();
    const out = tempDir();
    const r = await exportOak({ dir, out, nowMs: NOW });
    expect(r.invocations).toBe(3);
    const lines = byInvocation(jsonl(join(out, 'agent_invocations.jsonl')));
    expect(lines.get(d)).toMatchObject({ session_id: sid, duration_seconds: 60.25, outcome: { status: 'success', files_created: ['src/Billing.tsx'] } });
    expect(lines.get(h)).toMatchObject({ spec_id: 'spec-42', spec_section: ['2.2.comp-1'], agent_variant: 'v2', task_type: 'feature_development', q_value: 0.7, exploration: true, learning_enabled: true, reward: 0.9 });
    expect(lines.get(never)).toMatchObject({ duration_seconds: 5, outcome: { status: 'unknown' } });
    const stats = JSON.parse(readFileSync(join(out, 'performance_stats.json'), 'utf8')) as { agents: Record<string, Record<string, unknown>> };
    expect(stats.agents['frontend-developer']).toMatchObject({ invocation_count: 2, success_rate: 1 });
  });

  it('a success metric without a rating is kept in the store but left out of success_metrics.jsonl, and counted', async () => {
    const { TelemetryLogger } = await import('../../src/integrations/compat.js');
    const dir = tempDir();
    const logger = new TelemetryLogger({ dir, env: 'prod', ...quiet });
    const a = logger.logInvocation({ agentName: 'qa-specialist' });
    logger.updateInvocation(a, { outcomeStatus: 'success', durationSeconds: 1 });
    logger.logSuccessMetric(a, { success: true });
    logger.close();
    const out = tempDir();
    const r = await exportOak({ dir, out, nowMs: NOW });
    expect(r).toMatchObject({ metrics: 0, unratedMetrics: 1 });
    expect(readFileSync(join(out, 'success_metrics.jsonl'), 'utf8')).toBe('');
  });
});

describe('agentmeter agents on the seed\'s own files', () => {
  it('counts, success rates and quality equal the seed analyser\'s; durations differ only where docs/oak.md says (0 s runs count here)', async () => {
    const { analyzeAgents } = await import('../../src/analytics/index.js');
    const { readStore } = await import('./helpers.js');
    const dir = tempDir();
    await importOak({ from: UPSTREAM, dir, env: 'prod', ...quiet });
    const { spans, feedback } = await readStore(dir);
    const ours = new Map(analyzeAgents(spans, feedback, { nowMs: NOW }).agents.map((a) => [a.agent_name, a]));
    const theirs = (JSON.parse(readFileSync(join(UPSTREAM, 'performance_stats.json'), 'utf8')) as { agents: Record<string, Record<string, number>> }).agents;
    expect([...ours.keys()].sort()).toEqual(Object.keys(theirs).sort());
    for (const [name, t] of Object.entries(theirs)) {
      const o = ours.get(name)!;
      expect(o.invocation_count, name).toBe(t['invocation_count']);
      // The seed writes 0.0 for "no outcome" and "no rating"; agentmeter says null.
      expect(Math.round((o.success_rate ?? 0) * 1000) / 1000, name).toBe(t['success_rate']);
      expect(Math.round((o.average_quality ?? 0) * 100) / 100, name).toBe(t['average_quality']);
    }
    expect(ours.get('frontend-developer')!.average_duration_seconds).toBeCloseTo(theirs['frontend-developer']!['average_duration_seconds']!, 2);
    // qa-specialist ran 0 s and 30 s: the seed skips the 0 s run (30 s), agentmeter counts it (15 s).
    expect(theirs['qa-specialist']!['average_duration_seconds']).toBe(30);
    expect(ours.get('qa-specialist')!.average_duration_seconds).toBe(15);
  });
});

describe('record invocation (the seed\'s records from another language)', () => {
  it('maps the spec and learning fields; an update without a status says why it needs one', async () => {
    const { invocationFromRecord, updateFromRecord } = await import('../../src/integrations/oak/records.js');
    const r = invocationFromRecord({ agent_name: 'a', spec_id: 'spec-42', spec_section: ['2.2.comp-1'], q_value: 0.7, exploration: true, learning_enabled: true, agent_variant: 'v2' });
    expect(r).toMatchObject({ ok: true, value: { agentName: 'a', specId: 'spec-42', specSection: ['2.2.comp-1'], qValue: 0.7, exploration: true, learningEnabled: true, agentVariant: 'v2' } });
    const u = updateFromRecord({ invocation_id: 'x', duration_seconds: 3 });
    expect(u.ok).toBe(false);
    expect(u.ok ? '' : u.error).toMatch(/outcome_status is required: .*one update/);
  });
});
