import { describe, expect, it } from 'vitest';
import { automationSummary } from '../../src/analytics/index.js';
import { createAutomationMetrics } from '../../src/integrations/compat.js';
import { deviceModelName, optimizationFields } from '../../src/integrations/automation/record-fields.js';
import { tempDir } from '../helpers.js';
import { readStore } from './helpers.js';

const quiet = { onDiagnostic: () => {} };
const base = { variants_generated: 4, validated: 3, promoted: 1, wallclock_seconds: 60 };

describe('automation-metrics records as the seed writes them', () => {
  it('a batch keeps each record\'s own timestamp (the session\'s end); a record without one is stamped now', async () => {
    const dir = tempDir();
    const m = createAutomationMetrics({ meterOptions: { dir, env: 'prod', ...quiet } });
    const before = Date.now();
    expect(m.record({ operation: 'matmul', ...base, timestamp: '2026-11-20T10:00:00Z' })).toBe(true);
    expect(m.record({ operation: 'conv2d', ...base, timestamp: 1763719200.5 })).toBe(true);
    expect(m.record({ operation: 'softmax', ...base })).toBe(true);
    expect(m.record({ operation: 'gelu', ...base, timestamp: 'yesterday' })).toBe(false);
    await m.close();
    const { spans } = await readStore(dir);
    const end = Object.fromEntries(spans.map((s) => [s.attrs['operation'], s.endMs]));
    expect(end['matmul']).toBe(Date.parse('2026-11-20T10:00:00Z'));
    expect(end['conv2d']).toBe(1763719200500);
    expect(end['softmax']).toBeGreaterThanOrEqual(before);
    expect(end['gelu']).toBeUndefined();
    // The window is the record's: 60 s of wall-clock end at its timestamp.
    expect(spans.find((s) => s.attrs['operation'] === 'matmul')!.startMs).toBe(Date.parse('2026-11-20T09:59:00Z'));
  });

  it('device keeps the model name only: GPU UUIDs, PCI bus ids and serials are removed and reported', () => {
    expect(deviceModelName('NVIDIA A100-SXM4-40GB (UUID: GPU-5fb7a3c2-1d2e-4f5a-8b9c-0d1e2f3a4b5c)')).toEqual({ name: 'NVIDIA A100-SXM4-40GB', removed: true });
    expect(deviceModelName('Tesla T4 GPU-5fb7a3c2-1d2e-4f5a-8b9c-0d1e2f3a4b5c bus 0000:3b:00.0').name).toBe('Tesla T4');
    expect(deviceModelName('AMD MI300X [serial: 8f0a]').name).toBe('AMD MI300X');
    expect(deviceModelName('NVIDIA GeForce RTX 4090')).toEqual({ name: 'NVIDIA GeForce RTX 4090', removed: false });
    const f = optimizationFields({ operation: 'matmul', ...base, device: 'NVIDIA H100 GPU-5fb7a3c2-1d2e-4f5a-8b9c-0d1e2f3a4b5c' }, (s) => s);
    expect(f.attrs['device']).toBe('NVIDIA H100');
    expect(f.dropped).toEqual(['device (hardware identifier)']);
  });

  it('wall-clock saved: reported where given, derived from latencies × calls where the record allows, and the rest counted as not derivable', () => {
    const s = (attrs: Record<string, number>, k: number) => ({
      spanId: `s${k}`, runId: `s${k}`, parentId: null, kind: 'optimization' as const, name: 'optimize', state: 'ended' as const, status: 'success' as const,
      startMs: 1000 + k, endMs: 2000 + k, durationMs: 1000, env: 'prod', attrs: { operation: 'matmul', ...base, ...attrs }, pointEvents: 0,
    });
    const summary = automationSummary(
      [
        s({ wallclock_saved_seconds: 30 }, 1),
        s({ baseline_latency_ms: 4, optimized_latency_ms: 2.5, calls: 10_000 }, 2),
        s({ baseline_latency_ms: 4, optimized_latency_ms: 2.5 }, 3),
        s({}, 4),
      ] as never,
      { sinceMs: 0, untilMs: 10_000 },
    );
    expect(summary.current.wallclock_saved_seconds).toEqual({ total: 30 + 15, sessions: 2, not_derivable: 2 });
  });
});
