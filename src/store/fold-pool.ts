/**
 * Folding segments into span digests on worker threads. A cold report (a store imported,
 * copied from another machine, or read after an upgrade) parses every event once; that is
 * CPU-bound work that splits cleanly by segment, so each worker folds whole segments and
 * hands back the encoded digest (and writes it to the cache), while the reading thread
 * replays digests in segment order, exactly as it replays cached ones. Where worker threads
 * cannot run (the sources executed untranspiled, as in tests) or with `threads` 0, segments
 * are folded on the calling thread: the same function, the same digest.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SegmentSpans } from './fold-segment.js';
import type { SpanFilter } from './span-filter.js';
import { foldWorkerOnline, foldWorkerStarting } from './heap.js';
import type { Piece } from './pieces.js';

/**
 * A segment to fold; `cachePath` set: write the digest there too. With `collect`, the
 * segment's whole spans are wanted instead of a digest (`collectStore`).
 */
export interface FoldJob {
  id: number;
  file: string;
  size: number;
  mtimeMs: number;
  cachePath: string | undefined;
  /** Whether the digest keeps its detail (`DigestBuilder.detail`); it always does when it is written to the cache. */
  detail: boolean;
  /** The piece of the segment to fold (pieces.ts); none: the segment whole. */
  piece?: Piece | undefined;
  collect?: SpanFilter;
  /** A buffer the reading thread is done with, to encode the digest into if it is large enough. */
  buffer?: ArrayBuffer;
}

/**
 * A worker's answer: the encoded digest, or the segment's spans. A digest being written to
 * the cache comes back `pending`, before its write is synced; a second message with the same
 * id and no bytes says `written` or `failed` once it is.
 */
export interface FoldReply {
  id: number;
  bytes?: Uint8Array;
  cached?: 'no' | 'pending' | 'written' | 'failed';
  spans?: SegmentSpans;
  error?: string;
}

/** A folded digest; `written` settles when its write to the cache has (only when one was asked for). */
export interface FoldedDigest extends FoldReply {
  written?: Promise<'written' | 'failed'>;
}

const WORKER_URL = new URL('./fold-worker.js', import.meta.url);

/**
 * A worker's heap. Folding one segment keeps little (what did not finish inside it) and makes
 * much short-lived garbage; V8's default young generation let two workers add 120 MB to a
 * report's peak memory. At 8 MB (two semi-spaces of 4 MB) a worker scavenges half as often as at
 * 4 MB, each time copying the segment's texts and columns still being built: its collector
 * took about 120 ms of a cold report instead of 250 ms, for no peak memory measurable
 * (docs/performance.md, "Cold reads, seventh pass"). A segment that needs more fails its
 * worker and is folded on the reading thread.
 */
const WORKER_HEAP = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 32 };

/**
 * Fold threads by default: one per core, at most 4, and at least 2 cores (on one core a
 * thread only adds its start-up). `AGENTMETER_READ_THREADS` overrides it (0: none).
 */
export function defaultFoldThreads(env: Record<string, string | undefined> = process.env): number {
  const set = env['AGENTMETER_READ_THREADS'];
  if (set !== undefined && set.trim() !== '' && Number.isInteger(Number(set)) && Number(set) >= 0) return Math.min(Number(set), 16);
  const cores = availableParallelism();
  return cores >= 2 ? Math.min(cores, 4) : 0;
}

/** Whether fold workers can start here (the compiled worker script exists). */
export function foldThreadsUsable(): boolean {
  return WORKER_URL.pathname.endsWith('.js') && existsSync(fileURLToPath(WORKER_URL));
}

/** The pool `startFoldPoolEarly` started, until a read takes it (`foldPool`). */
let early: FoldPool | undefined;

/**
 * Start the fold workers now, for a read about to begin that will fold segments: a worker
 * takes about 100 ms to start and load its code, which then overlaps the reading thread
 * loading its own instead of following it. A cold report's first fold began 0.35-0.49 s
 * after the process did, 0.32-0.35 s with this (docs/performance.md, "Cold reads, thirteenth
 * pass"). The read folds on them from its first segment that needs it (`foldPoolWaiting`).
 * The workers keep no process alive; a read that folds nothing leaves them idle. Returns the
 * pool started (or started before and not yet taken); none where workers cannot run.
 */
export function startFoldPoolEarly(threads: number = defaultFoldThreads()): FoldPool | undefined {
  if (early === undefined && threads > 0 && foldThreadsUsable()) early = new FoldPool(threads);
  return early;
}

/** Whether a pool started early waits for a read to take it (`startFoldPoolEarly`). */
export function foldPoolWaiting(): boolean {
  return early !== undefined;
}

/** A pool of `threads` workers for a read, which closes it: the one started early when it has as many, else a new one. */
export function foldPool(threads: number): FoldPool {
  const pool = early;
  early = undefined;
  if (pool !== undefined && pool.threads === threads) return pool;
  void pool?.close();
  return new FoldPool(threads);
}

interface Waiting {
  job: FoldJob;
  resolve: (r: FoldedDigest) => void;
  reject: (e: Error) => void;
}

/**
 * Jobs a worker holds at once: the one it folds and the next, so it starts that one as soon
 * as it is done instead of waiting for the reading thread, busy replaying a digest, to hear
 * of it and send another (each worker idled about 4 % of a cold report that way;
 * docs/performance.md, "Cold reads, third pass").
 */
const JOBS_PER_WORKER = 2;

/** A pool of fold workers; jobs go to the least busy worker, in the order given. */
export class FoldPool {
  readonly #all: Worker[] = [];
  readonly #queue: Waiting[] = [];
  /** Jobs sent and not answered, by id. */
  readonly #busy = new Map<number, Waiting>();
  /** Jobs each worker holds. */
  readonly #held = new Map<Worker, number>();
  #next = 0;
  #failed: Error | undefined;
  /** Buffers of replayed digests, handed back to the workers with their next jobs (`recycle`). */
  readonly #spare: ArrayBuffer[] = [];
  /** Cache writes still being synced, by job id, and how many each worker has. */
  readonly #writes = new Map<number, { worker: Worker; settle: (c: 'written' | 'failed') => void; done: Promise<unknown> }>();
  readonly #writing = new Map<Worker, number>();
  /** How many workers the pool has. */
  readonly threads: number;

  constructor(threads: number) {
    this.threads = threads;
    foldWorkerStarting(WORKER_HEAP.maxYoungGenerationSizeMb, threads, availableParallelism());
    for (let i = 0; i < threads; i++) {
      // No stdio of its own: nothing in the fold writes there, and piping it costs a stream.
      const w = new Worker(WORKER_URL, { stdout: false, stderr: false, resourceLimits: WORKER_HEAP });
      w.on('message', (m: FoldReply) => {
        if (m.bytes === undefined && m.spans === undefined && (m.cached === 'written' || m.cached === 'failed')) {
          this.#settleWrite(m.id, m.cached);
          return;
        }
        const p = this.#busy.get(m.id);
        this.#busy.delete(m.id);
        this.#held.set(w, (this.#held.get(w) as number) - 1);
        if (m.cached === 'pending' && p) p.resolve({ ...m, written: this.#writeOf(m.id, w) });
        else if (m.bytes !== undefined || m.spans !== undefined) p?.resolve(m);
        else p?.reject(new Error(m.error ?? 'fold failed'));
        this.#pump();
      });
      // The process's flags are set back once every worker's isolate is made (heap.ts); a
      // worker that exits before it is online counts as made.
      let online = false;
      w.once('online', () => {
        online = true;
        foldWorkerOnline();
      });
      w.on('error', (e) => this.#fail(e));
      w.on('exit', (code) => {
        if (!online) foldWorkerOnline();
        online = true;
        if (code !== 0) this.#fail(new Error(`fold worker exited with code ${code}`));
        // A worker gone will not report its writes.
        for (const [id, x] of [...this.#writes]) if (x.worker === w) this.#settleWrite(id, 'failed');
      });
      // An idle pool must not keep the process alive.
      w.unref();
      this.#all.push(w);
      this.#held.set(w, 0);
      this.#writing.set(w, 0);
    }
  }

  /**
   * Fold one segment, or a piece of it, on a worker; rejects when the pool failed (the caller
   * folds it itself). `detail`: keep the detail even if it is not written to the cache.
   */
  fold(file: string, size: number, mtimeMs: number, cachePath: string | undefined, piece?: Piece, detail = true): Promise<FoldedDigest> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise<FoldedDigest>((resolve, reject) => {
      this.#queue.push({ job: { id: this.#next++, file, size, mtimeMs, cachePath, detail, piece }, resolve, reject });
      this.#pump();
    });
  }

  /** Fold one segment on a worker for `collectStore`: its spans, not a digest. */
  async collect(file: string, filter: SpanFilter): Promise<SegmentSpans> {
    if (this.#failed) throw this.#failed;
    const reply = await new Promise<FoldReply>((resolve, reject) => {
      this.#queue.push({ job: { id: this.#next++, file, size: 0, mtimeMs: 0, cachePath: undefined, detail: true, collect: filter }, resolve, reject });
      this.#pump();
    });
    return reply.spans as SegmentSpans;
  }

  /**
   * Hand back the buffer of a worker's digest once nothing refers to it any more (it was
   * replayed): a worker encodes a later digest into it. A fresh buffer per digest, moved to
   * the reading thread, lived there past a young-generation collection and then outside the
   * heap until a full one: about 10 MB of a cold report's memory (docs/performance.md).
   */
  recycle(buffer: ArrayBuffer): void {
    if (this.#spare.length < this.#all.length * 2 + 2) this.#spare.push(buffer);
  }

  /**
   * Stop the workers once their cache writes have settled (a write cut short leaves a temp
   * file). Resolves as they are told to stop: each takes tens of milliseconds to free its heap,
   * on its own thread, which the read need not wait for (the workers keep no process alive).
   */
  async close(): Promise<void> {
    const writes = [...this.#writes.values()].map((x) => x.done);
    this.#fail(new Error('fold pool closed'));
    await Promise.all(writes);
    for (const w of this.#all.splice(0)) void w.terminate();
  }

  /** A promise for the cache write of job `id`, on worker `w`, which holds the worker alive until it settles. */
  #writeOf(id: number, w: Worker): Promise<'written' | 'failed'> {
    let settle!: (c: 'written' | 'failed') => void;
    const done = new Promise<'written' | 'failed'>((resolve) => {
      settle = resolve;
    });
    this.#writes.set(id, { worker: w, settle, done });
    this.#writing.set(w, (this.#writing.get(w) as number) + 1);
    w.ref();
    return done;
  }

  #settleWrite(id: number, c: 'written' | 'failed'): void {
    const x = this.#writes.get(id);
    if (!x) return;
    this.#writes.delete(id);
    this.#writing.set(x.worker, (this.#writing.get(x.worker) as number) - 1);
    x.settle(c);
    this.#unrefIdle();
  }

  #pump(): void {
    for (let w = this.#leastBusy(); w !== undefined && this.#queue.length > 0; w = this.#leastBusy()) {
      const p = this.#queue.shift() as Waiting;
      this.#busy.set(p.job.id, p);
      this.#held.set(w, (this.#held.get(w) as number) + 1);
      w.ref();
      const buffer = p.job.collect === undefined ? this.#spare.pop() : undefined;
      if (buffer !== undefined) w.postMessage({ ...p.job, buffer }, [buffer]);
      else w.postMessage(p.job);
    }
    this.#unrefIdle();
  }

  /** An idle worker (no job, no write being synced) must not keep the process alive. */
  #unrefIdle(): void {
    for (const w of this.#all) if (this.#held.get(w) === 0 && this.#writing.get(w) === 0) w.unref();
  }

  /** The worker holding the fewest jobs, when it can take one more. */
  #leastBusy(): Worker | undefined {
    let best: Worker | undefined;
    let fewest = JOBS_PER_WORKER;
    for (const w of this.#all) {
      const n = this.#held.get(w) as number;
      if (n < fewest) {
        best = w;
        fewest = n;
      }
    }
    return best;
  }

  #fail(e: Error): void {
    this.#failed ??= e;
    for (const p of [...this.#busy.values(), ...this.#queue.splice(0)]) p.reject(this.#failed);
    this.#busy.clear();
  }
}
