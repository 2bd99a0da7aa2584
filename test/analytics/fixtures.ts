import type { BaseAttributes, SpanKind } from '../../src/model/events.js';
import type { Feedback, Span } from '../../src/model/span.js';

/** Current window of the report tests: one week, previous week before it. */
export const SINCE = Date.parse('2025-01-08T00:00:00.000Z');
export const UNTIL = Date.parse('2025-01-15T00:00:00.000Z');
export const PREV = Date.parse('2025-01-01T00:00:00.000Z');
export const HOUR = 3_600_000;

let seq = 0;

type SpanInit = Partial<Omit<Span, 'kind' | 'attrs'>> & { attrs?: BaseAttributes };

/** A finished, successful span of `kind` one hour into the current window unless told otherwise. */
export function span(kind: SpanKind, init: SpanInit = {}): Span {
  const startMs = init.startMs ?? SINCE + HOUR;
  const state = init.state ?? 'ended';
  const ended = state === 'ended';
  const durationMs = init.durationMs !== undefined ? init.durationMs : ended ? 1000 : null;
  return {
    spanId: init.spanId ?? `s${++seq}`,
    runId: init.runId ?? 'run-1',
    parentId: init.parentId ?? null,
    kind,
    name: init.name ?? kind,
    env: init.env ?? 'prod',
    startMs,
    endMs: init.endMs !== undefined ? init.endMs : ended && durationMs !== null ? startMs + durationMs : null,
    durationMs,
    status: init.status !== undefined ? init.status : ended ? 'success' : null,
    state,
    attrs: init.attrs ?? {},
    pointEvents: init.pointEvents ?? 0,
  };
}

/** Feedback one hour into the current window unless told otherwise. */
export function feedback(init: Partial<Feedback> = {}): Feedback {
  return {
    id: init.id ?? `f${++seq}`,
    spanId: init.spanId ?? `s${seq}`,
    runId: init.runId ?? 'run-1',
    env: init.env ?? 'prod',
    tsMs: init.tsMs ?? SINCE + HOUR,
    success: init.success !== undefined ? init.success : null,
    rating: init.rating !== undefined ? init.rating : null,
    source: init.source ?? 'human',
    attrs: init.attrs ?? {},
  };
}

/** Deterministic PRNG (mulberry32) so accuracy tests are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Deep equality where numbers may differ by a relative 1e-9: sums of logarithms and of
 * floats depend on addition order, which merging changes.
 */
export function approxEqual(a: unknown, b: unknown, path = '$'): string | null {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return null;
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)) ? null : `${path}: ${a} != ${b}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} != ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = approxEqual(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) return `${path}: keys ${ka.join()} != ${kb.join()}`;
    for (const k of ka) {
      const d = approxEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${path}: ${String(a)} != ${String(b)}`;
}
