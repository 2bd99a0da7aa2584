import { resolve } from 'node:path';
import { scanSpans } from '../../src/store/index.js';
import type { Feedback, Span } from '../../src/model/span.js';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures/seeds');

/** Every span and feedback of a store, sorted by span id. */
export async function readStore(dir: string): Promise<{ spans: Span[]; feedback: Feedback[]; duplicates: number }> {
  const spans: Span[] = [];
  const feedback: Feedback[] = [];
  const { fold } = await scanSpans({ root: dir, nowMs: Date.parse('2030-01-01T00:00:00Z'), onSpan: (s) => spans.push(s), onFeedback: (f) => feedback.push(f) });
  spans.sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
  feedback.sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
  return { spans, feedback, duplicates: fold.duplicates };
}

/** What must survive a round trip: everything but the import marker and timing-derived end. */
export function comparable(s: Span): unknown {
  const attrs = { ...s.attrs };
  delete attrs['import.source'];
  return { spanId: s.spanId, runId: s.runId, kind: s.kind, name: s.name, startMs: s.startMs, durationMs: s.durationMs, status: s.status, state: s.state, attrs };
}
