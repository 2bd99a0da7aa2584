import { buildReport } from '../../src/analytics/report.js';
import type { Report } from '../../src/analytics/report-types.js';
import type { Span } from '../../src/model/span.js';
import { HOUR, SINCE, UNTIL, feedback, span } from '../analytics/fixtures.js';

/** A report with data in every section and a groups table, for the renderer tests. */
export function sampleReport(grouped = true): Report {
  const spans: Span[] = [];
  for (let i = 0; i < 10; i++) {
    const model = i < 6 ? 'claude-sonnet' : 'gpt, "4o"';
    spans.push(
      span('run', { status: i < 8 ? 'success' : 'failure', durationMs: 60_000 * (i + 1), attrs: { 'gen_ai.request.model': model } }),
      span('task', { status: i % 3 === 0 ? 'failure' : 'success', attrs: { 'gen_ai.request.model': model } }),
      span('agent', {
        status: i % 4 === 0 ? 'failure' : 'success',
        durationMs: 1000 * (i + 1),
        attrs: { 'gen_ai.request.model': model, 'agent.attempt': i % 5 === 0 ? 2 : 1, 'gen_ai.usage.input_tokens': 1200 },
      }),
      span('pipeline', { status: i % 2 === 0 ? 'success' : 'failure', attrs: { 'pipeline.attempt': (i % 2) + 1, 'gen_ai.request.model': model } }),
    );
  }
  spans.push(
    span('agent', { status: 'failure', startMs: SINCE - HOUR }),
    span('run', { state: 'abandoned' }),
    span('debug', { status: 'success', durationMs: 240_000, attrs: { 'gen_ai.agent.name': 'coder', 'debug.attempts': 2 } }),
    span('debug', { status: 'failure', attrs: { 'gen_ai.agent.name': 'coder', 'debug.attempts': 3 } }),
    span('optimization', { attrs: { operation: 'matmul', baseline_latency_ms: 12, optimized_latency_ms: 4, variants_generated: 16, validated: 12, promoted: 3, wallclock_seconds: 600 } }),
    span('optimization', { attrs: { operation: 'conv', baseline_latency_ms: 5, optimized_latency_ms: 0 } }),
    span('run', { env: 'demo' }),
  );
  const fb = [feedback({ rating: 4, success: true, attrs: { 'target.kind': 'agent' } })];
  const o = { sinceMs: SINCE, untilMs: UNTIL, nowMs: UNTIL };
  const report = buildReport(spans, fb, grouped ? { ...o, by: 'model' } : o);
  return { ...report, skipped_lines: 3, skipped_samples: [{ file: 'events/2025-01-09/w1.jsonl', line: 17, reason: 'invalid JSON' }] };
}
