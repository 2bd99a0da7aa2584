import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { automationSummary } from '../../src/analytics/index.js';
import { createAutomationMetrics } from '../../src/integrations/compat.js';
import { exportAutomationMetrics } from '../../src/integrations/automation/export.js';
import { importAutomationMetrics } from '../../src/integrations/automation/import.js';
import { tempDir } from '../helpers.js';
import { FIXTURES, comparable, readStore } from './helpers.js';

const FILE = join(FIXTURES, 'automation/automation_metrics.jsonl');
const quiet = { onDiagnostic: () => {} };

describe('import automation-metrics', () => {
  it('reads Infinity, NaN, float epoch seconds, epoch ms and offline zeros; drops prompts and fingerprints', async () => {
    const dir = tempDir();
    const r = await importAutomationMetrics({ from: FILE, dir, env: 'prod', ...quiet });
    expect(r).toMatchObject({ files: 1, records: 8, spans: 5, skipped: 4, dropped: 0 });
    expect(r.droppedFields).toEqual({ prompt: 1, hardware_fingerprint: 1 });
    expect(r.samples.map((s) => [s.line, s.reason])).toEqual([
      [6, expect.stringContaining('invalid JSON') as string],
      [7, 'operation is required'],
      [8, 'variants_generated must not be negative, got -2'],
      [9, 'timestamp null is not an ISO time or epoch number'],
    ]);
    const { spans } = await readStore(dir);
    const byOp = spans.map((s) => [s.attrs['operation'], s.endMs, s.attrs['baseline_latency_ms'], s.status]);
    expect(byOp).toEqual(
      expect.arrayContaining([
        ['matmul', 1764460800500, 4, 'success'],
        ['conv2d', 1764464400000, null, 'success'],
        ['conv2d', 1764468000000, 0, 'failure'],
      ]),
    );
    expect(JSON.stringify(spans)).not.toContain('secret project');
    expect(JSON.stringify(spans)).not.toContain('GPU-8f2c1a77');
  });

  it('empty file imports nothing; a second import adds nothing', async () => {
    const dir = tempDir();
    expect(await importAutomationMetrics({ from: join(FIXTURES, 'automation/empty.jsonl'), dir, env: 'prod', ...quiet })).toMatchObject({ files: 1, records: 0, spans: 0 });
    await importAutomationMetrics({ from: FILE, dir, env: 'prod', ...quiet });
    await importAutomationMetrics({ from: FILE, dir, env: 'prod', ...quiet });
    expect((await readStore(dir)).spans).toHaveLength(5);
  });

  it('round trip: import → export → import gives the same spans; the export has the seed\'s fields', async () => {
    const a = tempDir();
    await importAutomationMetrics({ from: FILE, dir: a, env: 'prod', ...quiet });
    const out = join(tempDir(), 'logs/automation_metrics.jsonl');
    expect((await exportAutomationMetrics({ dir: a, out })).sessions).toBe(5);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(lines[0]!).slice(0, 8)).toEqual(['operation', 'variants_generated', 'validated', 'promoted', 'baseline_latency_ms', 'optimized_latency_ms', 'wallclock_seconds', 'timestamp']);
    expect(readFileSync(out, 'utf8')).not.toMatch(/Infinity|NaN/);
    const b = tempDir();
    expect((await importAutomationMetrics({ from: out, dir: b, env: 'prod', ...quiet })).skipped).toBe(0);
    const first = (await readStore(a)).spans.map(comparable);
    const second = (await readStore(b)).spans.map(comparable);
    expect(second).toEqual(first);
  });

  it('the summary: geomean speedup without division by zero, sessions without baseline apart, trend', async () => {
    const dir = tempDir();
    await importAutomationMetrics({ from: FILE, dir, env: 'prod', ...quiet });
    const { spans } = await readStore(dir);
    const s = automationSummary(spans, { sinceMs: Date.parse('2025-11-29T00:00:00Z'), untilMs: Date.parse('2025-12-01T00:00:00Z') });
    expect(s.current).toMatchObject({ sessions: 5, variants_generated: 40, validated: 26, validation_failures: 8, promoted: 6, speedup_sessions: 3, sessions_without_baseline: 2 });
    // (4/2 · 3/3 · 1/0.25)^(1/3) = 2
    expect(s.current.speedup_geomean).toBeCloseTo(2, 12);
    expect(s.current.validation_success_rate).toBeCloseTo(26 / 34, 12);
    expect(s.current.session_success_rate).toBeCloseTo(0.8, 12);
    expect(s.current.averages.wallclock_seconds).toBeCloseTo(165, 12);
    expect(s.previous.sessions).toBe(0);
    expect(s.trend.speedup_geomean).toBeNull();
    expect(s.by_operation.map((o) => o.operation)).toEqual(['conv2d', 'matmul', 'softmax']);
    const later = automationSummary(spans, { sinceMs: Date.parse('2025-12-01T00:00:00Z'), untilMs: Date.parse('2025-12-03T00:00:00Z') });
    expect(later.current.sessions).toBe(0);
    expect(later.previous.sessions).toBe(5);
  });
});

describe('env of imported records', () => {
  it('a record\'s own valid env wins; others get the import\'s env', async () => {
    const src = join(tempDir(), 'm.jsonl');
    const line = (env: unknown, op: string): string => JSON.stringify({ operation: op, variants_generated: 1, validated: 1, promoted: 1, wallclock_seconds: 1, timestamp: 1764460800, env });
    writeFileSync(src, [line('staging', 'a'), line(undefined, 'b'), line('bad env!', 'c')].join('\n') + '\n');
    const dir = tempDir();
    const r = await importAutomationMetrics({ from: src, dir, env: 'prod', ...quiet });
    expect(r.droppedFields).toEqual({});
    const envs = Object.fromEntries((await readStore(dir)).spans.map((s) => [s.attrs['operation'], s.env]));
    expect(envs).toEqual({ a: 'staging', b: 'prod', c: 'prod' });
  });
});

describe('createAutomationMetrics', () => {
  it('records a session in the seed\'s field names; disabled is a no-op', async () => {
    const dir = tempDir();
    const dropped: string[] = [];
    const m = createAutomationMetrics({ meterOptions: { dir, env: 'test', onDiagnostic: () => {} }, onDroppedFields: (n) => dropped.push(...n) });
    expect(m.record({ operation: 'matmul', variants_generated: 12, validated: 9, promoted: 2, baseline_latency_ms: 4.1, optimized_latency_ms: 2.6, wallclock_seconds: 340, autotune_samples: 96, prompt: 'x' } as never)).toBe(true);
    await m.close();
    const { spans } = await readStore(dir);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attrs).toMatchObject({ operation: 'matmul', variants_generated: 12, autotune_samples: 96, wallclock_seconds: 340 });
    expect(spans[0]!.durationMs).toBe(340_000);
    expect(dropped).toEqual(['prompt']);
    const off = createAutomationMetrics({ enabled: false });
    expect(off.record({ operation: 'x', variants_generated: 1, validated: 1, promoted: 1, wallclock_seconds: 1 })).toBe(false);
    await off.close();
  });
});
