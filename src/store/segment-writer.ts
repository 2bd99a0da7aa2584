/**
 * Append-only writer of one process's segments (DESIGN.md §3, docs/durability.md).
 *
 * Every writer creates its own segment files and never appends to anyone else's: a process
 * killed in the middle of a `write` leaves a torn last line in its own file only, where the
 * reader skips it, instead of a fragment that glues onto a neighbour's next line and destroys
 * it (REFERENCE §G). Each flush is one `write` of whole lines.
 */
import { fstatSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AgentmeterError, DiagnosticChannel, startOfUtcDay, stderrListener, utcDay } from '../model/index.js';
import type { Diagnostic } from '../model/index.js';
import { errnoText } from './errno.js';
import { flushOnExit, flushOnSignals, unhook } from './exit-hooks.js';
import { EVENTS_DIR, segmentFileName } from './layout.js';
import { nodeWriterFs, positionalWriterFs } from './writer-fs.js';
import type { WriterFs } from './writer-fs.js';

/**
 * How hard a writer works to keep an event once `append` has returned:
 * - `sync`: `write` + `fsync` per event; survives power loss. ≈140–210 µs per event here.
 * - `flush`: one `write` per event, no `fsync`; survives a crash or `kill -9` of the process,
 *   not an OS crash. ≈1–5 µs per event.
 * - `buffered`: lines are batched in memory and written on size, on an interval, on exit and
 *   on SIGINT/SIGTERM; `kill -9` loses at most the unwritten batches (`maxBufferBytes`).
 *   Full batches are written from libuv's thread pool, so the host pays for a string concat
 *   and the UTF-8 encoding; `flushSync`, exit and signals write synchronously.
 */
export type Durability = 'sync' | 'flush' | 'buffered';

const DURABILITIES: readonly string[] = ['sync', 'flush', 'buffered'] satisfies Durability[];

/** Options of a `SegmentWriter`. */
export interface SegmentWriterOptions {
  /** Store root; segments go under `<root>/events/YYYY-MM-DD/`. */
  root: string;
  /** Default `buffered`. */
  durability?: Durability | undefined;
  /** Buffered mode: write the batch at least this often. Default 1000. */
  flushIntervalMs?: number | undefined;
  /** Buffered mode: write the batch once it holds this many characters. Default 64 KiB. */
  maxBufferBytes?: number | undefined;
  /** Start a new segment once the current one reaches this size. Default 64 MiB. */
  maxSegmentBytes?: number | undefined;
  /** Receives each distinct problem once (default: one line on stderr). */
  onDiagnostic?: ((d: Diagnostic) => void) | undefined;
  /** Buffered mode: flush on SIGINT/SIGTERM, then keep the default termination. Default true. */
  handleSignals?: boolean | undefined;
  /**
   * Remember which segments and folders were written or created since the last
   * `takeUnsynced()`, so a caller can fsync them itself, off the event loop, once for many
   * appends (group commit; the ingest server's local sink). Default false.
   */
  trackUnsynced?: boolean | undefined;
  /**
   * Buffered mode: hand full batches to libuv's thread pool (positional writes) instead of
   * writing them inside `append`. Faster when a core is free; on a saturated machine the
   * host waits for the pool instead (measured 8× slower per event under load), so off by
   * default. Ignored when `fs` is given.
   */
  backgroundWrites?: boolean | undefined;
  /** Fault-injection seam for tests; not part of the public contract. */
  fs?: WriterFs | undefined;
}

/** Counters of a writer. `appended = written + dropped + (events still buffered)`. */
export interface WriterStats {
  /** Calls to `append`. */
  appended: number;
  /** Events whose bytes reached the OS (and were fsync'd, in `sync` mode). */
  written: number;
  /** Events given up: failed writes, appends after close, malformed lines. */
  dropped: number;
  /** Bytes handed to the OS. */
  bytes: number;
  /** Segment files created. */
  segments: number;
}

/** One UTC day this writer has touched: its open segment and, in buffered mode, its batch. */
interface Partition {
  readonly startMs: number;
  readonly endMs: number;
  readonly dir: string;
  /** Open segment, or -1: the next write creates a new one. */
  fd: number;
  path: string;
  size: number;
  buf: string;
  pending: number;
  /** Positional mode: where the next batch goes in the open segment. */
  offset: number;
  /** Positional mode: the batch on the thread pool, until it is known written. */
  inflight: Batch | undefined;
  /** The interval timer came while a batch was in flight: send the next one when it lands. */
  due: boolean;
  /** Reused for the UTF-8 of each batch (see #encode). */
  scratch: Buffer | undefined;
}

/** A batch handed to the thread pool: written at `position` of segment `fd`. */
interface Batch {
  fd: number;
  path: string;
  bytes: Buffer;
  position: number;
  events: number;
  chars: number;
  /** Counted (written or dropped): a late completion only releases the descriptor. */
  settled: boolean;
  short: boolean;
}

const DAY_MS = 86_400_000;
// Up to 0.3 ms in 0.1 ms steps (a 32 KiB write takes tens of µs); past that, on a slow disk
// or a machine whose cores are all busy, writing again synchronously costs the host less.
const LANDING_WAITS = 3;
// flushSync, exit and close wait up to 5 ms for a batch in flight before writing it again.
const SETTLE_WAITS = 50;
// Encoding buffers are reserved for batches up to this many characters (3 bytes each).
const MAX_SCRATCH_CHARS = 1 << 20;
const LANDING_WAIT_MS = 0.1;
const SLEEP = new Int32Array(new SharedArrayBuffer(4));
const MAX_DATE_MS = 8.64e15;
const MAX_TIMER_MS = 2 ** 31 - 1;
// Late events for yesterday are normal around midnight; older days are rare, so their
// segments are closed rather than holding descriptors open for the life of the host.
const MAX_OPEN_PARTITIONS = 3;

/**
 * Appends encoded event lines to this process's own segments, partitioned by UTC day.
 * Construction validates options and throws `AgentmeterError('E_STORE_BAD_OPTION')`; after
 * that nothing throws: failures drop the affected events, count them in `stats.dropped` and
 * are reported once per code through `onDiagnostic`.
 *
 * @example
 * const writer = new SegmentWriter({ root: resolveStoreDir({}), durability: 'flush' });
 * writer.append(encodeLine(event), Date.parse(event.ts));
 * writer.close();
 */
export class SegmentWriter {
  readonly #eventsDir: string;
  readonly #mode: Durability;
  readonly #maxBufferChars: number;
  readonly #maxSegmentBytes: number;
  readonly #diagnostics: DiagnosticChannel;
  readonly #fs: WriterFs;
  readonly #stats: WriterStats = { appended: 0, written: 0, dropped: 0, bytes: 0, segments: 0 };
  readonly #partitions = new Map<number, Partition>();
  // The partition of the last append, with its day bounds cached, so the hot path compares
  // two numbers instead of formatting a day string.
  #current: Partition | undefined;
  #pendingChars = 0;
  /**
   * Buffered mode with positional writes (the default fs): batches go to the thread pool once
   * half of `maxBufferBytes` has gathered, one per partition at a time; buffered plus in-flight
   * characters never exceed `maxBufferBytes` (past it, everything is written synchronously).
   */
  readonly #positional: boolean;
  readonly #handOverChars: number;
  #inflightChars = 0;
  /** Thread-pool writes not yet completed, per descriptor: it is closed only once they are. */
  readonly #fdRefs = new Map<number, number>();
  readonly #closeWhenIdle = new Map<number, string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  readonly #unsyncedFiles: Set<string> | undefined;
  readonly #unsyncedDirs: Set<string> | undefined;
  #flushing = false;

  constructor(opts: SegmentWriterOptions) {
    const o = checkOptions(opts);
    this.#eventsDir = join(o.root, EVENTS_DIR);
    this.#mode = o.durability;
    this.#maxBufferChars = o.maxBufferBytes;
    this.#maxSegmentBytes = o.maxSegmentBytes;
    this.#fs = opts.fs ?? (opts.backgroundWrites === true ? positionalWriterFs : nodeWriterFs);
    this.#positional = this.#mode === 'buffered' && typeof this.#fs.writeAt === 'function' && typeof this.#fs.writeAtAsync === 'function';
    this.#handOverChars = this.#positional ? Math.max(1, Math.floor(this.#maxBufferChars / 2)) : this.#maxBufferChars;
    if (opts.trackUnsynced === true) {
      this.#unsyncedFiles = new Set();
      this.#unsyncedDirs = new Set();
    }
    this.#diagnostics = new DiagnosticChannel(opts.onDiagnostic ?? stderrListener((s) => process.stderr.write(s)));
    if (this.#mode === 'buffered') {
      this.#timer = setInterval(() => (this.#positional ? this.#handOver(true) : this.flushSync()), o.flushIntervalMs);
      this.#timer.unref();
      flushOnExit(this);
      if (opts.handleSignals ?? true) flushOnSignals(this);
    }
  }

  /** Live counters (the same object on every read; do not keep a copy expecting it to change). */
  get stats(): Readonly<WriterStats> {
    return this.#stats;
  }

  /**
   * Append one encoded event (ending in `\n`) to the partition of `tsMs`. Returns `true` when
   * the line was accepted (buffered) or written (`flush`/`sync`), `false` when it was dropped.
   */
  append(line: string, tsMs: number): boolean {
    if (typeof line !== 'string' || line.charCodeAt(line.length - 1) !== 10) {
      this.#stats.appended++;
      if (this.#closed) return this.#reject('E_STORE_CLOSED', 'append after close(): event dropped');
      return this.#reject('E_STORE_BAD_LINE', 'append() needs one encoded event ending in "\\n": event dropped');
    }
    return this.appendLine(line, tsMs);
  }

  /**
   * @internal `append` for a line the caller built to end in `\n` (the SDK's recorder):
   * checking its last character would copy a line built from many pieces once more.
   */
  appendLine(line: string, tsMs: number): boolean {
    this.#stats.appended++;
    if (this.#closed) return this.#reject('E_STORE_CLOSED', 'append after close(): event dropped');
    let p = this.#current;
    if (p === undefined || !(tsMs >= p.startMs && tsMs < p.endMs)) p = this.#partitionFor(tsMs);
    if (this.#mode === 'buffered') {
      p.buf += line;
      p.pending++;
      if ((this.#pendingChars += line.length) >= this.#handOverChars) return this.#positional ? this.#handOver(false) : this.#flushBuffers();
      return true;
    }
    return this.#write(p, line, 1);
  }

  /**
   * Append `count` encoded events of one UTC day (`lines`, each ending in `\n`) as one unit:
   * in `sync` mode one `write` and one `fsync` for all of them, which is what lets a server
   * answer "durable" per request at batch speed (REFERENCE §G: fsync per 100 events ≈ 180k
   * events/s, per event ≈ 7k). Returns whether all of them were accepted.
   */
  appendLines(lines: string, count: number, tsMs: number): boolean {
    if (!(count > 0)) return false;
    this.#stats.appended += count;
    if (this.#closed) {
      this.#stats.dropped += count - 1;
      return this.#reject('E_STORE_CLOSED', 'append after close(): events dropped');
    }
    if (typeof lines !== 'string' || lines.charCodeAt(lines.length - 1) !== 10) {
      this.#stats.dropped += count - 1;
      return this.#reject('E_STORE_BAD_LINE', 'appendLines() needs encoded events ending in "\\n": events dropped');
    }
    let p = this.#current;
    if (p === undefined || !(tsMs >= p.startMs && tsMs < p.endMs)) p = this.#partitionFor(tsMs);
    if (this.#mode === 'buffered') {
      p.buf += lines;
      p.pending += count;
      if ((this.#pendingChars += lines.length) >= this.#maxBufferChars) return this.#flushBuffers();
      return true;
    }
    return this.#write(p, lines, count);
  }

  /**
   * With `trackUnsynced`: the segments written and the folders given new entries since the
   * last call, which the caller must fsync for those writes to survive power loss. A
   * segment rotated or closed since is still listed (fsync by path works after close).
   */
  takeUnsynced(): { files: string[]; dirs: string[] } {
    const files = this.#unsyncedFiles === undefined ? [] : [...this.#unsyncedFiles];
    const dirs = this.#unsyncedDirs === undefined ? [] : [...this.#unsyncedDirs];
    this.#unsyncedFiles?.clear();
    this.#unsyncedDirs?.clear();
    return { files, dirs };
  }

  /** Write every buffered line now (no-op in `flush`/`sync` mode). Never throws. */
  flushSync(): void {
    if (this.#mode === 'buffered') this.#flushBuffers();
  }

  /** Flush, close the segments, remove process hooks and the timer. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.flushSync();
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    unhook(this);
    for (const p of this.#partitions.values()) this.#closeSegment(p);
    this.#partitions.clear();
    this.#current = undefined;
  }

  #reject(code: string, message: string): false {
    this.#stats.dropped++;
    this.#diagnostics.report({ code, message });
    return false;
  }

  #partitionFor(tsMs: number): Partition {
    // A timestamp outside Date's range cannot name a day; file the event under today.
    const ms = Number.isFinite(tsMs) && Math.abs(tsMs) <= MAX_DATE_MS - DAY_MS ? tsMs : Date.now();
    const startMs = startOfUtcDay(ms);
    let p = this.#partitions.get(startMs);
    if (p === undefined) {
      if (this.#partitions.size >= MAX_OPEN_PARTITIONS) this.#evictOldest();
      const dir = join(this.#eventsDir, utcDay(startMs));
      p = { startMs, endMs: startMs + DAY_MS, dir, fd: -1, path: '', size: 0, buf: '', pending: 0, offset: 0, inflight: undefined, due: false, scratch: undefined };
      this.#partitions.set(startMs, p);
    }
    this.#current = p;
    return p;
  }

  #evictOldest(): void {
    let oldest: Partition | undefined;
    for (const p of this.#partitions.values()) if (oldest === undefined || p.startMs < oldest.startMs) oldest = p;
    if (oldest === undefined) return;
    this.#settle(oldest);
    this.#closeSegment(oldest);
    this.#partitions.delete(oldest.startMs);
    if (this.#current === oldest) this.#current = undefined;
  }

  #flushBuffers(): boolean {
    // Re-entry is possible only from a listener calling back in (e.g. process.exit inside
    // onDiagnostic); the outer call is already writing everything.
    if (this.#flushing) return true;
    this.#flushing = true;
    let ok = true;
    for (const p of this.#partitions.values()) if (!this.#settle(p)) ok = false;
    this.#pendingChars = 0;
    for (const p of this.#partitions.values()) this.#pendingChars += p.buf.length;
    this.#flushing = false;
    return ok;
  }

  /** Write what is in flight (again: the same bytes at the same place) and the batch, now. */
  #settle(p: Partition): boolean {
    let ok = true;
    const b = p.inflight;
    if (b !== undefined) {
      p.inflight = undefined;
      // Usually it lands within microseconds; written again only if it does not. Waiting also
      // means no write of ours touches the file after close() (a rewrite changes no byte but
      // would bump the segment's mtime, which the span cache keys on).
      for (let i = 0; i < SETTLE_WAITS && !this.#landed(b); i++) Atomics.wait(SLEEP, 0, 0, LANDING_WAIT_MS);
      if (!this.#landed(b)) {
        this.#inflightChars -= b.chars;
        b.settled = true;
        // The thread pool may still read this batch's bytes: they keep their buffer.
        if (p.scratch !== undefined && b.bytes.buffer === p.scratch.buffer) p.scratch = undefined;
        if (!this.#writeAtSync(p, b.fd, b.path, b.bytes, b.position, b.events)) ok = false;
      }
    }
    if (p.pending > 0 && !this.#flushOne(p)) ok = false;
    return ok;
  }

  #flushOne(p: Partition): boolean {
    const text = p.buf;
    const events = p.pending;
    p.buf = '';
    p.pending = 0;
    if (!this.#positional) return this.#write(p, text, events);
    if (p.fd < 0 && !this.#openSegment(p)) {
      this.#stats.dropped += events;
      return false;
    }
    const bytes = this.#encode(p, text);
    const position = p.offset;
    p.offset += bytes.length;
    return this.#writeAtSync(p, p.fd, p.path, bytes, position, events);
  }

  /**
   * Positional mode: send each partition's batch to the thread pool (all of them on the
   * interval tick, else those past half the limit), unless one of its batches is still in
   * flight; past `maxBufferBytes` unwritten, write everything synchronously instead.
   */
  #handOver(tick: boolean): boolean {
    if (this.#closed || this.#flushing) return true;
    for (const p of this.#partitions.values()) if (p.inflight !== undefined && this.#landed(p.inflight)) p.inflight = undefined;
    if (this.#pendingChars + this.#inflightChars >= this.#maxBufferChars && !this.#awaitLanding()) return this.#flushBuffers();
    for (const p of this.#partitions.values()) {
      if (p.pending === 0) continue;
      if (p.inflight !== undefined) {
        if (tick) p.due = true;
        continue;
      }
      if (tick || p.buf.length >= this.#handOverChars || this.#pendingChars >= this.#handOverChars) this.#send(p);
    }
    return true;
  }

  /**
   * At the limit with batches still in flight, give the thread pool a moment before writing
   * them again synchronously: sleeping here frees the core for it.
   */
  #awaitLanding(): boolean {
    for (let i = 0; i < LANDING_WAITS; i++) {
      let flying = false;
      for (const p of this.#partitions.values()) {
        if (p.inflight !== undefined && this.#landed(p.inflight)) p.inflight = undefined;
        if (p.inflight !== undefined) flying = true;
      }
      if (!flying) return true;
      Atomics.wait(SLEEP, 0, 0, LANDING_WAIT_MS);
    }
    return false;
  }

  /**
   * UTF-8 of a batch, in the partition's reused buffer: a fresh buffer per batch costs more
   * than the encoding. Only one batch per partition is unsettled at a time, and a batch that
   * landed is never read again, so the buffer is free whenever a new batch is encoded.
   */
  #encode(p: Partition, text: string): Buffer {
    const need = text.length * 3;
    if (p.scratch === undefined || p.scratch.length < need) {
      // Reserve for a full batch at once; a longer batch (one huge line) gets its own size.
      p.scratch = Buffer.allocUnsafeSlow(Math.max(need, Math.min(this.#maxBufferChars, MAX_SCRATCH_CHARS) * 3));
    }
    return p.scratch.subarray(0, p.scratch.write(text, 0, 'utf8'));
  }

  #send(p: Partition): void {
    const text = p.buf;
    const events = p.pending;
    p.buf = '';
    p.pending = 0;
    p.due = false;
    this.#pendingChars -= text.length;
    if (p.fd < 0 && !this.#openSegment(p)) {
      this.#stats.dropped += events;
      return;
    }
    const bytes = this.#encode(p, text);
    const b: Batch = { fd: p.fd, path: p.path, bytes, position: p.offset, events, chars: text.length, settled: false, short: false };
    p.offset += bytes.length;
    p.inflight = b;
    this.#inflightChars += b.chars;
    this.#fdRefs.set(b.fd, (this.#fdRefs.get(b.fd) ?? 0) + 1);
    this.#sendFrom(p, b, 0);
  }

  #sendFrom(p: Partition, b: Batch, from: number): void {
    try {
      (this.#fs.writeAtAsync as NonNullable<WriterFs['writeAtAsync']>)(b.fd, b.bytes, from, b.bytes.length - from, b.position + from, (err, n) =>
        this.#sent(p, b, from, err, n),
      );
    } catch (e: unknown) {
      this.#sent(p, b, from, e, 0);
    }
  }

  /**
   * Whether a batch in flight has reached the file: the callback said so, or the segment
   * already reaches its end (one write per descriptor at a time fills its pages in order),
   * which a host busy in a synchronous loop learns without returning to the event loop.
   */
  #landed(b: Batch): boolean {
    if (b.settled) return true;
    let size = -1;
    try {
      size = fstatSync(b.fd).size;
    } catch {
      return false;
    }
    if (size < b.position + b.bytes.length) return false;
    this.#count(b, true);
    return true;
  }

  #count(b: Batch, ok: boolean, failure?: unknown, done = 0): void {
    b.settled = true;
    this.#inflightChars -= b.chars;
    if (ok) {
      this.#stats.written += b.events;
      this.#stats.bytes += b.bytes.length;
      return;
    }
    const whole = done === 0 ? 0 : countNewlines(b.bytes, done);
    this.#stats.written += whole;
    this.#stats.bytes += done;
    this.#stats.dropped += b.events - whole;
    this.#diagnostics.report({
      code: 'E_STORE_WRITE_FAILED',
      message: `write to ${b.path} failed (${errnoText(failure)}): ${b.events - whole} event(s) dropped; later events go to a new segment`,
      cause: failure,
    });
  }

  #sent(p: Partition, b: Batch, from: number, err: unknown, n: number): void {
    if (!b.settled) {
      const done = from + (err ? 0 : n);
      if (!err && n > 0 && done < b.bytes.length) {
        // A disk filling up writes short before it fails: finish the batch or find out why not.
        b.short = true;
        this.#sendFrom(p, b, done);
        return;
      }
      const ok = !err && done === b.bytes.length;
      this.#count(b, ok, err ?? new Error(`write made no progress after ${done} of ${b.bytes.length} bytes`), done);
      if (p.fd === b.fd && (!ok || b.short || p.offset >= this.#maxSegmentBytes)) this.#closeSegment(p);
    } else if (p.fd === b.fd && p.offset >= this.#maxSegmentBytes) {
      this.#closeSegment(p);
    }
    if (p.inflight === b) p.inflight = undefined;
    const refs = (this.#fdRefs.get(b.fd) ?? 1) - 1;
    if (refs > 0) this.#fdRefs.set(b.fd, refs);
    else {
      this.#fdRefs.delete(b.fd);
      const path = this.#closeWhenIdle.get(b.fd);
      if (path !== undefined) {
        this.#closeWhenIdle.delete(b.fd);
        this.#closeFd(b.fd, path);
      }
    }
    if (!this.#closed && p.pending > 0 && p.inflight === undefined && (p.due || this.#pendingChars >= this.#handOverChars)) this.#send(p);
  }

  /** Positional mode: one synchronous write of whole lines at `position`; never throws. */
  #writeAtSync(p: Partition, fd: number, path: string, bytes: Buffer, position: number, events: number): boolean {
    const writeAt = this.#fs.writeAt as NonNullable<WriterFs['writeAt']>;
    let done = 0;
    let short = false;
    let failure: unknown;
    try {
      while (done < bytes.length) {
        const n = writeAt(fd, bytes, done, bytes.length - done, position + done);
        if (n <= 0) throw new Error(`write made no progress after ${done} of ${bytes.length} bytes`);
        if (done + n < bytes.length) short = true;
        done += n;
      }
    } catch (e: unknown) {
      failure = e;
    }
    this.#stats.bytes += done;
    if (failure === undefined) {
      this.#stats.written += events;
      if (p.fd === fd && (short || p.offset >= this.#maxSegmentBytes)) this.#closeSegment(p);
      return true;
    }
    const whole = done === 0 ? 0 : countNewlines(bytes, done);
    this.#stats.written += whole;
    this.#stats.dropped += events - whole;
    this.#diagnostics.report({
      code: 'E_STORE_WRITE_FAILED',
      message: `write to ${path} failed (${errnoText(failure)}): ${events - whole} event(s) dropped; later events go to a new segment`,
      cause: failure,
    });
    if (p.fd === fd) this.#closeSegment(p);
    return false;
  }

  /** One write of whole lines (looping on short writes); never throws. */
  #write(p: Partition, text: string, events: number): boolean {
    if (p.fd < 0 && !this.#openSegment(p)) {
      this.#stats.dropped += events;
      return false;
    }
    const fs = this.#fs;
    let done = 0;
    let bytes: Buffer | undefined;
    let short = false;
    let failure: unknown;
    let synced = true;
    try {
      done = fs.writeString(p.fd, text);
      const total = Buffer.byteLength(text);
      if (done < total) {
        // A disk filling up writes short before it fails (REFERENCE §G): finish the batch or
        // find out why not.
        short = true;
        bytes = Buffer.from(text);
        while (done < total) {
          const n = fs.writeBytes(p.fd, bytes, done, total - done);
          if (n <= 0) throw new Error(`write made no progress after ${done} of ${total} bytes`);
          done += n;
        }
      }
      if (this.#mode === 'sync') {
        synced = false;
        fs.fsync(p.fd);
        synced = true;
      }
    } catch (e: unknown) {
      failure = e;
    }
    this.#stats.bytes += done;
    p.size += done;
    if (failure === undefined) {
      this.#stats.written += events;
      this.#unsyncedFiles?.add(p.path);
      // After a short write the disk is in trouble; a fresh segment keeps each file's damage,
      // if any comes, at its own end.
      if (short || p.size >= this.#maxSegmentBytes) this.#closeSegment(p);
      return true;
    }
    // Lines that reached the file whole were written; the rest of the batch is lost. An
    // unconfirmed fsync confirms nothing.
    const whole = !synced || done === 0 ? 0 : countNewlines(bytes ?? Buffer.from(text), done);
    this.#stats.written += whole;
    this.#stats.dropped += events - whole;
    this.#diagnostics.report({
      code: 'E_STORE_WRITE_FAILED',
      message: `write to ${p.path} failed (${errnoText(failure)}): ${events - whole} event(s) dropped; later events go to a new segment`,
      cause: failure,
    });
    // Never append after a possibly torn tail: the next write opens a new segment.
    this.#closeSegment(p);
    return false;
  }

  #openSegment(p: Partition): boolean {
    const fs = this.#fs;
    let path = p.dir;
    try {
      fs.mkdirp(p.dir);
      for (let attempt = 0; ; attempt++) {
        path = join(p.dir, segmentFileName(Date.now(), process.pid));
        try {
          p.fd = fs.openNew(path, this.#positional);
          break;
        } catch (e: unknown) {
          if (attempt >= 3 || (e as { code?: unknown } | null)?.code !== 'EEXIST') throw e;
        }
      }
    } catch (e: unknown) {
      this.#diagnostics.report({
        code: 'E_STORE_WRITE_FAILED',
        message: `cannot create a segment at ${path} (${errnoText(e)}): events dropped`,
        cause: e,
      });
      return false;
    }
    p.path = path;
    if (this.#unsyncedDirs !== undefined) {
      this.#unsyncedDirs.add(p.dir);
      this.#unsyncedDirs.add(this.#eventsDir);
      this.#unsyncedDirs.add(dirname(this.#eventsDir));
    }
    p.size = 0;
    p.offset = 0;
    this.#stats.segments++;
    if (this.#mode === 'sync') {
      // A synced line in a file whose name was never synced can vanish on power loss.
      fs.fsyncDir(p.dir);
      fs.fsyncDir(this.#eventsDir);
      fs.fsyncDir(dirname(this.#eventsDir));
    }
    return true;
  }

  #closeSegment(p: Partition): void {
    if (p.fd < 0) return;
    const fd = p.fd;
    p.fd = -1;
    p.size = 0;
    p.offset = 0;
    // A thread-pool write still holds the descriptor: closing it now could let the number be
    // reused by another file before that write runs.
    if (this.#fdRefs.has(fd)) this.#closeWhenIdle.set(fd, p.path);
    else this.#closeFd(fd, p.path);
  }

  #closeFd(fd: number, path: string): void {
    try {
      this.#fs.close(fd);
    } catch (e: unknown) {
      this.#diagnostics.report({ code: 'E_STORE_CLOSE_FAILED', message: `closing ${path} failed (${errnoText(e)})`, cause: e });
    }
  }
}

interface CheckedOptions {
  root: string;
  durability: Durability;
  flushIntervalMs: number;
  maxBufferBytes: number;
  maxSegmentBytes: number;
}

function checkOptions(opts: SegmentWriterOptions): CheckedOptions {
  const bad = (what: string): never => {
    throw new AgentmeterError('E_STORE_BAD_OPTION', `SegmentWriter: ${what}`);
  };
  if (opts === null || typeof opts !== 'object') bad('options object required');
  const { root } = opts;
  if (typeof root !== 'string' || root === '') bad('root must be a non-empty path');
  const durability = opts.durability ?? 'buffered';
  if (!DURABILITIES.includes(durability)) bad(`durability must be sync, flush or buffered, got ${JSON.stringify(durability)}`);
  const positive = (name: string, value: number | undefined, dflt: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = value ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) bad(`${name} must be a positive number up to ${max}, got ${String(v)}`);
    return v;
  };
  if (opts.onDiagnostic !== undefined && typeof opts.onDiagnostic !== 'function') bad('onDiagnostic must be a function');
  return {
    root,
    durability,
    flushIntervalMs: positive('flushIntervalMs', opts.flushIntervalMs, 1000, MAX_TIMER_MS),
    maxBufferBytes: positive('maxBufferBytes', opts.maxBufferBytes, 64 * 1024),
    maxSegmentBytes: positive('maxSegmentBytes', opts.maxSegmentBytes, 64 * 1024 * 1024),
  };
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 10) n++;
  return n;
}
