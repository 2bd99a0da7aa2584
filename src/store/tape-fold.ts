/**
 * One segment folded from what the line scanner records of each line (`LineScanner.record`)
 * instead of from parsed events: no object per event, each distinct text made once. The
 * fold is `SpanFolder`'s (`model/fold.ts`) with `drains`, and each span is the one
 * `spanFromParts` makes, handed to the same `DigestBuilder`; so the digest is the one
 * `foldSegment` builds, byte for byte (test/store/tape-fold.test.ts holds them together).
 *
 * It takes a segment only if the scanner takes every line of it: a torn tail, a bad or blank
 * line, a line in another form, a kept attribute key twice in a line or an escaped key, a
 * line longer than a chunk, or more distinct texts than the scanner's table holds sends the
 * whole segment to the ordinary fold. docs/architecture.md, "The line scanner".
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { AgentmeterEvent, JsonValue } from '../model/events.js';
import { SPAN_KINDS } from '../model/events.js';
import { hashId } from '../model/fold.js';
import { HashSet53 } from '../model/hash-set.js';
import { anyList, grown } from '../model/columns.js';
import { packUuid } from '../model/packed-uuid.js';
import { FeedbackColumnsBuilder } from './digest-feedback.js';
import type { FeedbackColumns } from './digest-feedback.js';
import { DURATION_UNKNOWN, ENTRY, ENTRY_NUMBER, F_ATTRS, F_ENV, F_ID, F_NAME, F_PARENT_ID, F_RATING, F_RUN_ID, F_SOURCE, F_SPAN_ID, F_SUCCESS, PACKED_AT, RECORD_CHUNK, REC, RECF, REC_LENGTH, RECF_LENGTH, WANTED, V_FALSE, V_NULL, V_NUMBER, V_STRING, V_TRUE, lineScanner } from './line-scan.js';
import type { ChunkSource, LineScanner } from './line-scan.js';
import { SEGMENT_READ_FLAGS } from './layout.js';
import { PIECE_BYTES, pieceRangeSync } from './pieces.js';
import type { Piece } from './pieces.js';
import { DigestBuilder, SPAN_BYTES, isDetailKind } from './span-digest.js';
import type { SpanDigest } from './span-digest.js';

// The scanner's type numbers.
const T_START = 0;
const T_END = 1;
const T_SPAN = 2;
const T_POINT = 3;

/**
 * The digest of a segment's bytes, folded from the line scanner's records; undefined when
 * a line is not one it takes (fold the segment the ordinary way). `step` bytes are read at a
 * time (a test's way to cut lines between chunks); `detail` false: a digest without detail
 * (`DigestBuilder.detail`).
 */
export function foldSegmentBytes(bytes: Uint8Array, size: number, mtimeMs: number, step = RECORD_CHUNK, detail = true): SpanDigest | undefined {
  return foldChunks(size, size, mtimeMs, new ByteChunks(bytes, step), detail);
}

/**
 * `foldSegmentBytes` of a segment file of about `size` bytes (or of piece `piece` of it),
 * read in chunks straight into the line scanner's memory; undefined when it cannot be read,
 * it grew past `size`, a line is not one the scanner takes (fold it line by line: that read
 * says why), or it is a whole segment of two pieces or more. A record fold holds each
 * distinct text of what it folds and every unmatched record, so it takes a piece of a segment
 * at most (docs/performance.md, "Cold reads, fourth pass"). `detail` as `foldSegmentBytes`'s.
 */
export function foldSegmentFileSync(file: string, size: number, mtimeMs: number, piece?: Piece, detail = true): SpanDigest | undefined {
  if (piece === undefined && size >= 2 * PIECE_BYTES) return undefined;
  let fd: number;
  try {
    fd = openSync(file, SEGMENT_READ_FLAGS);
  } catch {
    return undefined;
  }
  try {
    // A piece (pieces.ts) reads its bytes; the last one, or a whole segment, to the end of
    // the file, which is `size` bytes unless it grew.
    const range = pieceRangeSync(fd, piece);
    const d = foldChunks((range.end ?? size) - range.start, size, mtimeMs, new FileChunks(fd, range.start, range.end ?? Infinity), detail);
    if (d !== undefined && range.fixed) d.fixed = true;
    return d;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The chunks of a fold come from objects of a class, each with its own state, where they
 * came from a closure made per segment: the fold's optimized code, which had inlined the one
 * closure it had seen, was thrown away at the next segment's, once per worker.
 */
class FileChunks implements ChunkSource {
  readonly #fd: number;
  #at: number;
  readonly #limit: number;

  /** Bytes [at, limit) of file `fd`, or to its end. */
  constructor(fd: number, at: number, limit: number) {
    this.#fd = fd;
    this.#at = at;
    this.#limit = limit;
  }

  read(into: Uint8Array): number {
    const n = readSync(this.#fd, into, 0, Math.min(into.length, this.#limit - this.#at), this.#at);
    this.#at += n;
    return n;
  }
}

/** `bytes`, `step` of them at a time at most. */
class ByteChunks implements ChunkSource {
  readonly #bytes: Uint8Array;
  readonly #step: number;
  #at = 0;

  constructor(bytes: Uint8Array, step: number) {
    this.#bytes = bytes;
    this.#step = step;
  }

  read(into: Uint8Array): number {
    const n = Math.min(into.length, this.#step, this.#bytes.length - this.#at);
    into.set(this.#bytes.subarray(this.#at, this.#at + n));
    this.#at += n;
    return n;
  }
}

/**
 * Fold the `length` bytes `from` gives, chunk by chunk, into the digest of a segment of
 * `size` bytes (`length` is less for a piece of it); with `detail` false, a digest without
 * detail (`DigestBuilder.detail`).
 */
function foldChunks(length: number, size: number, mtimeMs: number, from: ChunkSource, detail: boolean): SpanDigest | undefined {
  const scan = lineScanner();
  if (!scan.startRecord(length, detail)) return undefined;
  folder ??= new TapeFolder(scan);
  const fold = folder;
  // A span is a start and an end line, or one line: a kilobyte or so.
  fold.start(new DigestBuilder(size, mtimeMs, length / SPAN_BYTES, detail), length);
  let keepFrom = 0;
  let total = 0;
  let lines = 0;
  // Bytes of the last chunk, to tell how many a chunk brought after the ones it kept.
  let last = 0;
  for (;;) {
    const bytes = scan.nextChunk(keepFrom, from);
    const got = bytes.length - (last - keepFrom);
    last = bytes.length;
    total += got;
    // Grown since its size was taken: the fold line by line reads it as it is.
    if (total > length) return undefined;
    fold.chunk(bytes);
    let s = 0;
    // The scanner finds each line's newline (`LineScanner.record`).
    for (let nl = fold.add(s); nl !== NOT_TAKEN; nl = fold.add(s)) {
      if (nl === DECLINED) return undefined;
      lines++;
      s = nl + 1;
    }
    // A line the scanner did not take: cut by the end of the chunk (read again with the next
    // one), or not one it takes.
    if (s < bytes.length && bytes.indexOf(10, s) !== -1) return undefined;
    if (got === 0) {
      // The end. A last line without its newline is a torn tail, which the fold line by line reports.
      return s === bytes.length && lines > 0 ? fold.finish(lines) : undefined;
    }
    // A line longer than a chunk is folded another way.
    if (s === 0 && bytes.length === RECORD_CHUNK) return undefined;
    fold.endChunk();
    keepFrom = s;
  }
}

/** What `TapeFolder.add` says of a line besides its newline: the scanner did not take it, or the segment is declined. */
const NOT_TAKEN = -1;
const DECLINED = -2;

/**
 * Which keys the span being emitted has at its start and at its end (marked with the span's
 * stamp), and where in the end's entries: by index into WANTED, one set per thread.
 */
const marks = { stamp: 0, inStart: new Int32Array(WANTED.length), inEnd: new Int32Array(WANTED.length), endAt: new Int32Array(WANTED.length) };
const DURATION_UNKNOWN_KEY = WANTED.findIndex(([, slot]) => slot === DURATION_UNKNOWN);
/** WANTED's keys and slots apart: a tuple taken apart per attribute was most of `#attr`. */
const WANTED_KEYS = WANTED.map(([key]) => key);
const WANTED_SLOTS = Int32Array.from(WANTED, ([, slot]) => slot);

/**
 * A line's record, copied out of the scanner (the scanner's views hold only the last line),
 * in small arrays reused once the record is matched: a segment of long spans holds
 * thousands unmatched at once.
 */
class Saved {
  line = 0;
  /** The line's text, once its chunk is gone (`TapeFolder.endChunk`). */
  text: string | undefined = undefined;
  readonly rec = new Int32Array(REC_LENGTH);
  readonly recf = new Float64Array(RECF_LENGTH);
  /** The entries, and their numbers in the same bytes (as the scanner's `ent` and `entf`). */
  ent = new Int32Array(SAVED_ENTRIES * ENTRY.size);
  entf = new Float64Array(this.ent.buffer);
  /** Values of entries read by their place in the line (escaped strings, objects, arrays), made when saved. */
  readonly values: (JsonValue | undefined)[] = [];

  copy(scan: LineScanner, line: number): this {
    this.line = line;
    this.text = undefined;
    // Whole views, or views made once (`LineScanner.entries`): `set` from a `subarray` made
    // two views per array, a sixth of what a fold allocated, and element by element the
    // entries were a fifth of a fold's own time.
    this.rec.set(scan.rec);
    this.recf.set(scan.recf);
    const entries = scan.rec[REC.entries] as number;
    if (entries * ENTRY.size > this.ent.length) {
      this.ent = new Int32Array(entries * ENTRY.size);
      this.entf = new Float64Array(this.ent.buffer);
    }
    this.ent.set(scan.entries[entries] as Int32Array);
    return this;
  }
}

/**
 * Bytes of the shortest line a segment is expected to hold, to size the arrays by line: a
 * line the scanner takes has a dozen fields and is rarely under a few hundred bytes. More
 * lines grow them.
 */
const MIN_LINE_BYTES = 128;

/** Entries a saved record has room for before it grows: a line has a few keys the fold reads. */
const SAVED_ENTRIES = 8;

/** Whether an entry's value is read from its place in the line (not a number, plain string or literal). */
function byPlace(form: number): boolean {
  return form !== V_NUMBER && form !== V_STRING && form !== V_TRUE && form !== V_FALSE && form !== V_NULL;
}

/** A span's last feedback so far (`TapeFolder.#keptFeedback`); `attrs` undefined: kept as its line. */
interface KeptFeedback {
  line: number;
  id: string;
  tsMs: number;
  /** The line's text, once its chunk is gone (a feedback kept as its line). */
  text: string | undefined;
  attrs: string | undefined;
  /** `attrs` is what `JSON.stringify` makes of it parsed (`REC.plainAttrs`). */
  plain: boolean;
  /** Event id, span id, run id, packed (as `packUuid` packs them), when they are UUIDs. */
  uuids: Uint8Array;
  runIdNull: boolean;
  env: string;
  success: boolean | null;
  rating: number;
  source: string;
  /** The interned ids of env, source and attrs (-1: not interned), by which their indexes in the columns are remembered. */
  envId: number;
  sourceId: number;
  attrsId: number;
}

/** What a span is made of: a record's arrays (the scanner's, or a `Saved` copy). */
interface Parts {
  rec: Int32Array;
  recf: Float64Array;
  ent: Int32Array;
  entf: Float64Array;
  /** A saved record's values read by their place (the scanner's live record reads them from its chunk). */
  values?: (JsonValue | undefined)[];
}

/** A span's point events so far: their lines, ids and (once their chunk is gone) texts. */
interface Points {
  lines: number[];
  ids: string[];
  texts: (string | undefined)[];
}

/** This thread's folder (`TapeFolder.start` makes it ready for the next segment). */
let folder: TapeFolder | undefined;

/**
 * The record fold of one segment at a time. What it keeps per span is in arrays by the span
 * id's interned id, which the scanner gives from 0 up per segment: `Map`s by the id, made
 * again per segment, were the largest single thing a fold allocated (docs/performance.md,
 * "Cold reads, seventh pass").
 */
class TapeFolder {
  readonly #scan: LineScanner;
  /** The chunk being folded. */
  #bytes: Buffer = Buffer.alloc(0);
  #builder: DigestBuilder | undefined;
  /** Each line's start and end, by line number (from 0). */
  #lineStart = new Int32Array(1024);
  #lineEnd = new Int32Array(1024);
  #line = 0;
  /** Interned texts made so far, by id, below `#stringTop`. */
  readonly #strings: (string | undefined)[] = [];
  #stringTop = 0;
  /** By interned id, the hash of each text that was a span id (-1: not yet): numbers in an array would each be boxed. */
  #hashes = new Float64Array(1024).fill(-1);
  /** By span id (interned): 1 once its span is finished. */
  #finished = new Uint8Array(1024);
  /** By span id (interned): the start or end waiting for the other, its points, its last feedback (`SpanFolder`'s rule). */
  #starts: (Saved | undefined)[] = [];
  #ends: (Saved | undefined)[] = [];
  #points: (Points | undefined)[] = [];
  /** As its columns' values, or as its line when its ids are not UUIDs. */
  #feedback: (KeptFeedback | undefined)[] = [];
  /** One past the highest id any of the arrays by id holds for this segment. */
  #top = 0;
  /**
   * The ids given something to keep from the chunk being folded (`endChunk`): at most one a
   * line, so room for a chunk of short lines; grown past that, which threw away the optimized
   * `add` that had never seen it grow, once per worker.
   */
  #inChunk = new Int32Array(RECORD_CHUNK / MIN_LINE_BYTES);
  #nInChunk = 0;
  /**
   * By interned id, its index among the builder's envs and link ids (-1: not yet), and at
   * `id * SPAN_KINDS.length + kind` its index among the names of spans of that kind plus one
   * (0: not yet): looked up by text once per segment instead of per span. A text may name
   * spans of several kinds (a task and the agent working on it): by id alone, such names
   * were looked up by text again at each change of kind. Valid below `#cacheTop`.
   */
  #envAt = new Int32Array(0);
  #linkAt = new Int32Array(0);
  #nameAt = new Int32Array(0);
  /**
   * By interned id, the profile key it was last a value of plus one (0: none) and its index
   * among that key's values: a text is looked up in the builder's map once per segment, not
   * per span (`DigestBuilder.profileValue`).
   */
  #valueKey = new Int32Array(0);
  #valueAt = new Int32Array(0);
  #cacheTop = 0;
  /** The hashes of the segment's span ids, to find two that share one (`#hash`). */
  #seen = new HashSet53();
  /** Saved records matched and free for reuse. */
  readonly #spare: Saved[] = [];

  constructor(scan: LineScanner) {
    this.#scan = scan;
  }

  /**
   * Begin a segment, into `builder`: what the last one left by id is cleared. It runs once a
   * segment and has no loop of its own (`#recycle` has it): V8 compiled it as it ran, up to
   * three times a worker, for less than that saved.
   */
  start(builder: DigestBuilder, length: number): void {
    this.#builder = builder;
    this.#line = 0;
    const top = this.#top;
    this.#recycle(top);
    // Texts of any id (names, values), not only span ids. Filled, not emptied: an array
    // emptied gives its storage back, to be grown again.
    this.#strings.fill(undefined, 0, this.#stringTop);
    this.#stringTop = 0;
    this.#starts.fill(undefined, 0, top);
    this.#ends.fill(undefined, 0, top);
    this.#points.fill(undefined, 0, top);
    this.#feedback.fill(undefined, 0, top);
    this.#hashes.fill(-1, 0, top);
    this.#finished.fill(0, 0, top);
    this.#top = 0;
    this.#nInChunk = 0;
    // Arrays by id and by line, made large enough for the segment before its first line, so
    // they do not grow while the fold runs: a column made anew while optimized code relied on
    // the one before threw that code away, in every worker's first segment.
    const limit = this.#scan.idLimit;
    if (this.#envAt.length < limit) {
      this.#envAt = new Int32Array(limit).fill(-1);
      this.#linkAt = new Int32Array(limit).fill(-1);
      this.#nameAt = new Int32Array(limit * SPAN_KINDS.length);
      this.#valueKey = new Int32Array(limit);
      this.#valueAt = new Int32Array(limit);
    } else {
      const n = this.#cacheTop;
      this.#envAt.fill(-1, 0, n);
      this.#linkAt.fill(-1, 0, n);
      this.#nameAt.fill(0, 0, n * SPAN_KINDS.length);
      this.#valueKey.fill(0, 0, n);
    }
    if (this.#hashes.length < limit) {
      this.#hashes = new Float64Array(limit).fill(-1);
      this.#finished = new Uint8Array(limit);
    }
    // The arrays of objects by id too (all empty here): `#unfinished` reads each below
    // `#top`, and a read past an array's end threw its optimized code away, in every
    // worker's first segments (docs/performance.md, "Cold reads, twelfth pass").
    if (this.#starts.length < limit) {
      this.#starts = new Array<Saved | undefined>(limit).fill(undefined);
      this.#ends = new Array<Saved | undefined>(limit).fill(undefined);
      this.#points = new Array<Points | undefined>(limit).fill(undefined);
      this.#feedback = new Array<KeptFeedback | undefined>(limit).fill(undefined);
    }
    const lines = Math.ceil(length / MIN_LINE_BYTES);
    if (this.#lineStart.length < lines) {
      this.#lineStart = new Int32Array(lines);
      this.#lineEnd = new Int32Array(lines);
    }
    this.#cacheTop = 0;
    this.#seen = new HashSet53(length / SPAN_BYTES);
  }

  /** The records the last segment left unmatched, below id `top`, to reuse. */
  #recycle(top: number): void {
    for (let id = 0; id < top; id++) {
      const start = this.#starts[id];
      if (start !== undefined) this.#spare.push(start);
      const end = this.#ends[id];
      if (end !== undefined) this.#spare.push(end);
    }
  }

  /** The next chunk (`LineScanner.nextChunk`): its lines follow. */
  chunk(bytes: Buffer): void {
    this.#bytes = bytes;
  }

  /** `id` is given something to keep from this chunk. */
  #keep(id: number): void {
    if (this.#nInChunk === this.#inChunk.length) this.#inChunk = grown(this.#inChunk, 2 * this.#nInChunk);
    this.#inChunk[this.#nInChunk++] = id;
  }

  /** The chunk is about to be replaced: what may still be handed out keeps its line's text. */
  endChunk(): void {
    for (let k = 0; k < this.#nInChunk; k++) {
      const id = this.#inChunk[k] as number;
      const start = this.#starts[id];
      if (start !== undefined) start.text ??= this.#lineText(start.line);
      const end = this.#ends[id];
      if (end !== undefined) end.text ??= this.#lineText(end.line);
      const p = this.#points[id];
      if (p !== undefined) for (let i = 0; i < p.lines.length; i++) p.texts[i] ??= this.#lineText(p.lines[i] as number);
      const f = this.#feedback[id];
      if (f !== undefined && f.attrs === undefined) f.text ??= this.#lineText(f.line);
    }
    this.#nInChunk = 0;
  }

  /** The text of line `line` of the chunk. */
  #lineText(line: number): string {
    return this.#bytes.toString('utf8', this.#lineStart[line] as number, this.#lineEnd[line] as number);
  }

  /**
   * Fold the line of the chunk from offset `s`: the offset of its newline; `NOT_TAKEN` when
   * the scanner does not take it or it has no newline in the chunk; `DECLINED` when the
   * segment goes to the ordinary fold.
   */
  add(s: number): number {
    const scan = this.#scan;
    const type = scan.record(s);
    if (type === -1) return NOT_TAKEN;
    if (scan.rec[REC.flags] !== 0) return DECLINED;
    const e = scan.offset(scan.rec[REC.end] as number);
    const line = this.#line++;
    if (line === this.#lineStart.length) {
      this.#lineStart = grown(this.#lineStart, 2 * line);
      this.#lineEnd = grown(this.#lineEnd, 2 * line);
    }
    this.#lineStart[line] = s;
    this.#lineEnd[line] = e;
    // Every field `record` interns has an id (a line it could not intern is flagged).
    const spanId = scan.rec[REC.ids + F_SPAN_ID] as number;
    const h = this.#hash(spanId);
    // Two span ids of one hash: `SpanFolder` takes them for one span (its finished set holds
    // hashes), this fold by id would not; the ordinary fold reads such a segment.
    if (h < 0) return DECLINED;
    if (spanId >= this.#top) this.#top = spanId + 1;
    const finished = this.#finished[spanId] === 1;
    if (type === T_START) {
      if (finished || this.#starts[spanId] !== undefined) return e;
      const end = this.#ends[spanId];
      if (end === undefined) {
        this.#starts[spanId] = this.#save(line);
        this.#keep(spanId);
        return e;
      }
      this.#ends[spanId] = undefined;
      this.#emit(scan, end, spanId, h);
      this.#spare.push(end);
    } else if (type === T_END) {
      if (finished || this.#ends[spanId] !== undefined) return e;
      const start = this.#starts[spanId];
      if (start === undefined) {
        this.#ends[spanId] = this.#save(line);
        this.#keep(spanId);
        return e;
      }
      this.#starts[spanId] = undefined;
      this.#emit(start, scan, spanId, h);
      this.#spare.push(start);
    } else if (type === T_SPAN) {
      if (finished) return e;
      const start = this.#starts[spanId];
      if (start !== undefined) this.#starts[spanId] = undefined;
      const end = this.#ends[spanId];
      if (end !== undefined) {
        this.#ends[spanId] = undefined;
        this.#spare.push(end);
      }
      this.#emit(start, scan, spanId, h);
      if (start !== undefined) this.#spare.push(start);
    } else if (type === T_POINT) {
      // Attempts recorded after their span ended are already summarised on the end event.
      if (finished) return e;
      const id = this.#field(F_ID);
      let p = this.#points[spanId];
      if (p === undefined) {
        p = { lines: [], ids: [], texts: [] };
        this.#points[spanId] = p;
      }
      if (p.ids.includes(id)) return e;
      p.lines.push(line);
      p.ids.push(id);
      p.texts.push(undefined);
      this.#keep(spanId);
    } else {
      const id = this.#field(F_ID);
      const tsMs = scan.recf[RECF.ts] as number;
      const prev = this.#feedback[spanId];
      if (prev !== undefined && (prev.id === id || prev.tsMs > tsMs)) return e;
      this.#feedback[spanId] = this.#keptFeedback(line, id, spanId, tsMs);
      this.#keep(spanId);
    }
    return e;
  }

  /** The digest, with what did not finish as events in the order they were read (`SpanFolder.drain`). */
  finish(lines: number): SpanDigest {
    const pending: [line: number, text: string | undefined][] = anyList();
    const kept: KeptFeedback[] = anyList();
    this.#unfinished(pending, kept);
    pending.sort((a, b) => a[0] - b[0]);
    const events: AgentmeterEvent[] = anyList();
    for (const [l, text] of pending) events.push(JSON.parse(text ?? this.#lineText(l)) as AgentmeterEvent);
    const d = (this.#builder as DigestBuilder).finish({ lines, events: lines, skipped: 0, samples: [] }, events);
    if (kept.length > 0) d.feedback = this.#feedbackColumns(kept);
    return d;
  }

  /**
   * What did not finish, by id: its lines to `pending`, the feedback kept as values to `kept`.
   * Apart from `finish`, which runs once a segment: with this loop in it, V8 compiled it
   * on the stack, with the builder's `finish` inlined, three times a worker.
   */
  #unfinished(pending: [line: number, text: string | undefined][], kept: KeptFeedback[]): void {
    for (let id = 0; id < this.#top; id++) {
      const start = this.#starts[id];
      if (start !== undefined) pending.push([start.line, start.text]);
      const end = this.#ends[id];
      if (end !== undefined) pending.push([end.line, end.text]);
      const p = this.#points[id];
      if (p !== undefined) for (let i = 0; i < p.lines.length; i++) pending.push([p.lines[i] as number, p.texts[i]]);
      const f = this.#feedback[id];
      if (f === undefined) continue;
      if (f.attrs === undefined) pending.push([f.line, f.text]);
      else kept.push(f);
    }
  }

  /**
   * A feedback line's values, as `compactFeedback` takes them from its event: the fields
   * from the record and the line, `attrs` as its text (made canonical at the end, for the kept
   * ones only). A feedback whose ids are not UUIDs stays a line, parsed at the end.
   */
  #keptFeedback(line: number, id: string, spanId: number, tsMs: number): KeptFeedback {
    const scan = this.#scan;
    const runId = scan.rec[REC.ids + F_RUN_ID] as number;
    const u = new Uint8Array(48);
    const f: KeptFeedback = {
      line, id, tsMs, text: undefined, attrs: undefined, plain: false, uuids: u, runIdNull: runId < 0, env: '', success: null, rating: NaN, source: '',
      envId: -1, sourceId: -1, attrsId: -1,
    };
    // The span and run ids are interned: the scanner packs them without their texts made.
    if (!packUuid(id, u, 0) || !this.#packed(spanId, u, 16) || (runId >= 0 && !this.#packed(runId, u, 32))) return f;
    f.envId = scan.rec[REC.ids + F_ENV] as number;
    f.env = this.#string(f.envId);
    const success = scan.fieldStart[F_SUCCESS] as number;
    f.success = success < 0 ? null : this.#bytes[scan.offset(success)] === 0x74;
    // A JSON number's text, which `Number` reads as `JSON.parse` does.
    if ((scan.fieldStart[F_RATING] as number) >= 0) f.rating = Number(this.#field(F_RATING));
    const source = scan.intern(scan.fieldStart[F_SOURCE] as number, scan.fieldEnd[F_SOURCE] as number);
    f.source = source < 0 ? this.#field(F_SOURCE) : this.#string(source);
    f.sourceId = source;
    // Interned: a segment's feedback shares a few hundred attribute texts, and the digest
    // keeps each once (`FeedbackColumnsBuilder`), looked up by the same string each time.
    const attrs = scan.intern(scan.fieldStart[F_ATTRS] as number, scan.fieldEnd[F_ATTRS] as number);
    f.attrs = attrs < 0 ? this.#field(F_ATTRS) : this.#string(attrs);
    f.attrsId = attrs;
    f.plain = scan.rec[REC.plainAttrs] === 1;
    return f;
  }

  /** Interned text `id` packed into `out` at `at` as `packUuid` packs it; false when it is not a UUID. */
  #packed(id: number, out: Uint8Array, at: number): boolean {
    const scan = this.#scan;
    if (!scan.packId(id)) return false;
    const b = scan.recBytes;
    for (let k = 0; k < 16; k++) out[at + k] = b[PACKED_AT + k] as number;
    return true;
  }

  /** The kept feedback in columns, in line order, as `compactFeedback` makes them of its events. */
  #feedbackColumns(kept: KeptFeedback[]): FeedbackColumns {
    kept.sort((a, b) => a.line - b.line);
    const rows = new FeedbackColumnsBuilder(kept.length);
    // Kept only when its ids are UUIDs (`#keptFeedback`): every row is added. The attributes'
    // text is the line's own when the scanner found it is what `JSON.stringify` writes. Each
    // interned env, source and attribute text is looked up in the columns once.
    const envAt = new Map<number, number>();
    const sourceAt = new Map<number, number>();
    const attrsAt = new Map<number, number>();
    for (const f of kept) {
      let env = envAt.get(f.envId);
      if (env === undefined) {
        env = rows.envIndex(f.env);
        envAt.set(f.envId, env);
      }
      let source = f.sourceId < 0 ? undefined : sourceAt.get(f.sourceId);
      if (source === undefined) {
        source = rows.sourceIndex(f.source);
        if (f.sourceId >= 0) sourceAt.set(f.sourceId, source);
      }
      let attrs = f.attrsId < 0 ? undefined : attrsAt.get(f.attrsId);
      if (attrs === undefined) {
        // An interned text that is what JSON.stringify writes differs from every text before
        // it that came that way (each text has one id); `attrIndexDistinct` looks it up once
        // a text made canonical has come. Its hash is the scanner's (`#textHash`).
        if (f.plain && f.attrsId >= 0) attrs = rows.attrIndexDistinct(f.attrs as string, this.#textHash(f.attrsId));
        else attrs = rows.attrIndex(f.plain ? (f.attrs as string) : JSON.stringify(JSON.parse(f.attrs as string)));
        if (f.attrsId >= 0) attrsAt.set(f.attrsId, attrs);
      }
      rows.addPacked(f.uuids, 0, f.runIdNull, f.tsMs, f.rating, f.success, env, source, attrs);
    }
    return rows.columns();
  }

  /**
   * `hashId` of interned text `id` (the columns' `attrHash`): the scanner hashes an ASCII
   * text as `hashId` hashes its characters; NaN for another, which the columns hash from
   * its text.
   */
  #textHash(id: number): number {
    const h = this.#scan.idHash(id);
    return h < 0 ? NaN : h;
  }

  /** The live record of line `line`, copied out, with the values read by their place made (its chunk may go). */
  #save(line: number): Saved {
    const saved = (this.#spare.pop() ?? new Saved()).copy(this.#scan, line);
    const n = saved.rec[REC.entries] as number;
    for (let k = 0; k < n; k++) saved.values[k] = byPlace(saved.ent[k * ENTRY.size + ENTRY.form] as number) ? this.#placed(saved, k) : undefined;
    return saved;
  }

  /** The value of entry `k` read from its place in the chunk. */
  #placed(p: Parts, k: number): JsonValue {
    const at = k * ENTRY.size;
    return JSON.parse(this.#slice(p.ent[at + ENTRY.start] as number, p.ent[at + ENTRY.end] as number)) as JsonValue;
  }

  /**
   * The span of a start (if any) and an end or complete event, as `spanFromParts` makes it,
   * to the digest, without making it: its fields and its merged attributes (the end's over
   * the start's, in the start's key order, then the end's new keys) go to the builder as
   * `DigestBuilder.add` hands a `Span`'s. Point events seen for it count in it.
   */
  #emit(start: Parts | undefined, end: Parts, spanId: number, h: number): void {
    const head = start ?? end;
    const complete = end.rec[REC.type] === T_SPAN;
    const startMs = start ? (start.recf[RECF.ts] as number) : (end.recf[RECF.startTs] as number);
    const endMs = end.recf[RECF.ts] as number;
    // A writer that did not know the duration says so (`duration.unknown`, as `spanFromParts` reads it).
    let unknown = this.#durationUnknown(end);
    if (unknown === -1 && start) unknown = this.#durationUnknown(start);
    let durationMs = NaN;
    if (unknown !== 1) {
      const d = end.recf[RECF.duration] as number;
      durationMs = Number.isNaN(d) ? Math.max(0, endMs - startMs) : d;
    }
    const kind = head.rec[REC.kind] as number;
    const b = this.#builder as DigestBuilder;
    const times = b.times;
    times[0] = h;
    times[1] = startMs;
    times[2] = durationMs;
    b.beginSpan(kind, end.rec[REC.status] as number, this.#envOf(head.rec[REC.ids + F_ENV] as number), this.#takePoints(spanId));
    if (b.detail && isDetailKind(kind)) {
      // The name and parent of a complete span or a start; a lone end has neither. Indexes are
      // asked for in the order `DigestBuilder.add` asks: name, parent, run.
      const named = complete ? end : start;
      const name = named ? this.#nameOf(kind, named.rec[REC.ids + F_NAME] as number) : b.nameIndex(kind, SPAN_KINDS[kind] as string);
      const parent = named ? this.#linkOf(named.rec[REC.ids + F_PARENT_ID] as number) : b.linkIndex(null);
      const run = this.#linkOf(head.rec[REC.ids + F_RUN_ID] as number);
      // A span id that is a UUID goes packed, without its text made.
      if (this.#scan.packId(spanId)) b.detailRowPacked(endMs, name, this.#scan.rec, PACKED_AT / 4, parent, run);
      else b.detailRow(endMs, name, this.#string(spanId), parent, run);
    }
    const stamp = ++marks.stamp;
    const n = end.rec[REC.entries] as number;
    for (let j = 0; j < n; j++) {
      const key = end.ent[j * ENTRY.size + ENTRY.key] as number;
      marks.inEnd[key] = stamp;
      marks.endAt[key] = j;
    }
    if (start) {
      const m = start.rec[REC.entries] as number;
      for (let i = 0; i < m; i++) {
        const key = start.ent[i * ENTRY.size + ENTRY.key] as number;
        marks.inStart[key] = stamp;
        if (marks.inEnd[key] === stamp) this.#attr(end, marks.endAt[key] as number);
        else this.#attr(start, i);
      }
    }
    for (let j = 0; j < n; j++) if (start === undefined || marks.inStart[end.ent[j * ENTRY.size + ENTRY.key] as number] !== stamp) this.#attr(end, j);
    this.#finished[spanId] = 1;
    b.endSpan();
  }

  /** Entry `k` of a record to the builder, if the digest keeps its key. */
  #attr(p: Parts, k: number): void {
    const at = k * ENTRY.size;
    const w = p.ent[at + ENTRY.key] as number;
    const slot = WANTED_SLOTS[w] as number;
    if (slot === DURATION_UNKNOWN) return;
    const form = p.ent[at + ENTRY.form] as number;
    if (form === V_NUMBER) {
      (this.#builder as DigestBuilder).numberAttr(slot, WANTED_KEYS[w] as string, p.entf, k * 4 + ENTRY_NUMBER);
      return;
    }
    let v: JsonValue;
    if (form === V_STRING && slot < 0) {
      this.#profileString(-1 - slot, p.ent[at + ENTRY.string] as number);
      return;
    }
    // Plain strings of kept keys are interned (a line whose text the table cannot take is declined).
    if (form === V_STRING) v = this.#string(p.ent[at + ENTRY.string] as number);
    else if (form === V_TRUE) v = true;
    else if (form === V_FALSE) v = false;
    else if (form === V_NULL) v = null;
    else v = p.values !== undefined ? (p.values[k] as JsonValue) : this.#placed(p, k);
    (this.#builder as DigestBuilder).attr(slot, WANTED_KEYS[w] as string, v);
  }

  /** Interned text `id` as the value of profile key `k` of the span being emitted. */
  #profileString(k: number, id: number): void {
    const b = this.#builder as DigestBuilder;
    let i: number;
    if (this.#valueKey[id] === k + 1) i = this.#valueAt[id] as number;
    else {
      i = b.profileValue(k, this.#string(id));
      this.#valueKey[id] = k + 1;
      this.#valueAt[id] = i;
      if (id >= this.#cacheTop) this.#cacheTop = id + 1;
    }
    b.profileIndex(k, i);
  }

  /** A record's `duration.unknown`: 1 when true, 0 when another value, -1 when absent. */
  #durationUnknown(p: Parts): number {
    const n = p.rec[REC.entries] as number;
    for (let k = 0; k < n; k++) if (p.ent[k * ENTRY.size + ENTRY.key] === DURATION_UNKNOWN_KEY) return p.ent[k * ENTRY.size + ENTRY.form] === V_TRUE ? 1 : 0;
    return -1;
  }

  #takePoints(spanId: number): number {
    const p = this.#points[spanId];
    if (p === undefined) return 0;
    this.#points[spanId] = undefined;
    return p.lines.length;
  }

  /** Text at scanner addresses [s, e). */
  #slice(s: number, e: number): string {
    return this.#bytes.toString('utf8', this.#scan.offset(s), this.#scan.offset(e));
  }

  /** An interned string's text, made once. */
  #string(id: number): string {
    let s = this.#strings[id];
    if (s === undefined) {
      s = this.#scan.stringOf(id);
      this.#strings[id] = s;
      if (id >= this.#stringTop) this.#stringTop = id + 1;
    }
    return s;
  }

  /**
   * The hash of a span id (`hashId`) by its interned id, computed once per text; -1 when
   * another span id of the segment has the same hash. Ids are below `idLimit`, which `start`
   * made room for.
   */
  #hash(id: number): number {
    let h = this.#hashes[id] as number;
    if (h < 0) {
      // The scanner hashes an ASCII id; another is hashed from its text.
      h = this.#scan.idHash(id);
      if (h < 0) h = hashId(this.#string(id));
      if (!this.#seen.add(h)) return -1;
      this.#hashes[id] = h;
    }
    return h;
  }

  /** The text of a string field of the live record, read from the line. */
  #field(field: number): string {
    return this.#slice(this.#scan.fieldStart[field] as number, this.#scan.fieldEnd[field] as number);
  }

  /** The builder's index of the env, the parent or run id (-1: null), and the name of a span of `kind`, by interned text. */
  #envOf(id: number): number {
    let i = this.#envAt[id] as number;
    if (i < 0) {
      i = (this.#builder as DigestBuilder).envIndex(this.#string(id));
      this.#envAt[id] = i;
      if (id >= this.#cacheTop) this.#cacheTop = id + 1;
    }
    return i;
  }

  #linkOf(id: number): number {
    if (id < 0) return (this.#builder as DigestBuilder).linkIndex(null);
    let i = this.#linkAt[id] as number;
    if (i < 0) {
      // A UUID goes packed, without its text made.
      const b = this.#builder as DigestBuilder;
      i = this.#scan.packId(id) ? b.linkPacked(this.#scan.rec, PACKED_AT / 4) : b.linkIndex(this.#string(id));
      this.#linkAt[id] = i;
      if (id >= this.#cacheTop) this.#cacheTop = id + 1;
    }
    return i;
  }

  #nameOf(kind: number, id: number): number {
    const at = id * SPAN_KINDS.length + kind;
    const known = this.#nameAt[at] as number;
    if (known > 0) return known - 1;
    // Each interned text once per kind (`#nameAt`): a name the builder has not seen from here.
    const i = (this.#builder as DigestBuilder).nameIndexDistinct(kind, this.#string(id));
    this.#nameAt[at] = i + 1;
    if (id >= this.#cacheTop) this.#cacheTop = id + 1;
    return i;
  }
}
