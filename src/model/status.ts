import type { SpanStatus } from './events.js';

// Words the seed systems and CI providers use, mapped to the canonical status.
const STATUS_WORDS: Record<string, SpanStatus> = {
  success: 'success',
  succeeded: 'success',
  successful: 'success',
  completed: 'success',
  complete: 'success',
  passed: 'success',
  pass: 'success',
  ok: 'success',
  resolved: 'success',
  failure: 'failure',
  failed: 'failure',
  fail: 'failure',
  error: 'failure',
  errored: 'failure',
  timeout: 'failure',
  timed_out: 'failure',
  unresolved: 'failure',
  partial: 'partial',
  unknown: 'unknown',
  skipped: 'skipped',
  skip: 'skipped',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  cancellation: 'cancelled',
  stopped: 'cancelled',
  aborted: 'cancelled',
  interrupted: 'cancelled',
};

/**
 * Map a writer's status word to the canonical `SpanStatus`. Unrecognised words become
 * `unknown` (never guessed as success or failure).
 *
 * @example
 * normalizeStatus('completed') // 'success'
 * normalizeStatus('canceled')  // 'cancelled'
 */
export function normalizeStatus(word: unknown): SpanStatus {
  if (typeof word === 'boolean') return word ? 'success' : 'failure';
  if (typeof word !== 'string') return 'unknown';
  return STATUS_WORDS[word.trim().toLowerCase()] ?? 'unknown';
}

/** OpenTelemetry `cicd.pipeline.result` for a canonical status. */
export function pipelineResult(status: SpanStatus): string {
  switch (status) {
    case 'success':
      return 'success';
    case 'failure':
      return 'failure';
    case 'cancelled':
      return 'cancellation';
    case 'skipped':
      return 'skip';
    case 'partial':
    case 'unknown':
      return 'error';
  }
}
