import type {
  AgentmeterEvent,
  BaseAttributes,
  FeedbackEvent,
  SpanCompleteEvent,
  SpanEndEvent,
  SpanPointEvent,
  SpanStartEvent,
} from './events.js';
import type { Feedback, Span } from './span.js';
import { HashSet53 } from './hash-set.js';
import { parseIsoMs } from './time.js';

/** Counters kept while folding. */
export interface FoldStats {
  /** Events folded. */
  events: number;
  /**
   * Events ignored because their id (or their span's start/end) was already folded. Feedback
   * delivered twice counts only in a fold that keeps feedback (`onFeedback` or `drains`).
   */
  duplicates: number;
  /** Ends whose start was never seen; folded from the end alone (name and start attributes unknown). */
  orphanEnds: number;
  /** Point events (`span.event`) whose span was never seen. */
  orphanPoints: number;
}

/** Options of a `SpanFolder`. */
export interface SpanFolderOptions {
  /** Each span once, with `hashId(span.spanId)` (computed once per event, so callers need not). */
  onSpan: (span: Span, idHash: number) => void;
  /**
   * The last feedback of each span, at `finish`. Without it (and without `drains`), feedback
   * events are counted but not kept: a store's feedback need not sit in memory for a read
   * that does not use it.
   */
  onFeedback?: (feedback: Feedback) => void;
  /** "Now" for open/abandoned decisions, Unix ms. */
  nowMs?: number;
  /** A span started longer ago than this without an end is abandoned. Default 24 h. */
  openTimeoutMs?: number;
  /** Remember the order of unmatched events, so `drain` hands them out as folded (one segment's fold). */
  drains?: boolean;
}

/** Default time after which an unended span counts as abandoned even if its run is live. */
export const DEFAULT_OPEN_TIMEOUT_MS = 24 * 3_600_000;


/**
 * Folds events into spans: a span is its `span.start` merged with its `span.end` (or one
 * `span` event). Delivery is at-least-once, so folding is idempotent: a second start, end or
 * complete event for a span already folded is counted as a duplicate and ignored.
 *
 * Memory is bounded by what is still unmatched (spans started but not yet ended, and ends
 * seen before their start when they live in different segments) plus a set of 53-bit hashes
 * of finished span ids for dedupe; ended spans are handed to `onSpan` at once.
 *
 * @example
 * const spans: Span[] = [];
 * const folder = new SpanFolder({ onSpan: (s) => spans.push(s) });
 * for (const e of events) folder.add(e);
 * folder.finish();
 */
export class SpanFolder {
  readonly stats: FoldStats = { events: 0, duplicates: 0, orphanEnds: 0, orphanPoints: 0 };
  readonly #onSpan: (span: Span, idHash: number) => void;
  readonly #onFeedback: ((feedback: Feedback) => void) | undefined;
  readonly #nowMs: number;
  readonly #openTimeoutMs: number;
  readonly #pendingStarts = new Map<string, SpanStartEvent>();
  readonly #pendingEnds = new Map<string, SpanEndEvent>();
  readonly #points = new Map<string, SpanPointEvent[]>();
  readonly #finished = new HashSet53();
  readonly #feedback = new Map<string, FeedbackEvent>();
  /** When each event still unmatched was folded, for `drain` (which hands them out in that order). */
  readonly #seq = new Map<AgentmeterEvent, number>();
  readonly #drains: boolean;
  #next = 0;

  constructor(options: SpanFolderOptions) {
    this.#onSpan = options.onSpan;
    this.#onFeedback = options.onFeedback;
    this.#nowMs = options.nowMs ?? Date.now();
    this.#openTimeoutMs = options.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
    this.#drains = options.drains === true;
  }

  /** Fold one validated event. */
  add(event: AgentmeterEvent): void {
    this.stats.events++;
    this.#next++;
    switch (event.type) {
      case 'span.start':
        this.#start(event);
        return;
      case 'span.end':
        this.#end(event);
        return;
      case 'span':
        this.#complete(event);
        return;
      case 'span.event':
        this.#point(event);
        return;
      case 'feedback':
        if (this.#onFeedback !== undefined || this.#drains) this.#addFeedback(event);
        return;
    }
  }

  /** Emit what is left: unended spans (open or abandoned), orphan ends, and all feedback. */
  finish(): void {
    for (const [spanId, end] of this.#pendingEnds) {
      const h = hashId(spanId);
      // Finished elsewhere (a complete event, or a span cache of another segment).
      if (this.#finished.has(h)) {
        this.stats.duplicates++;
        continue;
      }
      this.stats.orphanEnds++;
      this.#emit(spanFromParts(undefined, end, this.#takePoints(spanId)), h);
    }
    this.#pendingEnds.clear();
    for (const [spanId, start] of this.#pendingStarts) {
      const h = hashId(spanId);
      if (this.#finished.has(h)) {
        this.stats.duplicates++;
        continue;
      }
      const span = spanFromParts(start, undefined, this.#takePoints(spanId));
      const runEnded = start.run_id !== start.span_id && this.#finished.has(hashId(start.run_id));
      span.state = runEnded || this.#nowMs - span.startMs > this.#openTimeoutMs ? 'abandoned' : 'open';
      this.#onSpan(span, h);
    }
    this.#pendingStarts.clear();
    for (const points of this.#points.values()) this.stats.orphanPoints += points.length;
    this.#points.clear();
    if (this.#onFeedback) for (const f of this.#feedback.values()) this.#onFeedback(feedbackFromEvent(f));
    this.#feedback.clear();
  }

  /**
   * Take what is still unmatched as raw events (starts, ends, point events, and the winning
   * feedback per span), in the order they were folded, without deciding open or abandoned:
   * folding one segment alone leaves these for the fold across all segments, which then sees
   * them in the order the plain fold of every line would (an attempt recorded after its
   * span's end, in another segment than its start, then counts in neither).
   */
  drain(): AgentmeterEvent[] {
    const out: AgentmeterEvent[] = [];
    for (const points of this.#points.values()) out.push(...points);
    out.push(...this.#pendingStarts.values(), ...this.#pendingEnds.values());
    out.push(...this.#feedback.values());
    const seq = this.#seq;
    out.sort((x, y) => (seq.get(x) ?? 0) - (seq.get(y) ?? 0));
    this.#pendingStarts.clear();
    this.#pendingEnds.clear();
    this.#points.clear();
    this.#feedback.clear();
    seq.clear();
    return out;
  }

  /** Make room for about `spans` finished spans at once: grown step by step, the set fills fresh memory at each step. */
  reserveFinished(spans: number): void {
    this.#finished.reserve(spans);
  }

  /**
   * `markFinished` of each of `hashes`, in order, in one pass: `fresh[i]` 1 when the span is
   * new, 0 for a duplicate. A scan marks a digest's spans so before replaying them: half a
   * million inserts into a table of 8 MB, each a miss of the caches, overlap in one tight
   * loop, where one per span replayed cost a tenth of a warm report.
   */
  markAllFinished(hashes: ArrayLike<number>, fresh: Uint8Array): void {
    const set = this.#finished;
    let dups = 0;
    for (let i = 0; i < hashes.length; i++) {
      const isNew = set.add(hashes[i] as number);
      fresh[i] = isNew ? 1 : 0;
      if (!isNew) dups++;
    }
    this.stats.duplicates += dups;
  }

  /**
   * Count a span folded elsewhere (e.g. read from the span cache) as finished. Returns false
   * when a span with the same id hash was already finished: a duplicate to skip.
   */
  markFinished(spanIdHash: number): boolean {
    if (this.#finished.add(spanIdHash)) return true;
    this.stats.duplicates++;
    return false;
  }

  #start(e: SpanStartEvent): void {
    const key = e.span_id;
    const h = hashId(key);
    if (this.#finished.has(h) || this.#pendingStarts.has(key)) {
      this.stats.duplicates++;
      return;
    }
    const end = this.#pendingEnds.get(key);
    if (end) {
      this.#pendingEnds.delete(key);
      this.#forget(end);
      this.#emit(spanFromParts(e, end, this.#takePoints(key)), h);
      return;
    }
    this.#pendingStarts.set(key, e);
    if (this.#drains) this.#seq.set(e, this.#next);
  }

  #end(e: SpanEndEvent): void {
    const key = e.span_id;
    const h = hashId(key);
    if (this.#finished.has(h) || this.#pendingEnds.has(key)) {
      this.stats.duplicates++;
      return;
    }
    const start = this.#pendingStarts.get(key);
    if (start) {
      this.#pendingStarts.delete(key);
      this.#forget(start);
      this.#emit(spanFromParts(start, e, this.#takePoints(key)), h);
      return;
    }
    this.#pendingEnds.set(key, e);
    if (this.#drains) this.#seq.set(e, this.#next);
  }

  #complete(e: SpanCompleteEvent): void {
    const key = e.span_id;
    const h = hashId(key);
    if (this.#finished.has(h)) {
      this.stats.duplicates++;
      return;
    }
    const start = this.#pendingStarts.get(key);
    if (start) {
      this.#pendingStarts.delete(key);
      this.#forget(start);
    }
    const end = this.#pendingEnds.get(key);
    if (end) {
      this.#pendingEnds.delete(key);
      this.#forget(end);
    }
    const span = spanFromParts(start, e, this.#takePoints(key));
    span.name = e.name;
    span.parentId = e.parent_id;
    this.#emit(span, h);
  }

  #point(e: SpanPointEvent): void {
    if (this.#finished.has(hashId(e.span_id))) {
      // Attempts recorded after their span ended are already summarised on the end event.
      return;
    }
    let p = this.#points.get(e.span_id);
    if (!p) {
      p = [];
      this.#points.set(e.span_id, p);
    }
    // Lists are short (one cycle's attempts), so a scan beats a set per span.
    if (p.some((x) => x.id === e.id)) {
      this.stats.duplicates++;
      return;
    }
    p.push(e);
    if (this.#drains) this.#seq.set(e, this.#next);
  }

  #addFeedback(e: FeedbackEvent): void {
    const prev = this.#feedback.get(e.span_id);
    if (prev && (prev.id === e.id || parseIsoMs(prev.ts) > parseIsoMs(e.ts))) {
      if (prev.id === e.id) this.stats.duplicates++;
      return;
    }
    if (prev) this.#forget(prev);
    this.#feedback.set(e.span_id, e);
    if (this.#drains) this.#seq.set(e, this.#next);
  }

  #takePoints(spanId: string): number {
    const p = this.#points.get(spanId);
    if (!p) return 0;
    this.#points.delete(spanId);
    if (this.#drains) for (const e of p) this.#seq.delete(e);
    return p.length;
  }

  /** A matched event is no longer unmatched: `drain` will not hand it out. */
  #forget(e: AgentmeterEvent): void {
    if (this.#drains) this.#seq.delete(e);
  }

  /** `h` is `hashId(span.spanId)`. */
  #emit(span: Span, h: number): void {
    this.#finished.add(h);
    this.#onSpan(span, h);
  }
}

/** A feedback event as the `Feedback` a fold hands out. */
export function feedbackFromEvent(e: FeedbackEvent): Feedback {
  return {
    id: e.id,
    spanId: e.span_id,
    runId: e.run_id,
    env: e.env,
    tsMs: parseIsoMs(e.ts),
    success: e.success,
    rating: e.rating,
    source: e.source,
    attrs: e.attrs,
  };
}

/** Build a span from a start and/or an end (or complete) event. */
function spanFromParts(
  start: SpanStartEvent | undefined,
  end: SpanEndEvent | SpanCompleteEvent | undefined,
  pointEvents: number,
): Span {
  const head = (start ?? end) as SpanStartEvent | SpanEndEvent | SpanCompleteEvent;
  const startMs = parseIsoMs(start ? start.ts : (end as SpanEndEvent).start_ts);
  const endMs = end ? parseIsoMs(end.ts) : null;
  const attrs = mergeAttrs(start?.attrs, end?.attrs);
  let durationMs: number | null = null;
  // A writer that did not know the duration says so (`duration.unknown`, e.g. imported
  // sub-agent telemetry without one): the gap between its events is not a duration.
  if (end && attrs['duration.unknown'] !== true) durationMs = end.duration_ms ?? (endMs !== null ? Math.max(0, endMs - startMs) : null);
  return {
    spanId: head.span_id,
    runId: head.run_id,
    parentId: start ? start.parent_id : end && end.type === 'span' ? end.parent_id : null,
    kind: head.kind,
    name: start ? start.name : end && end.type === 'span' ? end.name : head.kind,
    env: head.env,
    startMs,
    endMs,
    durationMs,
    status: end ? end.status : null,
    state: end ? 'ended' : 'open',
    attrs,
    pointEvents,
  };
}

/**
 * Merge end attributes over start attributes. A key named `__proto__` (which `JSON.parse`
 * creates as an own property) is dropped: copying it by assignment would replace the
 * prototype of the result.
 */
export function mergeAttrs(a: BaseAttributes | undefined, b: BaseAttributes | undefined): BaseAttributes {
  const out: BaseAttributes = {};
  for (const src of [a, b]) {
    if (!src) continue;
    for (const k of Object.keys(src)) {
      if (k === '__proto__') continue;
      const v = src[k];
      if (v !== undefined) out[k] = v;
    }
  }
  return out;
}

/**
 * 53-bit FNV-1a-style hash of an id (two 32-bit lanes), for compact dedupe sets: a
 * `Set<number>` of 500,000 entries takes a fraction of the memory of the same strings.
 */
export function hashId(s: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}
