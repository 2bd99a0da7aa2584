/**
 * Append-only writer of one process's segments (docs/durability.md).
 *
 * Every writer creates its own segment files and never appends to anyone else's: a process
 * killed in the middle of a `write` leaves a torn last line in its own file only, where the
 * reader skips it, instead of a fragment that glues onto a neighbour's next line and destroys
 * it (docs/durability.md, "One writer, its own segments"). Each flush is one `write` of whole lines.
 */
import { dirname, join } from 'node:path';
import { getSystemErrorName } from 'node:util';
import { AgentmeterError, DiagnosticChannel, startOfUtcDay, stderrListener, utcDay } from '../model/index.js';
import type { Diagnostic } from '../model/index.js';
import { errnoText } from './errno.js';
import { flushOnExit, flushOnSignals, unhook } from './exit-hooks.js';
import { EVENTS_DIR, SEGMENT_SUFFIX, segmentFileName } from './layout.js';
import { MAX_LINE_BYTES } from './reader.js';
import { ERRNO_NO_PROGRESS } from './write-all.js';
import { ERRNO_SKIPPED, WriteRing } from './write-ring.js';
import type { SlotOutcome } from './write-ring.js';
import { nodeWriterFs } from './writer-fs.js';
import type { WriterFs } from './writer-fs.js';

/**
 * How hard a writer works to keep an event once `append` has returned:
 * - `sync`: `write` + `fsync` per event; survives power loss. ≈140–210 µs per event here.
 * - `flush`: one `write` per event, no `fsync`; survives a crash or `kill -9` of the process,
 *   not an OS crash. ≈1–5 µs per event.
 * - `buffered`: lines are batched in memory and written on size, on an interval, on exit and
 *   on SIGINT/SIGTERM; `kill -9` loses at most the unwritten batches (`maxBufferBytes`, plus
 *   up to four batches queued for the writer thread). Once a first batch fills, full
 *   batches are written by a writer thread (write-ring.ts), so the host pays for a string
 *   concat and the UTF-8 copy only; `flushSync`, exit and signals wait until all is written.
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
   * Buffered mode: once a first batch fills, write full batches from a writer thread, which
   * takes the `write` calls off the host's thread (default true). The host never waits for
   * it: a batch finding the thread's four slots taken is written in `append`. Off when `fs`
   * is given, unless set to true (then `fs` opens and closes segments, the thread writes).
   */
  backgroundWrites?: boolean | undefined;
  /**
   * Buffered mode with the writer thread: how long the host waits for a write the thread is
   * in the middle of (when it must wait: flush, close, after a failure) before it gives the
   * write up, counts its events dropped (`ETIMEDOUT`) and writes everything itself. Default
   * 10 000 (a hung network filesystem, say; see docs/durability.md).
   */
  stuckWriteMs?: number | undefined;
  /**
   * `flush`/`sync` only: append to one segment per day named `<sharedSegment>.jsonl`, shared
   * with other writers given the same name, instead of creating a segment of this writer's
   * own. For short-lived processes that write a few events each (`agentmeter exec`, `record`):
   * 160 calls made 160 files, and every later read opened them all. Each write is whole lines
   * in one `write` (O_APPEND); one that finds the file not ending in a newline (a writer
   * killed mid-line) starts with one, so the torn fragment stays a line of its own, skipped
   * by readers, and never swallows the next line. Past `maxSegmentBytes` the writer goes on
   * in a segment of its own.
   */
  sharedSegment?: string | undefined;
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
  /** Number of the open segment within this writer (the write ring's name for it). */
  segment: number;
  size: number;
  buf: string;
  pending: number;
}

/** A batch the writer thread skipped (its segment had failed), to write to a new segment. */
interface Redo {
  segment: number;
  text: string;
  events: number;
}

const DAY_MS = 86_400_000;
const MAX_DATE_MS = 8.64e15;
const MAX_TIMER_MS = 2 ** 31 - 1;
// Late events for yesterday are normal around midnight; older days are rare, so their
// segments are closed rather than holding descriptors open for the life of the host.
const MAX_OPEN_PARTITIONS = 3;
// A ring slot holds the UTF-8 of OVERFLOW_BATCHES batches of one-byte characters and a long
// last line; a batch that does not fit (much text beyond ASCII) is written by the host.
const SLOT_MARGIN_BYTES = 64 * 1024;
const MAX_SLOT_BYTES = 4 * 1024 * 1024;
// While the writer thread is behind, batches gather up to this many times maxBufferBytes.
const OVERFLOW_BATCHES = 3;

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
  /** Buffered mode: full batches go to a writer thread, started with the first one. */
  #threadWrites: boolean;
  #ring: WriteRing | undefined;
  #segmentCount = 0;
  /** Segments given to the ring, by number: where each one's outcome belongs. */
  readonly #ringSegments = new Map<number, { path: string; startMs: number }>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  readonly #unsyncedFiles: Set<string> | undefined;
  readonly #unsyncedDirs: Set<string> | undefined;
  #flushing = false;
  #shared: string | undefined;
  /** Partitions whose open segment is the shared one. */
  readonly #onShared = new Set<Partition>();
  readonly #stuckWriteMs: number;

  constructor(opts: SegmentWriterOptions) {
    const o = checkOptions(opts);
    this.#eventsDir = join(o.root, EVENTS_DIR);
    this.#mode = o.durability;
    this.#maxBufferChars = o.maxBufferBytes;
    this.#maxSegmentBytes = o.maxSegmentBytes;
    this.#stuckWriteMs = o.stuckWriteMs;
    this.#fs = opts.fs ?? nodeWriterFs;
    if (opts.sharedSegment !== undefined) {
      if (this.#mode === 'buffered' || typeof opts.sharedSegment !== 'string' || !/^[A-Za-z0-9][\w.-]{0,63}$/.test(opts.sharedSegment)) {
        throw new AgentmeterError('E_STORE_BAD_OPTION', `sharedSegment must be a plain file name (letters, digits, . _ -) with durability flush or sync, got ${JSON.stringify(opts.sharedSegment)}`);
      }
      this.#shared = opts.sharedSegment;
    }
    this.#threadWrites = this.#mode === 'buffered' && (opts.fs === undefined ? opts.backgroundWrites !== false : opts.backgroundWrites === true);
    if (opts.trackUnsynced === true) {
      this.#unsyncedFiles = new Set();
      this.#unsyncedDirs = new Set();
    }
    this.#diagnostics = new DiagnosticChannel(opts.onDiagnostic ?? stderrListener((s) => process.stderr.write(s)));
    if (this.#mode === 'buffered') {
      this.#timer = setInterval(() => this.#tick(), o.flushIntervalMs);
      this.#timer.unref();
      flushOnExit(this);
      if (opts.handleSignals ?? true) flushOnSignals(this);
    }
  }

  /** Live counters (the same object on every read; do not keep a copy expecting it to change). */
  get stats(): Readonly<WriterStats> {
    if (this.#ring !== undefined && !this.#flushing) this.#collect();
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
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit: only long lines are measured.
    if (line.length * 3 > MAX_LINE_BYTES && Buffer.byteLength(line, 'utf8') - 1 > MAX_LINE_BYTES) {
      return this.#reject('E_STORE_LINE_TOO_LONG', `event line of ${Buffer.byteLength(line, 'utf8') - 1} bytes is over the ${MAX_LINE_BYTES}-byte limit readers accept: event dropped`);
    }
    let p = this.#current;
    if (p === undefined || !(tsMs >= p.startMs && tsMs < p.endMs)) p = this.#partitionFor(tsMs);
    if (this.#mode === 'buffered') {
      p.buf += line;
      p.pending++;
      if ((this.#pendingChars += line.length) >= this.#maxBufferChars) return this.#spill();
      return true;
    }
    return this.#write(p, line, 1);
  }

  /**
   * Append `count` encoded events of one UTC day (`lines`, each ending in `\n`) as one unit:
   * in `sync` mode one `write` and one `fsync` for all of them, which is what lets a server
   * answer "durable" per request at batch speed (docs/durability.md, "The three modes":
   * fsync per 100 events ≈ 180k events/s, per event ≈ 7k). Returns whether all of them were accepted.
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
      if ((this.#pendingChars += lines.length) >= this.#maxBufferChars) return this.#spill();
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
    if (this.#ring !== undefined) this.#drain();
    const files = this.#unsyncedFiles === undefined ? [] : [...this.#unsyncedFiles];
    const dirs = this.#unsyncedDirs === undefined ? [] : [...this.#unsyncedDirs];
    this.#unsyncedFiles?.clear();
    this.#unsyncedDirs?.clear();
    return { files, dirs };
  }

  /** Write every buffered line now, waiting for the writer thread (no-op in `flush`/`sync` mode). Never throws. */
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
    this.#ring?.close();
    this.#ring = undefined;
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
      p = { startMs, endMs: startMs + DAY_MS, dir, fd: -1, path: '', segment: 0, size: 0, buf: '', pending: 0 };
      this.#partitions.set(startMs, p);
    }
    this.#current = p;
    return p;
  }

  #evictOldest(): void {
    let oldest: Partition | undefined;
    for (const p of this.#partitions.values()) if (oldest === undefined || p.startMs < oldest.startMs) oldest = p;
    if (oldest === undefined) return;
    if (oldest.pending > 0) this.#flushOne(oldest);
    this.#closeSegment(oldest);
    this.#partitions.delete(oldest.startMs);
    if (this.#current === oldest) this.#current = undefined;
  }

  /** Everything buffered and queued, written now. */
  #flushBuffers(): boolean {
    // Re-entry is possible only from a listener calling back in (e.g. process.exit inside
    // onDiagnostic); the outer call is already writing everything.
    if (this.#flushing) return true;
    this.#flushing = true;
    let ok = true;
    // Queued batches first: they are older than the ones still buffered.
    if (this.#ring !== undefined && !this.#drain()) ok = false;
    for (const p of this.#partitions.values()) if (p.pending > 0 && !this.#flushOne(p)) ok = false;
    this.#recount();
    this.#flushing = false;
    return ok;
  }

  #recount(): void {
    this.#pendingChars = 0;
    for (const p of this.#partitions.values()) this.#pendingChars += p.buf.length;
  }

  #flushOne(p: Partition): boolean {
    const text = p.buf;
    const events = p.pending;
    p.buf = '';
    p.pending = 0;
    return this.#write(p, text, events);
  }

  /** The batch limit was reached: queue the batches for the writer thread, or write them. */
  #spill(): boolean {
    if (this.#flushing) return true;
    if (!this.#threadWrites) return this.#flushBuffers();
    const ring = this.#ring ?? this.#startRing();
    if (ring === undefined) return this.#flushBuffers();
    let ok = this.#collect();
    for (const p of this.#partitions.values()) if (p.pending > 0 && !this.#handOff(ring, p)) ok = false;
    this.#recount();
    return ok;
  }

  /** Interval timer: queue what is buffered (written here if the thread's slots are taken). */
  #tick(): void {
    if (this.#closed || this.#flushing) return;
    const ring = this.#ring;
    if (ring === undefined) {
      this.flushSync();
      return;
    }
    this.#collect();
    for (const p of this.#partitions.values()) if (p.pending > 0) this.#handOff(ring, p);
    this.#recount();
  }

  #startRing(): WriteRing | undefined {
    const slotBytes = Math.min(MAX_SLOT_BYTES, this.#maxBufferChars * OVERFLOW_BATCHES + SLOT_MARGIN_BYTES);
    this.#ring = WriteRing.start(slotBytes, this.#stuckWriteMs);
    if (this.#ring === undefined) this.#threadWrites = false;
    else this.#fs.onRing?.(this.#ring);
    return this.#ring;
  }

  /** Queue `p`'s batch in the ring; written here when the next slot is taken. */
  #handOff(ring: WriteRing, p: Partition): boolean {
    if (p.fd >= 0 && ring.failed(p.segment)) this.#closeSegment(p);
    if (!this.#segmentOrDrop(p)) return false;
    let n = ring.offer(p.fd, p.segment, p.buf, p.pending);
    if (n === -1) {
      // The thread is behind (a write stalls now and then: the kernel throttles writers, or
      // the thread waits for a core): gather up to OVERFLOW_BATCHES batches meanwhile...
      if (this.#pendingChars < this.#maxBufferChars * OVERFLOW_BATCHES && ring.started) return true;
      // ...then write the queue here, in order, and queue the batch.
      if (!this.#drain(true)) return this.#flushOne(p);
      if (!this.#segmentOrDrop(p)) return false;
      n = ring.offer(p.fd, p.segment, p.buf, p.pending);
    }
    // Too big for a slot, or still no slot: written here (#write lets the queue go first).
    if (n < 0) return this.#flushOne(p);
    p.buf = '';
    p.pending = 0;
    p.size += n;
    this.#unsyncedFiles?.add(p.path);
    if (p.size >= this.#maxSegmentBytes) this.#closeSegment(p);
    return true;
  }

  /** `p`'s open segment, or a new one; if none can be created its batch is dropped (counted). */
  #segmentOrDrop(p: Partition): boolean {
    if (p.fd >= 0 || this.#openSegment(p)) return true;
    this.#stats.dropped += p.pending;
    p.buf = '';
    p.pending = 0;
    return false;
  }

  /** Count the batches the thread has finished. Returns false if one of them failed. */
  #collect(): boolean {
    return this.#gather(false, false);
  }

  /** Wait until everything queued is written (`now`: write it here), and count it. */
  #drain(now = false): boolean {
    return this.#gather(true, now);
  }

  #gather(drain: boolean, now: boolean): boolean {
    const ring = this.#ring;
    if (ring === undefined) return true;
    const redo: Redo[] = [];
    let ok = true;
    const settle = (o: SlotOutcome): void => {
      if (!this.#settle(o, redo)) ok = false;
    };
    if (drain) ring.drain(settle, now);
    else ring.collect(settle);
    // After a failure, everything queued behind it is collected before anything is written
    // again, so the batches it skipped keep their place ahead of newer ones. Always drained:
    // a batch the thread finished after `collect` looked is no longer busy, yet uncollected.
    if (!ok || redo.length > 0) ring.drain(settle, true);
    return this.#afterCollect(ring, redo) && ok;
  }

  /** Count one finished batch; a failure is reported, a skipped batch kept to write again. */
  #settle(o: SlotOutcome, redo: Redo[]): boolean {
    const seg = this.#ringSegments.get(o.segment);
    if (o.errno === 0) {
      this.#stats.written += o.events;
      this.#stats.bytes += o.wrote;
      return true;
    }
    if (o.errno === ERRNO_SKIPPED) {
      // Not written because an earlier batch of its segment failed: it goes to a new one.
      redo.push({ segment: o.segment, text: Buffer.from(o.bytes).toString('utf8'), events: o.events });
      return true;
    }
    const whole = o.wrote === 0 ? 0 : countNewlines(o.bytes, o.wrote);
    this.#stats.written += whole;
    this.#stats.bytes += o.wrote;
    this.#stats.dropped += o.events - whole;
    const cause = errnoError(o.errno);
    this.#diagnostics.report({
      code: 'E_STORE_WRITE_FAILED',
      message: `write to ${seg?.path ?? 'a segment'} failed (${errnoText(cause)}): ${o.events - whole} event(s) dropped; later events go to a new segment`,
      cause,
    });
    return false;
  }

  /** Close segments that failed on the thread; write their skipped batches, in order, to new ones. */
  #afterCollect(ring: WriteRing, redo: Redo[]): boolean {
    for (const p of this.#partitions.values()) if (p.fd >= 0 && ring.failed(p.segment)) this.#closeSegment(p);
    let ok = true;
    for (const r of redo) {
      const day = this.#ringSegments.get(r.segment)?.startMs ?? Date.now();
      const p = this.#partitions.get(day) ?? this.#partitionFor(day);
      if (p.fd >= 0 && ring.failed(p.segment)) this.#closeSegment(p);
      if (!this.#write(p, r.text, r.events)) ok = false;
    }
    return ok;
  }

  /** One write of whole lines (looping on short writes); never throws. */
  #write(p: Partition, text: string, events: number): boolean {
    // Batches still queued for the writer thread are older: they go first (and no two
    // writers ever append to one file at once).
    if (this.#ring?.busy() === true) this.#drain(true);
    if (p.fd >= 0 && this.#ring?.failed(p.segment) === true) this.#closeSegment(p);
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
    let guarded = false;
    if (this.#onShared.has(p)) {
      try {
        if (!fs.tail(p.fd).endsLine) {
          text = `\n${text}`;
          guarded = true;
        }
      } catch {
        // Unknown tail: a newline first costs an empty line at worst.
        text = `\n${text}`;
        guarded = true;
      }
    }
    try {
      done = fs.writeString(p.fd, text);
      const total = Buffer.byteLength(text);
      if (done < total) {
        // A disk filling up writes short before it fails (docs/durability.md): finish the batch or
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
    const whole = !synced || done === 0 ? 0 : Math.max(0, countNewlines(bytes ?? Buffer.from(text), done) - (guarded ? 1 : 0));
    this.#stats.written += whole;
    this.#stats.dropped += events - whole;
    // Nothing reached the file (a full disk refuses the first byte): its tail is the last
    // whole line, so later events go on in it. A new segment per failed write left one empty
    // file per dropped event on a full disk, and every later read listed them all.
    const untouched = done === 0 && synced;
    this.#diagnostics.report({
      code: 'E_STORE_WRITE_FAILED',
      message: `write to ${p.path} failed (${errnoText(failure)}): ${events - whole} event(s) dropped; later events go to ${untouched ? 'the same segment' : 'a new segment'}`,
      cause: failure,
    });
    // Never append after a possibly torn tail: the next write opens a new segment.
    if (!untouched) this.#closeSegment(p);
    return false;
  }

  #openSegment(p: Partition): boolean {
    const fs = this.#fs;
    let path = p.dir;
    this.#onShared.delete(p);
    try {
      fs.mkdirp(p.dir);
      if (this.#shared !== undefined) {
        path = join(p.dir, `${this.#shared}${SEGMENT_SUFFIX}`);
        const fd = fs.openShared(path);
        const { size } = fs.tail(fd);
        if (size < this.#maxSegmentBytes) {
          p.fd = fd;
          p.path = path;
          p.segment = ++this.#segmentCount;
          p.size = size;
          this.#onShared.add(p);
          if (size === 0) this.#stats.segments++;
          if (this.#mode === 'sync') {
            fs.fsyncDir(p.dir);
            fs.fsyncDir(this.#eventsDir);
            fs.fsyncDir(dirname(this.#eventsDir));
          }
          return true;
        }
        fs.close(fd);
      }
      for (let attempt = 0; ; attempt++) {
        path = join(p.dir, segmentFileName(Date.now(), process.pid));
        try {
          p.fd = fs.openNew(path);
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
    p.segment = ++this.#segmentCount;
    if (this.#threadWrites) this.#ringSegments.set(p.segment, { path, startMs: p.startMs });
    if (this.#unsyncedDirs !== undefined) {
      this.#unsyncedDirs.add(p.dir);
      this.#unsyncedDirs.add(this.#eventsDir);
      this.#unsyncedDirs.add(dirname(this.#eventsDir));
    }
    p.size = 0;
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
    const ring = this.#ring;
    // Queued batches hold the descriptor: closing it first could let its number be reused by
    // another file before the thread writes them. (Those of a failed segment come back
    // unwritten, for the drain to write to the next segment before anything newer.)
    if (ring !== undefined && ring.busy()) this.#drain();
    if (p.fd !== fd) return; // the drain's outcomes closed it already
    p.fd = -1;
    p.size = 0;
    // A thread stuck in a write on it may still use the number: it is left open.
    if (ring?.holds(fd) === true) return;
    // A shared segment may be empty only until another writer appends: it is never removed.
    if (!this.#onShared.delete(p)) this.#fs.removeIfEmpty(fd, p.path);
    try {
      this.#fs.close(fd);
    } catch (e: unknown) {
      this.#diagnostics.report({ code: 'E_STORE_CLOSE_FAILED', message: `closing ${p.path} failed (${errnoText(e)})`, cause: e });
    }
  }
}

/** A system error for an errno the writer thread reported. */
function errnoError(errno: number): Error {
  let code: string;
  try {
    code = getSystemErrorName(errno);
  } catch {
    code = errno === ERRNO_NO_PROGRESS ? 'no progress' : `errno ${errno}`;
  }
  return Object.assign(new Error(`${code}: write failed`), { code, errno, syscall: 'write' });
}

interface CheckedOptions {
  root: string;
  durability: Durability;
  flushIntervalMs: number;
  maxBufferBytes: number;
  maxSegmentBytes: number;
  stuckWriteMs: number;
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
    stuckWriteMs: positive('stuckWriteMs', opts.stuckWriteMs, 10_000, MAX_TIMER_MS),
  };
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 10) n++;
  return n;
}
