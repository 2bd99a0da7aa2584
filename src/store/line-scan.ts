/**
 * The validating line scanner (`wasm/line-scan.ts`, compiled to WebAssembly by `npm run
 * build`): lines in the form agentmeter's own writers produce are checked against the schema
 * without building objects or decoding text, and may be written straight out as COPY rows;
 * every other line is declined, and the caller reads it the ordinary way (`decodeLine`,
 * `validateEvent`), which stays the one definition of a valid line. docs/architecture.md,
 * "The line scanner".
 *
 * One scanner per thread (`lineScanner()`): its memory holds the tables, the bytes being
 * scanned and the rows written.
 */
import { readFileSync } from 'node:fs';
import { MAX_DEPTH } from '../model/codec.js';
import { AgentmeterError } from '../model/diagnostics.js';
import { FEEDBACK_SOURCES, SPAN_KINDS, SPAN_STATUSES } from '../model/events.js';
import { ATTRIBUTE_TYPES } from '../model/generated/attribute-types.js';
import type { AttributeType } from '../model/index.js';
import { DETAIL_SLOT, attrSlots } from './span-digest.js';

// The WebAssembly API, typed here: the ES library this project compiles against has no DOM types.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (code: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  memory: WasmMemory;
  base(): number;
  init(fields: number, types: number, kinds: number, statuses: number, sources: number, tables: number, kindCount: number, attrsDepth: number, wanted: number): void;
  scanLine(s: number, e: number, row: number, utf8: number): number;
  recordLine(s: number, limit: number): number;
  resetStrings(table: number, slots: number, index: number, arena: number, arenaBytes: number): void;
  idHash(id: number): number;
  internText(s: number, e: number): number;
  packId(id: number, out: number): number;
  skipKeys(table: number): void;
  rec(): number;
  fieldStarts(): number;
  fieldEnds(): number;
  recf(): number;
  entries(): number;
  rowEnd: { value: number };
}

/** The names of a line's fields, by the scanner's field numbers. */
const FIELD_NAMES = ['v', 'id', 'ts', 'type', 'span_id', 'kind', 'name', 'parent_id', 'run_id', 'env', 'start_ts', 'duration_ms', 'status', 'success', 'rating', 'source', 'attrs'];
/** Event types by the scanner's type numbers: the first three are spans, with a kind. */
const TYPE_NAMES = ['span.start', 'span.end', 'span', 'span.event', 'feedback'];
/** Attribute shapes by the scanner's shape numbers. */
const SHAPES: readonly AttributeType[] = ['string', 'number', 'boolean', 'number|null', 'boolean|null', 'string[]', 'string-map', 'span-kind'];
/** A key table's code: the key's shape (or NO_SHAPE) in its low bits, its index in WANTED + 1 above them. */
const SHAPE_BITS = 4;
const SHAPE_MASK = (1 << SHAPE_BITS) - 1;
const NO_SHAPE = SHAPE_MASK;
/** Attributes nest at most this deep inside `attrs` (the line's object and `attrs` are two more). */
const MAX_ATTRS_DEPTH = Math.min(32, MAX_DEPTH - 2);
/** Room after the scanned bytes: the scanner may look a few bytes past a line's end. */
const PAD = 64;
const PAGE = 65536;
/** The most slots of the table of strings interned per segment (16 bytes each, and 4 in the index). */
const MAX_STRING_SLOTS = 1 << 19;
/** A segment is recorded in chunks of this many bytes (a line that does not fit one is folded another way). */
export const RECORD_CHUNK = 1024 * 1024;
/**
 * What `record` says of a line: offsets into `rec` (i32s), `recf` (f64s), and an entry's
 * (`ENTRY` i32s, its number at `ENTRY_NUMBER` f64s). `plainAttrs` 1: a feedback line whose
 * `attrs` text is what `JSON.stringify` makes of them parsed; `end` the address of the
 * line's newline.
 */
export const REC = { type: 0, kind: 1, status: 2, entries: 3, flags: 4, plainAttrs: 5, ids: 6, end: 23 } as const;
export const RECF = { ts: 0, startTs: 1, duration: 2 } as const;
/** Where in `recBytes` `packId` packs a UUID (bytes `record` leaves alone); a multiple of 4, so that `rec` reads it as 4 words. */
export const PACKED_AT = 96;
export const ENTRY = { size: 8, key: 0, form: 1, start: 2, end: 3, string: 4 } as const;
/**
 * The attribute keys `record` records (an entry's `key` is an index into this list), with
 * their slots in the span digest: the keys the digest keeps, and `duration.unknown`, which
 * says how to read a span's duration (slot DURATION_UNKNOWN).
 */
export const DURATION_UNKNOWN = 2_000_000;
export const WANTED: readonly (readonly [string, number])[] = [...attrSlots(), ['duration.unknown', DURATION_UNKNOWN]];
/** An entry's number among its f64s (4 an entry). */
export const ENTRY_NUMBER = 3;
/** The length of `rec` (i32s) and `recf` (f64s): the scanner's REC and RECF. */
export const REC_LENGTH = 32;
export const RECF_LENGTH = 4;
/** Entries per line `record` takes (the scanner's MAX_ENTRIES). */
const MAX_ENTRIES = 64;
/** An entry value's form (the others, an escaped string, an object, an array, are read from their place in the line). */
export const V_STRING = 0;
export const V_NUMBER = 2;
export const V_TRUE = 3;
export const V_FALSE = 4;
export const V_NULL = 5;
/**
 * The fields a fold reads (the scanner's field numbers, `FIELD_NAMES`): `record` interns the
 * text of span_id, name, parent_id, run_id and env; the others are read from the line.
 */
export const F_ID = 1;
export const F_SPAN_ID = 4;
export const F_NAME = 6;
export const F_PARENT_ID = 7;
export const F_RUN_ID = 8;
export const F_ENV = 9;
export const F_SUCCESS = 13;
export const F_RATING = 14;
export const F_SOURCE = 15;
export const F_ATTRS = 16;

/** The hash the scanner places keys by (its `keyHashOf`): four bytes at a time, little-endian. */
function keyHash(b: Uint8Array): number {
  let h = b.length;
  let p = 0;
  for (; p + 4 <= b.length; p += 4) h = Math.imul(h ^ ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)), 0x01000193);
  for (; p < b.length; p++) h = Math.imul(h ^ (b[p] as number), 0x01000193);
  return (h ^ (h >>> 15)) | 0;
}

/** Bytes as little-endian 4-byte words, the last padded with zeros. */
function wordsOf(b: Uint8Array): number[] {
  const words: number[] = [];
  for (let i = 0; i < b.length; i += 4) words.push((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24));
  return words;
}

/**
 * Lays out the scanner's tables at `at`, in 4-byte words. Built by every thread that scans
 * (each fold worker before its first segment): equal tables are written once, and each key's
 * bytes and hash are made once, which took a worker's scanner from 36 to 14 ms (docs/performance.md,
 * "Cold reads, ninth pass").
 */
class TableWriter {
  readonly words: number[] = [];
  readonly #base: number;
  /** Tables written, by their entries as text: the address of each. */
  readonly #tables = new Map<string, number>();
  readonly #keys = new Map<string, { length: number; h: number; words: number[] }>();

  constructor(base: number) {
    this.#base = base;
  }

  get address(): number {
    return this.#base + 4 * this.words.length;
  }

  bytes(b: Uint8Array): void {
    this.words.push(...wordsOf(b));
  }

  /** A list of names: its address. */
  names(xs: readonly string[]): number {
    const at = this.address;
    this.words.push(xs.length);
    for (const x of xs) {
      const b = Buffer.from(x, 'utf8');
      this.words.push(b.length);
      this.bytes(b);
    }
    return at;
  }

  /**
   * A table of keys, each with a code (a shape, a slot): its address. At least four slots a
   * key, so a probe ends soon. Its layout is the scanner's (`TABLE_SLOTS`, `ENTRY_KEY` in
   * wasm/line-scan.ts): the slot mask, the entry of the key an object read with the table
   * began with last (learnt as lines are scanned), the slots; an entry is the key's hash, its
   * code, its length, the entry of the key that followed it last, then its bytes. Keys are
   * ASCII without quotes, backslashes or control characters, so that the scanner may take a
   * key whose bytes are an entry's, followed by a quote, for that entry's key.
   */
  keys(entries: readonly (readonly [string, number])[]): number {
    const text = JSON.stringify(entries);
    let at = this.#tables.get(text);
    if (at === undefined) {
      at = this.#keysOnce(entries);
      this.#tables.set(text, at);
    }
    return at;
  }

  #keysOnce(entries: readonly (readonly [string, number])[]): number {
    let size = 16;
    while (size < 4 * entries.length) size *= 2;
    const slots = new Array<number>(size).fill(0);
    const at = this.address;
    this.words.push(size - 1, 0, ...slots);
    for (const [key, code] of entries) {
      if (!/^[\x20-\x7e]*$/.test(key) || key.includes('"') || key.includes('\\')) throw new Error(`line scanner: key ${JSON.stringify(key)} is not plain ASCII`);
      let k = this.#keys.get(key);
      if (k === undefined) {
        const b = Buffer.from(key, 'utf8');
        k = { length: b.length, h: keyHash(b), words: wordsOf(b) };
        this.#keys.set(key, k);
      }
      const h = k.h;
      let slot = h & (size - 1);
      while (slots[slot] !== 0) slot = (slot + 1) & (size - 1);
      slots[slot] = this.address;
      this.words.push(h, code, k.length, 0, ...k.words);
    }
    for (let i = 0; i < size; i++) this.words[(at - this.#base) / 4 + 2 + i] = slots[i] as number;
    return at;
  }
}

/** The scanner, its tables written: the first free address past them, and where the table of keys only detail reads is. */
function instantiate(): { x: Exports; free: number; detailOnly: number } {
  const url = new URL('../../dist/wasm/line-scan.wasm', import.meta.url);
  let code: Buffer;
  try {
    code = readFileSync(url);
  } catch (e: unknown) {
    throw new AgentmeterError('E_LINE_SCANNER', `the line scanner ${url.pathname} is missing: build it with \`npm run build\``, { cause: e });
  }
  // The module's memory, once it is instantiated.
  const memory: { buffer?: WasmMemory } = {};
  const numberOf = (at: number, length: number): number => {
    const text = Buffer.from((memory.buffer as WasmMemory).buffer, at, length).toString('latin1');
    const n = Number(text);
    return String(n) === text ? n : NaN;
  };
  const instance = new wasm.Instance(new wasm.Module(code), { env: { numberOf } });
  const x = instance.exports as unknown as Exports;
  memory.buffer = x.memory;
  const t = new TableWriter(x.base());
  const fields = t.names(FIELD_NAMES);
  const types = t.names(TYPE_NAMES);
  const kinds = t.names(SPAN_KINDS);
  const statuses = t.names(SPAN_STATUSES);
  const sources = t.names(FEEDBACK_SOURCES);
  // Per type, per kind (spans) or alone: the key table's address.
  const tables: number[] = [];
  for (let type = 0; type < TYPE_NAMES.length; type++) {
    for (let k = 0; k < SPAN_KINDS.length; k++) {
      const types = ATTRIBUTE_TYPES[type <= 2 ? `${TYPE_NAMES[type] as string}:${SPAN_KINDS[k] as string}` : (TYPE_NAMES[type] as string)];
      // Each key with its shape (NO_SHAPE: untyped) and its index in WANTED + 1 (0: not kept),
      // so the scanner looks a key up once for both.
      const codes = new Map<string, number>(types ? Object.entries(types).map(([key, shape]) => [key, SHAPES.indexOf(shape)]) : []);
      WANTED.forEach(([key], i) => codes.set(key, ((codes.get(key) ?? NO_SHAPE) & SHAPE_MASK) | ((i + 1) << SHAPE_BITS)));
      tables.push(types ? t.keys([...codes]) : 0);
    }
  }
  const tableIndex = t.address;
  t.words.push(...tables);
  const wanted = t.keys(WANTED.map(([key], i) => [key, i] as const));
  // Per wanted key, 1 when only a digest with detail reads it (`LineScanner.startRecord`).
  const detailOnly = t.address;
  t.words.push(...WANTED.map(([, slot]) => (slot >= DETAIL_SLOT && slot !== DURATION_UNKNOWN ? 1 : 0)));
  const end = t.address + 64;
  const size = x.memory.buffer.byteLength;
  if (end > size) x.memory.grow(Math.ceil((end - size) / PAGE));
  new Int32Array(x.memory.buffer, x.base(), t.words.length).set(t.words);
  x.init(fields, types, kinds, statuses, sources, tableIndex, SPAN_KINDS.length, MAX_ATTRS_DEPTH, wanted);
  return { x, free: t.address, detailOnly };
}

/**
 * Where the bytes of a segment being recorded come from (`LineScanner.nextChunk`): `read`
 * writes the next of them into `into`, from its start, and returns how many (0: the end).
 */
export interface ChunkSource {
  read(into: Uint8Array): number;
}

/**
 * The scanner's memory as the caller sees it: `load` copies bytes in, `line` scans one line of
 * them (offsets into what was loaded), `rows` hands back what was written.
 */
export class LineScanner {
  readonly #x: Exports;
  /** The first address past the scanner's tables. */
  readonly #free: number;
  /** Where loaded bytes (or the chunk being recorded) start; where rows start. */
  #in: number;
  #rows = 0;
  #pos = 0;
  /** While recording: the table of interned strings, each id's start and length, and the chunk's length. */
  #stringSlots = 0;
  #stringsAt = 0;
  #chunk = 0;
  /** Views of what `record` writes (made again when the memory grows). */
  rec = new Int32Array(0);
  /** `rec`'s bytes, where `packId` packs (at PACKED_AT). */
  recBytes = new Uint8Array(0);
  /** Where each field's text starts and ends (scanner addresses; a string's without its quotes). */
  fieldStart = new Int32Array(0);
  fieldEnd = new Int32Array(0);
  recf = new Float64Array(0);
  ent = new Int32Array(0);
  entf = new Float64Array(0);
  /** `entries[n]`: the first n entries of `ent`, a view each, to copy them without making one. */
  entries: Int32Array[] = [];
  #at = new Int32Array(0);
  /** All of the scanner's memory, to make texts from without a view per text. */
  #bytes = Buffer.alloc(0);

  /** The table of wanted keys only a digest with detail reads (`startRecord`). */
  readonly #detailOnly: number;

  constructor(x: Exports, free: number, detailOnly: number) {
    this.#x = x;
    this.#detailOnly = detailOnly;
    this.#free = (free + 15) & ~15;
    this.#in = this.#free;
    this.#views();
  }

  /** Copy `bytes` in (the last load's bytes and rows are dropped), with room for `rowBytes` of rows after them. */
  load(bytes: Uint8Array, rowBytes = 0): void {
    this.#in = this.#free;
    this.#rows = (this.#in + bytes.length + PAD + 15) & ~15;
    this.#pos = this.#rows;
    this.#room(this.#rows + rowBytes);
    this.#memory().set(bytes, this.#in);
  }

  /**
   * Start recording a segment of about `size` bytes, read `nextChunk` by `nextChunk`: the
   * interned strings start afresh, with room for as many distinct texts as such a segment
   * can hold (false: a segment too large for the table; fold it another way). `detail`
   * false: the entries of the keys only a digest's detail reads (`DETAIL_KEYS`) are not
   * recorded, nor their texts interned, for a fold without detail (`DigestBuilder.detail`).
   */
  startRecord(size: number, detail = true): boolean {
    this.#x.skipKeys(detail ? 0 : this.#detailOnly);
    // Lines are hundreds of bytes, and each brings a new text or two (its span id, a key of a
    // run or task): a table of size / 128 slots stays under half full. A segment that
    // brings more is declined (`record` flags the line that finds the table full).
    let slots = 1 << 12;
    while (slots < size / 128) slots *= 2;
    if (slots > MAX_STRING_SLOTS) return false;
    // Pages of memory are taken when written: the arena costs what its texts fill.
    const arenaBytes = Math.ceil(size / 2) + 4096;
    const table = this.#free;
    this.#stringSlots = slots;
    this.#stringsAt = table + slots * 16;
    const arena = this.#stringsAt + slots * 4;
    this.#in = (arena + arenaBytes + 15) & ~15;
    this.#chunk = 0;
    this.#room(this.#in + RECORD_CHUNK + PAD, false);
    this.#x.resetStrings(table, slots, this.#stringsAt, arena, arenaBytes);
    this.#views();
    return true;
  }

  /**
   * The next chunk of the segment being recorded: the bytes of the last chunk from `keepFrom`
   * on (a line it cut) move to the start, and `from` writes after them straight into the
   * scanner's memory. Returns the chunk, in the scanner's memory (valid until the next chunk);
   * lines are recorded by their offsets into it.
   */
  nextChunk(keepFrom: number, from: ChunkSource): Buffer {
    const mem = this.#memory();
    const keep = this.#chunk - keepFrom;
    if (keep > 0) mem.copyWithin(this.#in, this.#in + keepFrom, this.#in + this.#chunk);
    const n = from.read(mem.subarray(this.#in + keep, this.#in + RECORD_CHUNK));
    this.#chunk = keep + n;
    return Buffer.from(this.#x.memory.buffer, this.#in, this.#chunk);
  }

  /**
   * Scan the line of the chunk (`nextChunk`) from offset `s` to its newline, and record what a
   * fold reads of it in `rec`, `recf` and the entries (`ent`, `entf`; see `REC`, `RECF`,
   * `ENTRY`) and where its newline is (`REC.end`): its type (an index into the scanner's type
   * names), or -1 when it is declined or has no newline in the chunk (cut by the chunk's end;
   * `indexOf` tells which). Addresses recorded are the scanner's: `offset` turns them into
   * offsets into the chunk.
   */
  record(s: number): number {
    return this.#x.recordLine(this.#in + s, this.#in + this.#chunk);
  }

  /** How many texts the segment being recorded can intern: every id is below it. */
  get idLimit(): number {
    return this.#stringSlots / 2;
  }

  /** The offset into the chunk of an address `record` wrote. */
  offset(address: number): number {
    return address - this.#in;
  }

  /**
   * The id of the text at scanner addresses [s, e) (as `record` gives them) among the
   * segment's interned strings, added if new; -1 when the table is too full.
   */
  intern(s: number, e: number): number {
    return this.#x.internText(s, e);
  }

  /** `hashId` of an interned string, without making its text; -1 when it is not ASCII (make it and hash that). */
  idHash(id: number): number {
    return this.#x.idHash(id);
  }

  /** Pack an interned string into `recBytes` at PACKED_AT as `packUuid` does; false when it is not a lowercase canonical UUID. */
  packId(id: number): boolean {
    return this.#x.packId(id, this.#x.rec() + PACKED_AT) !== 0;
  }

  /** The text of an interned string (its bytes are kept apart, so it outlives its chunk). */
  stringOf(id: number): string {
    const at = this.#at;
    const start = at[2 * id] as number;
    return this.#bytes.toString('utf8', start, start + (at[2 * id + 1] as number));
  }


  /**
   * Scan line [s, e) of the bytes loaded. When the scanner takes it, returns the offset of its
   * `ts` and, with `row`, appends its COPY row; else -1 and nothing is written. With `utf8`,
   * a line past ASCII is taken only if it is well-formed UTF-8 (pass false for bytes already
   * checked).
   */
  line(s: number, e: number, row: boolean, utf8: boolean): number {
    if (row) this.#room(this.#pos + 2 * (e - s) + 128);
    const ts = this.#x.scanLine(this.#in + s, this.#in + e, row ? this.#pos : 0, utf8 ? 1 : 0);
    if (ts === -1) return -1;
    if (row) this.#pos = this.#x.rowEnd.value;
    return ts - this.#in;
  }

  /** Append text (rows written the ordinary way) after the rows. */
  write(text: string): void {
    const n = Buffer.byteLength(text, 'utf8');
    this.#room(this.#pos + n);
    this.#pos += Buffer.from(this.#x.memory.buffer).write(text, this.#pos, 'utf8');
  }

  /** A copy of the rows written since the last `load`. */
  rows(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.#pos - this.#rows);
    out.set(this.#memory().subarray(this.#rows, this.#pos));
    return out;
  }

  #memory(): Uint8Array {
    return new Uint8Array(this.#x.memory.buffer);
  }

  /**
   * Memory up to `end`, at least doubled when it grows `ahead` (rows appended a line at a
   * time); growing moves nothing, but detaches the views of the old buffer.
   */
  #room(end: number, ahead = true): void {
    const size = this.#x.memory.buffer.byteLength;
    if (end <= size) return;
    this.#x.memory.grow(Math.ceil((Math.max(end, ahead ? 2 * size : 0) - size) / PAGE));
    this.#views();
  }

  #views(): void {
    const buffer = this.#x.memory.buffer;
    this.rec = new Int32Array(buffer, this.#x.rec(), REC_LENGTH);
    this.recBytes = new Uint8Array(buffer, this.#x.rec(), 128);
    this.fieldStart = new Int32Array(buffer, this.#x.fieldStarts(), 17);
    this.fieldEnd = new Int32Array(buffer, this.#x.fieldEnds(), 17);
    this.recf = new Float64Array(buffer, this.#x.recf(), RECF_LENGTH);
    this.ent = new Int32Array(buffer, this.#x.entries(), MAX_ENTRIES * ENTRY.size);
    this.entf = new Float64Array(buffer, this.#x.entries(), (MAX_ENTRIES * ENTRY.size) / 2);
    this.entries = Array.from({ length: MAX_ENTRIES + 1 }, (_, n) => this.ent.subarray(0, n * ENTRY.size));
    this.#at = new Int32Array(buffer, this.#stringsAt, this.#stringSlots);
    this.#bytes = Buffer.from(buffer);
  }
}

let scanner: LineScanner | undefined;

/** This thread's line scanner, made on first use. */
export function lineScanner(): LineScanner {
  if (scanner === undefined) {
    const { x, free, detailOnly } = instantiate();
    scanner = new LineScanner(x, free, detailOnly);
  }
  return scanner;
}
