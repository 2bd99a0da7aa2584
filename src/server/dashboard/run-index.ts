/**
 * The run list: the run spans of the whole store, kept in memory. Each segment is read once
 * for its run lines; an appended segment is read again only from where the last read
 * stopped, so a refresh after new events costs the new bytes, not the store.
 */
import { SpanFolder } from '../../model/index.js';
import type { AgentmeterEvent, Span } from '../../model/index.js';
import { readMatchingLines } from './segment-lines.js';
import type { SegmentState } from './store-state.js';

/** The run lines read so far from one segment. */
interface SegmentRuns {
  size: number;
  end: number;
  events: AgentmeterEvent[];
}

/** Run spans (newest first) built from segment caches that survive between refreshes. */
export class RunIndex {
  readonly #segments = new Map<string, SegmentRuns>();
  #runs: Span[] = [];

  /** Runs, newest start first. */
  get runs(): readonly Span[] {
    return this.#runs;
  }

  /** Bring the index up to the given segments (as listed now) and refold the runs. */
  async refresh(segments: readonly SegmentState[], nowMs: number): Promise<void> {
    const live = new Set<string>();
    for (const seg of segments) {
      live.add(seg.path);
      let cached = this.#segments.get(seg.path);
      // A segment only grows; a smaller one was replaced, so read it afresh.
      if (cached && seg.size < cached.size) cached = undefined;
      if (cached && seg.size === cached.size) continue;
      const from = cached?.end ?? 0;
      const { events, end } = await readMatchingLines(seg.path, from, '"kind":"run"');
      const next: SegmentRuns = cached ? { size: seg.size, end, events: cached.events.concat(events) } : { size: seg.size, end, events };
      this.#segments.set(seg.path, next);
    }
    for (const path of [...this.#segments.keys()]) if (!live.has(path)) this.#segments.delete(path);
    const runs: Span[] = [];
    const folder = new SpanFolder({ onSpan: (s) => runs.push(s), nowMs });
    for (const seg of segments) for (const e of this.#segments.get(seg.path)?.events ?? []) folder.add(e);
    folder.finish();
    runs.sort((a, b) => b.startMs - a.startMs);
    this.#runs = runs;
  }
}
