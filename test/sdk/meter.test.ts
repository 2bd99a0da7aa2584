import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createMeter } from '../../src/sdk/index.js';
import type { Diagnostic } from '../../src/model/index.js';
import { uuidv7Time, validateEvent } from '../../src/model/index.js';
import type { Feedback, Span } from '../../src/model/index.js';
import { scanSpans } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

/** Every line of every segment under `dir`, parsed. */
function readLines(dir: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const root = join(dir, 'events');
  for (const day of readdirSync(root)) {
    for (const seg of readdirSync(join(root, day))) {
      for (const line of readFileSync(join(root, day, seg), 'utf8').split('\n')) {
        if (line !== '') out.push(JSON.parse(line) as Record<string, unknown>);
      }
    }
  }
  return out;
}

async function fold(dir: string): Promise<{ spans: Span[]; feedback: Feedback[] }> {
  const spans: Span[] = [];
  const feedback: Feedback[] = [];
  await scanSpans({ root: dir, onSpan: (s) => spans.push(s), onFeedback: (f) => feedback.push(f) });
  return { spans, feedback };
}

describe('createMeter', () => {
  it('records every span kind as schema-valid events that fold back into spans', async () => {
    const dir = tempDir();
    const meter = createMeter({ dir, env: 'test', durability: 'flush' });
    const run = meter.startRun({ project: 'shop', llm: { provider: 'deepseek', model: 'deepseek-chat', temperature: 0.2 }, mode: 'implement_all' });
    const task = run.startTask({ key: 123, type: 'bug_fix' });
    const a1 = task.startAgent({ name: 'coding', type: 'development' });
    a1.end({ status: 'failure', error: new TypeError('boom') });
    const a2 = task.startAgent({ name: 'coding', model: 'gpt-4.1' });
    a2.end({ status: 'success', tokens: { input: 100, output: 20 }, costUsd: 0.01, filesModified: ['a.ts'], toolsUsed: ['edit'] });
    meter.feedback(a2, { success: true, rating: 5, source: 'human', notes: 'great', wouldUseAgain: true });
    task.recordPipeline({ id: 4259, status: 'failed', commit: 'abc123' });
    const cycle = task.startDebug({ agent: 'testing', errorType: 'test_failure', errorMessage: '3 tests failed' });
    cycle.attempt();
    cycle.attempt();
    cycle.end({ resolved: true });
    task.recordPipeline({ id: '4260', status: 'success' });
    task.end({ status: 'completed' });
    run.end({ status: 'completed' });
    const opt = meter.recordOptimization({ operation: 'matmul', variantsGenerated: 8, validated: 6, promoted: 1, baselineLatencyMs: 4, optimizedLatencyMs: 2, wallclockSeconds: 30, searchDepth: 2 });
    await meter.close();

    const lines = readLines(dir);
    for (const l of lines) expect(validateEvent(l)).toMatchObject({ ok: true });
    expect(meter.stats()).toMatchObject({ recorded: lines.length, written: lines.length, dropped: 0, badArguments: 0 });

    const { spans, feedback } = await fold(dir);
    const byKind = (k: string): Span[] => spans.filter((s) => s.kind === k);
    expect(byKind('run')).toHaveLength(1);
    expect(byKind('run')[0]).toMatchObject({ status: 'success', state: 'ended', attrs: { project: 'shop', 'gen_ai.request.model': 'deepseek-chat', mode: 'implement_all', 'status.detail': 'completed' } });
    const agents = byKind('agent');
    expect(agents.map((s) => s.attrs['agent.attempt'])).toEqual([1, 2]);
    expect(agents[0]).toMatchObject({ status: 'failure', attrs: { 'error.type': 'TypeError', 'error.message': 'boom', 'task.type': 'bug_fix', project: 'shop' } });
    expect(agents[1]!.attrs).toMatchObject({ 'gen_ai.request.model': 'gpt-4.1', 'gen_ai.usage.input_tokens': 100, cost_usd: 0.01 });
    expect(agents.every((a) => a.parentId === task.id && a.runId === run.id)).toBe(true);
    const pipelines = byKind('pipeline');
    expect(pipelines.map((p) => [p.attrs['pipeline.attempt'], p.status, p.attrs['cicd.pipeline.result']])).toEqual([
      [1, 'failure', 'failure'],
      [2, 'success', 'success'],
    ]);
    expect(byKind('debug')[0]).toMatchObject({ status: 'success', pointEvents: 2, attrs: { 'debug.attempts': 2, 'debug.resolved': true, 'gen_ai.agent.name': 'testing' } });
    expect(byKind('optimization')[0]).toMatchObject({ spanId: opt.id, durationMs: 30_000, attrs: { operation: 'matmul', promoted: 1, search_depth: 2 } });
    expect(feedback).toHaveLength(1);
    expect(feedback[0]).toMatchObject({ spanId: a2.id, rating: 5, success: true, attrs: { 'target.kind': 'agent', 'gen_ai.agent.name': 'coding', 'would_use_again': true } });
  });

  it('never throws into the host on wrong arguments, and counts them', async () => {
    const dir = tempDir();
    const seen: Diagnostic[] = [];
    const meter = createMeter({ dir, env: 'test', onDiagnostic: (d) => seen.push(d) });
    const anyMeter = meter as unknown as Record<string, (...a: unknown[]) => unknown>;
    await fc.assert(
      fc.asyncProperty(fc.anything(), fc.anything(), async (a, b) => {
        const run = anyMeter['startRun']!(a) as Record<string, (...x: unknown[]) => unknown>;
        const task = run['startTask']!(b) as Record<string, (...x: unknown[]) => unknown>;
        (task['startAgent']!(a) as Record<string, (...x: unknown[]) => unknown>)['end']!(b);
        task['recordPipeline']!(a);
        const c = task['startDebug']!(b) as Record<string, (...x: unknown[]) => unknown>;
        c['attempt']!(a);
        c['end']!(b);
        anyMeter['feedback']!(a, b);
        anyMeter['recordOptimization']!(b);
        task['end']!(a);
        run['end']!(b);
      }),
      { numRuns: 200 },
    );
    await meter.close();
    expect(meter.stats().badArguments).toBeGreaterThan(0);
    // Reported once per code, not once per call; the close adds how many there were in all.
    const bad = seen.filter((d) => d.code === 'E_SDK_BAD_ARGUMENT');
    expect(bad).toHaveLength(2);
    expect(bad[1]?.message).toBe(`${meter.stats().badArguments} in all; ${meter.stats().badArguments - 1} after the first were counted, not shown`);
    for (const l of readLines(dir)) expect(validateEvent(l)).toMatchObject({ ok: true });
  });

  it('ending twice writes one end and reports it', async () => {
    const dir = tempDir();
    const seen: string[] = [];
    const meter = createMeter({ dir, onDiagnostic: (d) => seen.push(d.code) });
    const run = meter.startRun({ project: 'p' });
    run.end({ status: 'completed' });
    run.end({ status: 'failed' });
    await meter.close();
    expect(readLines(dir).filter((l) => l['type'] === 'span.end')).toHaveLength(1);
    expect(seen).toContain('E_SDK_ALREADY_ENDED');
  });

  it('a repeated problem is printed once, and the close says how many were hidden', async () => {
    const dir = tempDir();
    let err = '';
    const { stderrListener } = await import('../../src/model/diagnostics.js');
    const meter = createMeter({ dir, onDiagnostic: stderrListener((s) => (err += s)) });
    const run = meter.startRun({ project: 'p' });
    for (let i = 0; i < 6; i++) run.startTask({ key: undefined as unknown as string });
    await meter.close();
    const lines = err.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^agentmeter: E_SDK_BAD_ARGUMENT .*repeats of this are counted, not printed/);
    expect(lines[1]).toBe('agentmeter: E_SDK_BAD_ARGUMENT 6 in all; 5 after the first were counted, not shown');
    expect(meter.stats().badArguments).toBe(6);
  });

  it('redacts secrets and home paths on the write path', async () => {
    const dir = tempDir();
    const meter = createMeter({ dir, durability: 'sync' });
    const run = meter.startRun({ project: 'p' });
    const task = run.startTask({ key: 'T-1' });
    const key = 'sk-ant-api03-' + 'a'.repeat(80);
    task.startDebug({ agent: 'coding', errorType: 'auth', errorMessage: `401 with key ${key} for bob@example.com` }).end({ resolved: false });
    task.startAgent({ name: 'x' }).end({ status: 'failure', error: 'cannot read /home/alice/project/.env' });
    await meter.close();
    const text = readLines(dir).map((l) => JSON.stringify(l)).join('\n');
    expect(text).not.toContain(key);
    expect(text).not.toContain('bob@example.com');
    expect(text).not.toContain('/home/alice');
    expect(text).toContain('[REDACTED');
  });

  it('cuts long descriptions with a marker, after redaction, never through a placeholder', async () => {
    const dir = tempDir();
    const meter = createMeter({ dir });
    const key = 'ghp_' + 'A1b2C3d4E5'.repeat(4).slice(0, 36);
    meter.startRun({ project: 'p' }).startTask({ key: 1, description: 'x'.repeat(495) + key + ' tail '.repeat(300) });
    await meter.close();
    const task = readLines(dir).find((l) => l['kind'] === 'task')!;
    const text = (task['attrs'] as Record<string, string>)['task_description']!;
    expect(text.length).toBeLessThanOrEqual(500);
    expect(text).toContain('truncated');
    expect(text).not.toContain('ghp_');
  });

  it('rejects bad options at once (setup errors throw)', () => {
    expect(() => createMeter({ durability: 'fast' as never })).toThrow(/durability/);
    expect(() => createMeter({ env: 'has space' })).toThrow(/env/);
  });

  it('is a no-op object when disabled, and writes nothing', async () => {
    const dir = tempDir();
    const meter = createMeter({ dir, enabled: false });
    const run = meter.startRun({ project: 'p' });
    const agent = run.startTask({ key: 1 }).startAgent({ name: 'a' });
    agent.end({ status: 'success' });
    meter.feedback(agent, { rating: 3 });
    run.end({ status: 'completed' });
    await meter.close();
    expect(typeof run.id).toBe('string');
    expect(meter.stats().recorded).toBe(0);
    expect(() => readdirSync(join(dir, 'events'))).toThrow();
  });

  it('replays history through an injected clock', async () => {
    const dir = tempDir();
    let now = Date.parse('2025-03-01T10:00:00.000Z');
    const meter = createMeter({ dir, clock: () => now });
    const run = meter.startRun({ project: 'p' });
    now += 90_000;
    run.end({ status: 'completed' });
    await meter.close();
    const { spans } = await fold(dir);
    expect(spans[0]).toMatchObject({ startMs: Date.parse('2025-03-01T10:00:00.000Z'), durationMs: 90_000 });
    expect(uuidv7Time(run.id)).toBe(Date.parse('2025-03-01T10:00:00.000Z'));
    expect(readdirSync(join(dir, 'events'))).toEqual(['2025-03-01']);
  });
});
