/**
 * Streaming reader of a file store. Memory is one 64 KiB chunk plus the longest line: segments
 * are read in chunks into one reused buffer (docs/durability.md, "Reading": 64 KiB chunks + `JSON.parse` beat
 * readline by ~25 %, and chunks above 128 KiB ran about twice as slow; fold workers read
 * 1 MiB at a time with blocking calls), lines are cut on the byte `\n` and decoded by byte
 * range, so a multi-byte character split across two chunks is decoded whole.
 *
 * Bad data never stops a read: an unparsable, schema-invalid or torn line is skipped and
 * counted with its file and line number, and the caller decides what to say about it.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { decodeLine } from '../model/codec.js';
import { AgentmeterError } from '../model/diagnostics.js';
import { validateEvent } from '../model/validate.js';
import type { AgentmeterEvent } from '../model/index.js';
import { errnoText, isErrno, isSystemError } from './errno.js';
import { SEGMENT_READ_FLAGS, listPartitions, listSegments, storeExists } from './layout.js';
import { lineScanner } from './line-scan.js';
import type { LineScanner } from './line-scan.js';
import { pieceRangeSync } from './pieces.js';
import type { ByteRange, Piece } from './pieces.js';

/** A line the reader skipped. `line` is 1-based; 0 means the whole file could not be read. */
export interface SkippedLine {
  file: string;
  line: number;
  reason: string;
}

/** What a scan read. */
export interface ReadStats {
  /** Day partitions opened. */
  partitions: number;
  /** Segment files opened. */
  segments: number;
  /** Bytes read. */
  bytes: number;
  /** Lines seen, empty ones and a torn tail included. */
  lines: number;
  /** Valid events passed to `onEvent`. */
  events: number;
  /** Lines (or unreadable files) skipped. */
  skipped: number;
  /** The first 20 skipped lines. */
  samples: SkippedLine[];
}

/** Options of `scanEvents`. */
export interface ScanEventsOptions {
  root: string;
  /** Open only partitions whose UTC day overlaps `[sinceMs, untilMs]`; events are not filtered. */
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  /**
   * Each valid event. Without it valid events are only counted, and lines in agentmeter's own
   * form are checked by the line scanner (`line-scan.ts`) without being decoded: `validate`.
   */
  onEvent?: ((e: AgentmeterEvent) => void) | undefined;
  onSkip?: ((s: SkippedLine) => void) | undefined;
  /** Stops the scan between chunks; the promise then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Longer lines are skipped without being held in memory. Default 16 MiB. */
  maxLineBytes?: number | undefined;
  /** After each day partition: partitions read and in all (a progress line). */
  onPartition?: ((done: number, total: number) => void) | undefined;
}

const CHUNK_BYTES = 64 * 1024;
// Blocking reads (fold workers) take bigger chunks: one read per MiB instead of sixteen.
const SYNC_CHUNK_BYTES = 1024 * 1024;
let syncBuffer: Buffer | undefined;
/**
 * The longest event line, in bytes without its `\n`: the reader skips longer lines, so every
 * entry point (the segment writer, the ingest server) refuses them instead of storing an
 * event no one can read.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_LINE_BYTES = MAX_LINE_BYTES;
const MAX_SAMPLES = 20;
const NEWLINE = 10;

/** The reason given for a last line without its `\n`. */
export const TORN_TAIL_REASON = 'torn tail (no newline)';

/**
 * Stream every valid event of the partitions overlapping the window to `onEvent`, in
 * partition, segment and line order. Never throws on bad data; a store that does not exist
 * yields empty stats. An unreadable store root rejects with `E_STORE_UNREADABLE`; an
 * unreadable segment is counted as skipped (line 0) and the scan goes on.
 *
 * @example
 * const stats = await scanEvents({ root, sinceMs: Date.now() - 7 * 86_400_000, onEvent: (e) => folder.add(e) });
 * if (stats.skipped > 0) warn(`${stats.skipped} lines skipped, first at ${stats.samples[0]?.file}:${stats.samples[0]?.line}`);
 */
export async function scanEvents(opts: ScanEventsOptions): Promise<ReadStats> {
  const stats: ReadStats = { partitions: 0, segments: 0, bytes: 0, lines: 0, events: 0, skipped: 0, samples: [] };
  const { root, signal } = opts;
  signal?.throwIfAborted();
  if (!(await storeExists(root))) return stats;
  let partitions: { day: string; path: string }[];
  try {
    partitions = await listPartitions(root, { sinceMs: opts.sinceMs, untilMs: opts.untilMs });
  } catch (e: unknown) {
    throw new AgentmeterError('E_STORE_UNREADABLE', `cannot list the store at ${root}`, { cause: e });
  }
  const scan = new SegmentScan(opts, stats);
  for (const part of partitions) {
    stats.partitions++;
    let segments: string[];
    try {
      segments = await listSegments(part.path);
    } catch (e: unknown) {
      scan.skip(part.path, 0, `unreadable partition (${errnoText(e)})`);
      continue;
    }
    for (const file of segments) {
      signal?.throwIfAborted();
      await scan.file(file);
    }
    opts.onPartition?.(stats.partitions, partitions.length);
  }
  return stats;
}

/**
 * Stream one segment file's valid events to `onEvent`, skipping and counting bad lines like
 * `scanEvents`. The span cache folds segments one at a time through this.
 */
export async function scanSegmentFile(
  path: string,
  opts: Pick<ScanEventsOptions, 'onEvent' | 'onSkip' | 'signal' | 'maxLineBytes'> & PieceOptions,
): Promise<ReadStats> {
  const stats: ReadStats = { partitions: 0, segments: 0, bytes: 0, lines: 0, events: 0, skipped: 0, samples: [] };
  await new SegmentScan({ root: '', ...opts }, stats).file(path, opts);
  return stats;
}

/**
 * `scanSegmentFile` with blocking reads, for a thread that has nothing else to do while it
 * reads (a fold worker): the same lines, events and skips.
 */
export function scanSegmentFileSync(path: string, opts: Pick<ScanEventsOptions, 'onEvent' | 'onSkip' | 'maxLineBytes'> & PieceOptions): ReadStats {
  const stats: ReadStats = { partitions: 0, segments: 0, bytes: 0, lines: 0, events: 0, skipped: 0, samples: [] };
  new SegmentScan({ root: '', ...opts }, stats).fileSync(path, opts);
  return stats;
}

/** Which piece of a segment to read (pieces.ts), and where to hear which bytes that was. */
interface PieceOptions {
  piece?: Piece | undefined;
  onRange?: ((r: ByteRange) => void) | undefined;
}

/** Per-scan state: the reused chunk buffer, the counters and the callbacks. */
class SegmentScan {
  // Two chunks: the next is read while the current one is parsed.
  #chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  #spare = Buffer.allocUnsafe(CHUNK_BYTES);
  readonly #stats: ReadStats;
  readonly #onEvent: ((e: AgentmeterEvent) => void) | undefined;
  /** Without `onEvent`: the line scanner, which counts the lines it takes without decoding them. */
  readonly fast: LineScanner | undefined;
  readonly #onSkip: ((s: SkippedLine) => void) | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #maxLineBytes: number;

  constructor(opts: ScanEventsOptions, stats: ReadStats) {
    this.#stats = stats;
    this.#onEvent = opts.onEvent;
    this.fast = opts.onEvent === undefined ? lineScanner() : undefined;
    this.#onSkip = opts.onSkip;
    this.#signal = opts.signal;
    this.#maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  skip(file: string, line: number, reason: string): void {
    const s: SkippedLine = { file, line, reason };
    this.#stats.skipped++;
    if (this.#stats.samples.length < MAX_SAMPLES) this.#stats.samples.push(s);
    this.#onSkip?.(s);
  }

  /** Read the segment `path`, or only a piece of it (pieces.ts; lines numbered from its start). */
  async file(path: string, p: PieceOptions = {}): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(path, SEGMENT_READ_FLAGS);
    } catch (e: unknown) {
      // Retention may delete a day between listing and opening; that file is simply gone.
      if (!isErrno(e, 'ENOENT')) this.skip(path, 0, `unreadable segment (${errnoText(e)})`);
      return;
    }
    this.#stats.segments++;
    try {
      const range = pieceRangeSync(fh.fd, p.piece);
      p.onRange?.(range);
      await this.#lines(fh, path, range);
    } catch (e: unknown) {
      if (this.#signal?.aborted === true || !isSystemError(e)) throw e;
      this.skip(path, 0, `read failed (${errnoText(e)})`);
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  async #lines(fh: FileHandle, path: string, range: ByteRange): Promise<void> {
    const cut = new LineCutter(this, path);
    let at = range.start;
    const end = range.end ?? Infinity;
    const nothing = Promise.resolve({ bytesRead: 0 });
    let next = at < end ? fh.read(this.#chunk, 0, Math.min(CHUNK_BYTES, end - at), at) : nothing;
    for (;;) {
      const { bytesRead } = await next;
      if (bytesRead === 0) break;
      at += bytesRead;
      const chunk = this.#chunk;
      this.#chunk = this.#spare;
      this.#spare = chunk;
      next = at < end ? fh.read(this.#chunk, 0, Math.min(CHUNK_BYTES, end - at), at) : nothing;
      // Parsing below may throw (an abort); the read in flight must not reject unobserved.
      next.catch(() => undefined);
      cut.chunk(chunk, bytesRead);
      this.#signal?.throwIfAborted();
    }
    cut.end();
  }

  /**
   * `file`, reading with blocking calls into one buffer of SYNC_CHUNK_BYTES: for a thread
   * that does nothing else (a fold worker), where each asynchronous read of a small chunk
   * cost more than the read itself (docs/performance.md, "Cold reads").
   */
  fileSync(path: string, p: PieceOptions = {}): void {
    let fd: number;
    try {
      fd = openSync(path, SEGMENT_READ_FLAGS);
    } catch (e: unknown) {
      if (!isErrno(e, 'ENOENT')) this.skip(path, 0, `unreadable segment (${errnoText(e)})`);
      return;
    }
    this.#stats.segments++;
    try {
      syncBuffer ??= Buffer.allocUnsafe(SYNC_CHUNK_BYTES);
      const cut = new LineCutter(this, path);
      const range = pieceRangeSync(fd, p.piece);
      p.onRange?.(range);
      const end = range.end ?? Infinity;
      for (let at = range.start; at < end; ) {
        const bytesRead = readSync(fd, syncBuffer, 0, Math.min(SYNC_CHUNK_BYTES, end - at), at);
        if (bytesRead === 0) break;
        at += bytesRead;
        cut.chunk(syncBuffer, bytesRead);
      }
      cut.end();
    } catch (e: unknown) {
      if (!isSystemError(e)) throw e;
      this.skip(path, 0, `read failed (${errnoText(e)})`);
    } finally {
      try {
        closeSync(fd);
      } catch {
        // Read-only: nothing was lost.
      }
    }
  }

  get maxLineBytes(): number {
    return this.#maxLineBytes;
  }

  /** Count a line read (blank, torn or skipped ones too). */
  countLine(): void {
    this.#stats.lines++;
  }

  addBytes(n: number): void {
    this.#stats.bytes += n;
  }

  line(text: string, path: string, lineNo: number): void {
    if (isBlank(text)) return;
    const decoded = decodeLine(text);
    if (!decoded.ok) {
      this.skip(path, lineNo, `invalid JSON: ${decoded.error}`);
      return;
    }
    const checked = validateEvent(decoded.value);
    if (!checked.ok) {
      this.skip(path, lineNo, `invalid event: ${checked.error}`);
      return;
    }
    this.#stats.events++;
    this.#onEvent?.(checked.event);
  }

  /** A valid event the line scanner took. */
  countEvent(): void {
    this.#stats.events++;
  }
}

/**
 * Cuts a segment's chunks into lines on the byte `\n` and decodes each by byte range, so a
 * multi-byte character split across two chunks is decoded whole. The start of a line that
 * began in an earlier chunk is copied out, as the chunk buffer is reused.
 */
class LineCutter {
  readonly #scan: SegmentScan;
  readonly #path: string;
  #carry: Buffer[] = [];
  #carryBytes = 0;
  #oversized = false;
  #lineNo = 0;

  constructor(scan: SegmentScan, path: string) {
    this.#scan = scan;
    this.#path = path;
  }

  chunk(chunk: Buffer, bytesRead: number): void {
    const scan = this.#scan;
    const path = this.#path;
    scan.addBytes(bytesRead);
    const fast = scan.fast;
    fast?.load(chunk.subarray(0, bytesRead));
    let start = 0;
    for (;;) {
      let nl = chunk.indexOf(NEWLINE, start);
      if (nl >= bytesRead) nl = -1;
      if (nl === -1) break;
      const lineNo = ++this.#lineNo;
      scan.countLine();
      // Measured whole, whatever the chunk size: a line that fits one chunk is held to the limit too.
      if (this.#oversized || this.#carryBytes + nl - start > scan.maxLineBytes) {
        scan.skip(path, lineNo, `line longer than ${scan.maxLineBytes} bytes`);
      } else if (this.#carryBytes > 0) {
        this.#carry.push(chunk.subarray(start, nl));
        scan.line(Buffer.concat(this.#carry, this.#carryBytes + nl - start).toString('utf8'), path, lineNo);
      } else if (nl > start) {
        if (fast !== undefined && fast.line(start, nl, false, true) !== -1) scan.countEvent();
        else scan.line(chunk.toString('utf8', start, nl), path, lineNo);
      }
      this.#carry = [];
      this.#carryBytes = 0;
      this.#oversized = false;
      start = nl + 1;
    }
    if (start < bytesRead && !this.#oversized) {
      this.#carryBytes += bytesRead - start;
      if (this.#carryBytes > scan.maxLineBytes) {
        this.#oversized = true;
        this.#carry = [];
      } else {
        this.#carry.push(Buffer.from(chunk.subarray(start, bytesRead)));
      }
    }
  }

  /** The file ended: a line without its `\n` is a torn tail. */
  end(): void {
    if (this.#carryBytes > 0 || this.#oversized) {
      this.#scan.countLine();
      this.#scan.skip(this.#path, ++this.#lineNo, TORN_TAIL_REASON);
    }
  }
}

// Blank lines (an editor's trailing newline, a CRLF file's `\r`) carry nothing; they are not
// corruption.
function isBlank(text: string): boolean {
  const c = text.charCodeAt(0);
  if (c !== 32 && c !== 9 && c !== 13) return text.length === 0;
  return text.trim().length === 0;
}
