/**
 * One pass over a store for the exporters and seed reports: folded spans, the last feedback
 * of each span, and the point events whose attributes a seed file needs (handoffs, errors).
 * Holds the window's spans in memory, which the seed layouts need anyway (a run's final
 * report is written from all of its issues).
 */
import { stat } from 'node:fs/promises';
import type { AgentmeterEvent, SpanKind, SpanPointEvent } from '../model/events.js';
import { envSelected } from '../model/envs.js';
import type { EnvSelection } from '../model/envs.js';
import { SpanFolder } from '../model/fold.js';
import type { Feedback, Span } from '../model/span.js';
import { errnoText } from './errno.js';
import { collectSegment } from './fold-segment.js';
import type { SegmentSpans } from './fold-segment.js';
import { spanSelected } from './span-filter.js';
import type { SpanFilter } from './span-filter.js';
import { FoldPool, defaultFoldThreads, foldThreadsUsable } from './fold-pool.js';
import { listPartitions, listSegments, storeExists } from './layout.js';
import { scanEvents } from './reader.js';
import type { SkippedLine } from './reader.js';

/** Options of `collectStore`. */
export interface CollectOptions {
  dir: string;
  /** Spans started before this are left out (default: all history). */
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  /**
   * Which time of a span `sinceMs`/`untilMs` select on: its start (default), or its end (an
   * open span: its start), as the automation seed's `--since` filters on a session's `timestamp`.
   */
  windowOn?: 'start' | 'end';
  /** A list, `all`, or by default every env but test and demo. */
  envs?: EnvSelection;
  /** Only spans of these kinds (default: all); the rest are folded but not kept. */
  kinds?: readonly SpanKind[];
  /** Names of point events to keep whole. */
  points?: readonly string[];
  nowMs?: number;
  /**
   * Fold workers (default 0: read on this thread; `'default'`: as many as a cold report
   * uses; not with `points`). They pay only when few of the spans are kept: each kept span
   * is copied from its worker. Over 1M events, the
   * automation report (optimization sessions) took 3.7 s instead of 4.9; agent and workflow
   * spans (most spans kept) 7.3 s instead of 6.7 (docs/performance.md).
   */
  threads?: number | 'default';
  /** Start the workers only for stores of at least this many bytes (default 8 MiB). */
  threadsAfterBytes?: number;
  /** How far the read is: day partitions (or, on workers, segments) done and in all. */
  onProgress?: ((done: number, total: number) => void) | undefined;
  /**
   * Hand each kept span to this instead of keeping it (`spans` is then empty, and spans come
   * in the order they fold, not sorted): for a caller that reduces spans as they come.
   */
  onSpan?: ((span: Span) => void) | undefined;
  /** Default true; false keeps no feedback: `feedback` is then empty, and the fold across segments holds none. */
  feedback?: boolean;
}

/** What `collectStore` found. */
export interface Collected {
  spans: Span[];
  feedback: Feedback[];
  points: SpanPointEvent[];
  skipped: number;
  samples: SkippedLine[];
}

/**
 * Read spans, feedback and chosen point events of a store.
 *
 * @example
 * const { spans } = await collectStore({ dir: '.agentmeter', envs: ['prod'] });
 */
export async function collectStore(o: CollectOptions): Promise<Collected> {
  const spans: Span[] = [];
  const feedback: Feedback[] = [];
  const points: SpanPointEvent[] = [];
  const samples: SkippedLine[] = [];
  const keepPoints = new Set(o.points ?? []);
  const seenPoints = new Set<string>();
  const filter: SpanFilter = {
    sinceMs: o.sinceMs ?? -Infinity,
    untilMs: o.untilMs ?? Infinity,
    windowOn: o.windowOn ?? 'start',
    envs: o.envs,
    kinds: o.kinds,
  };
  const keep = o.onSpan ?? ((s: Span): void => void spans.push(s));
  const folder = new SpanFolder({
    nowMs: o.nowMs ?? Date.now(),
    onSpan: (s) => {
      if (spanSelected(s, filter)) keep(s);
    },
    ...(o.feedback !== false
      ? {
          onFeedback: (f: Feedback): void => {
            if (envSelected(f.env, o.envs)) feedback.push(f);
          },
        }
      : {}),
  });
  const onSkip = (s: SkippedLine): void => {
    if (samples.length < 20) samples.push(s);
  };
  // Point events are kept as they are read, so a read that keeps some stays on this thread.
  const threads = keepPoints.size === 0 && foldThreadsUsable() ? (o.threads === 'default' ? defaultFoldThreads() : (o.threads ?? 0)) : 0;
  let skipped = threads > 0 ? await collectOnWorkers(o, threads, filter, folder, keep, onSkip) : undefined;
  if (skipped === undefined) {
    const read = await scanEvents({
      root: o.dir,
      // Spans started in the window may end days later; partitions before it hold nothing of it.
      ...(o.sinceMs !== undefined ? { sinceMs: o.sinceMs } : {}),
      onEvent: (e: AgentmeterEvent) => {
        folder.add(e);
        if (e.type === 'span.event' && keepPoints.has(e.name) && !seenPoints.has(e.id) && envSelected(e.env, o.envs)) {
          seenPoints.add(e.id);
          points.push(e);
        }
      },
      onSkip,
      onPartition: o.onProgress,
    });
    skipped = read.skipped;
  }
  folder.finish();
  spans.sort((a, b) => a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : 1));
  points.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  return { spans, feedback, points, skipped, samples };
}

/** Bytes of segments from which fold workers start (below, a worker's start-up costs more than it saves). */
const THREADS_AFTER_BYTES = 8 * 1024 * 1024;

/**
 * The segments folded on fold workers, each alone (as for span digests, docs/performance.md),
 * and put together here in segment order: the spans a segment finished are deduplicated
 * against earlier segments by id hash, and what it left unfinished goes to the fold across
 * segments, in the order it was read. Returns the lines skipped, or undefined without having
 * read anything when the store is too small for workers to pay (read it on this thread).
 */
async function collectOnWorkers(
  o: CollectOptions,
  threads: number,
  filter: SpanFilter,
  folder: SpanFolder,
  keep: (s: Span) => void,
  onSkip: (s: SkippedLine) => void,
): Promise<number | undefined> {
  if (!(await storeExists(o.dir))) return undefined;
  let parts: { day: string; path: string }[];
  try {
    parts = await listPartitions(o.dir, { sinceMs: o.sinceMs });
  } catch {
    return undefined; // scanEvents says what is wrong with the store
  }
  let skipped = 0;
  const unreadable: SkippedLine[] = [];
  const files: { file: string; size: number }[] = [];
  for (const part of parts) {
    let segments: string[];
    try {
      segments = await listSegments(part.path);
    } catch (e: unknown) {
      // Counted as scanEvents counts it.
      unreadable.push({ file: part.path, line: 0, reason: `unreadable partition (${errnoText(e)})` });
      continue;
    }
    for (const file of segments) files.push({ file, size: (await stat(file).catch(() => undefined))?.size ?? 0 });
  }
  const bytes = files.reduce((n, f) => n + f.size, 0);
  if (files.length < 2 || bytes < (o.threadsAfterBytes ?? THREADS_AFTER_BYTES)) return undefined;
  const pool = new FoldPool(threads);
  // A worker that failed (out of memory, killed): its segments are folded here instead.
  const fold = (file: string): Promise<SegmentSpans> => pool.collect(file, filter).catch(() => collectSegment(file, filter));
  for (const u of unreadable) {
    skipped++;
    onSkip(u);
  }
  try {
    // A few segments ahead on the workers; each is put together as soon as it is its turn.
    const window = 2 * threads + 2;
    const ahead: Promise<SegmentSpans>[] = [];
    let next = 0;
    for (let i = 0; i < files.length; i++) {
      for (; next < files.length && next <= i + window; next++) {
        const p = fold((files[next] as { file: string }).file);
        p.catch(() => undefined);
        ahead.push(p);
      }
      const r = await (ahead.shift() as Promise<SegmentSpans>);
      skipped += r.stats.skipped;
      for (const s of r.stats.samples) onSkip(s);
      let k = 0;
      for (let j = 0; j < r.hashes.length; j++) {
        const first = folder.markFinished(r.hashes[j] as number);
        if (k < r.keptAt.length && r.keptAt[k] === j) {
          if (first) keep(r.kept[k] as Span);
          k++;
        }
      }
      for (const e of r.pending) folder.add(e);
      o.onProgress?.(i + 1, files.length);
    }
  } finally {
    await pool.close();
  }
  return skipped;
}
