/**
 * The dashboard's view of one store: a span snapshot and a run index in memory, refreshed
 * when the store's segments change (checked at most every `checkIntervalMs`, on demand, so
 * an idle dashboard costs nothing). Answers are cached per data version and query.
 */
import type { Span } from '../../model/index.js';
import { DirectorySource } from '../../query/index.js';
import type { ReportSource } from '../../query/index.js';
import { RunIndex } from './run-index.js';
import { loadSnapshot } from './span-index.js';
import type { SpanSnapshot } from './span-index.js';
import { readStoreState } from './store-state.js';
import type { SegmentState } from './store-state.js';

/** What the dashboard holds in memory for one version of the store. */
export interface DashboardState {
  version: number;
  snapshot: SpanSnapshot;
  runs: readonly Span[];
  segments: readonly SegmentState[];
  loadedAtMs: number;
}

/** Options of `DashboardData`. */
export interface DashboardDataOptions {
  dir: string;
  /** Where the spans come from (default: the directory through its span cache). */
  source?: ReportSource;
  /** Minimum time between two looks at the store. Default 1000 ms. */
  checkIntervalMs?: number;
  /** Clock, Unix ms (tests pin it). */
  now?: () => number;
}

const MAX_CACHED_ANSWERS = 200;

/** Loads a store into memory and keeps it current. */
export class DashboardData {
  readonly dir: string;
  readonly source: ReportSource;
  readonly now: () => number;
  readonly #checkIntervalMs: number;
  readonly #runIndex = new RunIndex();
  readonly #answers = new Map<string, unknown>();
  #state: DashboardState | undefined;
  #signature = '';
  #lastCheckMs = -Infinity;
  #refreshing: Promise<DashboardState> | undefined;
  #lastReloadMs = 0;
  #lastReloadEndMs = -Infinity;

  constructor(o: DashboardDataOptions) {
    this.dir = o.dir;
    this.source = o.source ?? new DirectorySource(o.dir);
    this.now = o.now ?? Date.now;
    this.#checkIntervalMs = o.checkIntervalMs ?? 1000;
  }

  /**
   * The current state. The first call loads the store; later calls return at once and, if
   * the last look is older than the check interval, look again in the background. With
   * `fresh`, wait for that look (and any reload it starts).
   */
  async state(o: { fresh?: boolean } = {}): Promise<DashboardState> {
    if (!this.#state) return this.#refresh();
    if (this.#refreshing) return o.fresh ? this.#refreshing : this.#state;
    if (this.now() - this.#lastCheckMs >= this.#checkIntervalMs) {
      const p = this.#refresh();
      if (o.fresh) return p;
      p.catch(() => undefined);
    }
    return this.#state;
  }

  /** A cached answer for this version, or compute and remember it. */
  answer<T>(state: DashboardState, key: string, compute: () => T): T {
    const k = `${state.version}|${key}`;
    if (this.#answers.has(k)) return this.#answers.get(k) as T;
    const value = compute();
    if (this.#answers.size >= MAX_CACHED_ANSWERS) {
      const oldest = this.#answers.keys().next();
      if (!oldest.done) this.#answers.delete(oldest.value);
    }
    this.#answers.set(k, value);
    return value;
  }

  #refresh(): Promise<DashboardState> {
    if (this.#refreshing) return this.#refreshing;
    const p = this.#reload().finally(() => {
      this.#refreshing = undefined;
    });
    this.#refreshing = p;
    return p;
  }

  async #reload(): Promise<DashboardState> {
    this.#lastCheckMs = this.now();
    const { segments, signature } = await readStoreState(this.dir);
    if (this.#state && signature === this.#signature) return this.#state;
    // A store that takes seconds to read (10^6 events: ~5 s) under a steady stream of writes
    // would be reloaded back to back; reload it at most every twice its load time instead.
    if (this.#state && this.#lastReloadMs > 1000 && Date.now() - this.#lastReloadEndMs < 2 * this.#lastReloadMs) return this.#state;
    const nowMs = this.now();
    const t0 = Date.now();
    const snapshot = await loadSnapshot(this.source, nowMs);
    await this.#runIndex.refresh(segments, nowMs);
    this.#signature = signature;
    this.#lastReloadMs = Date.now() - t0;
    this.#lastReloadEndMs = Date.now();
    this.#answers.clear();
    this.#state = { version: (this.#state?.version ?? 0) + 1, snapshot, runs: this.#runIndex.runs, segments, loadedAtMs: nowMs };
    return this.#state;
  }
}
