/**
 * COPY rows straight from the bytes of a JSONL line, for lines in the form agentmeter's own
 * writers produce (the SDK's recorder, `encodeLine`): one JSON object, no whitespace, every
 * top-level key once, `type` (and a span's `kind`) before `attrs`. The scanner checks
 * everything `validateEvent` checks (the fields of the event's variant and their types, the
 * enums, the typed attribute keys of its kind from the generated `ATTRIBUTE_TYPES`, `attrs`
 * well-formed JSON no deeper than the reader allows) and everything `copyLine` relies on
 * (timestamps canonical, numbers written as JavaScript writes them, no escapes in the
 * columns it copies, no `\u0000`), and writes exactly the row `copyLine(event, line)` would.
 * Anything else is declined: the caller parses that line the ordinary way. It builds no
 * objects and decodes no text; that was most of the sync's CPU per event
 * (bench/postgres-sync.mjs).
 *
 * The bytes must be valid UTF-8 (the caller checks each chunk once): non-ASCII bytes inside
 * strings are copied as they are.
 */
import { ATTRIBUTE_TYPES, FEEDBACK_SOURCES, MAX_DEPTH, SPAN_KINDS, SPAN_STATUSES } from '../../model/index.js';
import type { AttributeType } from '../../model/index.js';

/** A growable output buffer of bytes. */
export class RowBuffer {
  buf: Buffer;
  pos = 0;

  constructor(capacity: number) {
    // Its own allocation (not the shared pool), so the rows can be transferred between threads.
    this.buf = Buffer.allocUnsafeSlow(Math.max(1024, capacity));
  }

  /** Room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Append a string as UTF-8. */
  write(s: string): void {
    this.ensure(Buffer.byteLength(s, 'utf8'));
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
}

// Field numbers: bit i of a mask is field i.
const V = 0;
const ID = 1;
const TS = 2;
const TYPE = 3;
const SPAN_ID = 4;
const KIND = 5;
const NAME = 6;
const PARENT_ID = 7;
const RUN_ID = 8;
const ENV = 9;
const START_TS = 10;
const DURATION_MS = 11;
const STATUS = 12;
const SUCCESS = 13;
const RATING = 14;
const SOURCE = 15;
const ATTRS = 16;
const FIELD_NAMES = ['v', 'id', 'ts', 'type', 'span_id', 'kind', 'name', 'parent_id', 'run_id', 'env', 'start_ts', 'duration_ms', 'status', 'success', 'rating', 'source', 'attrs'];
const FIELD_BYTES = FIELD_NAMES.map((n) => Buffer.from(n, 'latin1'));

const TYPE_NAMES = ['span.start', 'span.end', 'span', 'span.event', 'feedback'] as const;
const T_START = 0;
const T_END = 1;
const T_SPAN = 2;
const T_FEEDBACK = 4;
const bit = (...fs: number[]): number => fs.reduce((m, f) => m | (1 << f), 0);
const COMMON = bit(V, ID, TS, TYPE, SPAN_ID, RUN_ID, ENV, ATTRS);
/** The fields of each type, exactly (the schema allows no others and requires them all). */
const TYPE_FIELDS = [
  COMMON | bit(KIND, NAME, PARENT_ID),
  COMMON | bit(KIND, START_TS, DURATION_MS, STATUS),
  COMMON | bit(KIND, NAME, PARENT_ID, START_TS, DURATION_MS, STATUS),
  COMMON | bit(NAME),
  COMMON | bit(SUCCESS, RATING, SOURCE),
];

const bytesOf = (xs: readonly string[]): Buffer[] => xs.map((x) => Buffer.from(x, 'latin1'));
const TYPE_BYTES = bytesOf(TYPE_NAMES);
const KIND_BYTES = bytesOf(SPAN_KINDS);
const STATUS_BYTES = bytesOf(SPAN_STATUSES);
const SOURCE_BYTES = bytesOf(FEEDBACK_SOURCES);

// Typed attribute keys per type (and kind): hash of the key's bytes → candidates.
const SHAPES: readonly AttributeType[] = ['string', 'number', 'boolean', 'number|null', 'boolean|null', 'string[]', 'string-map', 'span-kind'];
const S_STRING = 0;
const S_NUMBER = 1;
const S_BOOLEAN = 2;
const S_NUMBER_NULL = 3;
const S_BOOLEAN_NULL = 4;
const S_STRING_ARRAY = 5;
const S_STRING_MAP = 6;
const S_SPAN_KIND = 7;
interface TypedKey {
  key: Buffer;
  shape: number;
}
type KeyTable = Map<number, TypedKey[]>;

function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = 0;
  for (let i = s; i < e; i++) h = (Math.imul(h, 31) + (b[i] as number)) | 0;
  return h;
}

function keyTable(types: Readonly<Record<string, AttributeType>> | undefined): KeyTable | undefined {
  if (!types) return undefined;
  const t: KeyTable = new Map();
  for (const [k, shape] of Object.entries(types)) {
    const key = Buffer.from(k, 'utf8');
    const h = hashBytes(key, 0, key.length);
    const list = t.get(h) ?? [];
    list.push({ key, shape: SHAPES.indexOf(shape) });
    t.set(h, list);
  }
  return t;
}

/** Index type × 9 + kind (a span's), or the type alone for `span.event` and `feedback`. */
const TABLES: (KeyTable | undefined)[] = [];
for (let t = 0; t < TYPE_NAMES.length; t++) {
  for (let k = 0; k < SPAN_KINDS.length; k++) {
    const key = t <= T_SPAN ? `${TYPE_NAMES[t] as string}:${SPAN_KINDS[k] as string}` : (TYPE_NAMES[t] as string);
    TABLES.push(keyTable(ATTRIBUTE_TYPES[key]));
  }
}

// State of the line being scanned (one line at a time, no allocation per line).
// Always a Buffer (one map: element loads stay monomorphic).
let B: Buffer = Buffer.alloc(0);
let S = 0;
let E = 0;
const FS = new Int32Array(17);
const FE = new Int32Array(17);
let sawBackslash = false;
/** Attributes nest at most this deep inside `attrs` (the line's object and `attrs` are two more). */
const MAX_ATTRS_DEPTH = Math.min(32, MAX_DEPTH - 2);
const NUL_ESCAPE = Buffer.from('\\u0000', 'latin1');
const SURROGATE_ESCAPE = Buffer.from('\\ud', 'latin1');
const SURROGATE_ESCAPE_UPPER = Buffer.from('\\uD', 'latin1');

function at(i: number): number {
  return B[i] as number;
}

function equalsAt(s: number, e: number, x: Buffer): boolean {
  const n = x.length;
  if (e - s !== n) return false;
  const b = B;
  for (let i = 0; i < n; i++) if (b[s + i] !== x[i]) return false;
  return true;
}

function indexIn(s: number, e: number, xs: readonly Buffer[]): number {
  for (let i = 0; i < xs.length; i++) if (equalsAt(s, e, xs[i] as Buffer)) return i;
  return -1;
}

/**
 * A string without escapes or control characters starting after its opening quote at `i`:
 * the index of its closing quote, or -1.
 */
function plainString(i: number): number {
  const b = B;
  const e = E;
  for (; i < e; i++) {
    const c = b[i] as number;
    if (c === 0x22) return i;
    if (c === 0x5c || c < 0x20) return -1;
  }
  return -1;
}

let keyEnd = 0;

/**
 * `plainString` for a key, with the hash of its bytes (`hashBytes`), its closing quote in
 * `keyEnd`; undefined when it is not plain.
 */
function plainKey(i: number): number | undefined {
  const b = B;
  const e = E;
  let h = 0;
  for (; i < e; i++) {
    const c = b[i] as number;
    if (c === 0x22) {
      keyEnd = i;
      return h;
    }
    if (c === 0x5c || c < 0x20) return undefined;
    h = (Math.imul(h, 31) + c) | 0;
  }
  return undefined;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Any JSON string after its opening quote at `i`: the index after its closing quote, or -1. */
function jsonString(i: number): number {
  const b = B;
  const e = E;
  for (; i < e; i++) {
    const c = b[i] as number;
    if (c === 0x22) return i + 1;
    if (c < 0x20) return -1;
    if (c === 0x5c) {
      sawBackslash = true;
      const d = b[++i] as number;
      if (d === 0x75 /* u */) {
        if (i + 4 >= e || !isHex(at(i + 1)) || !isHex(at(i + 2)) || !isHex(at(i + 3)) || !isHex(at(i + 4))) return -1;
        i += 4;
      } else if (!(d === 0x22 || d === 0x5c || d === 0x2f || d === 0x62 || d === 0x66 || d === 0x6e || d === 0x72 || d === 0x74)) return -1;
    }
  }
  return -1;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * A JSON number at `i` written exactly as JavaScript writes it (`String(Number(text))`): the
 * index after it, or -1. Plain decimals of at most 15 digits and at least 1e-6 are
 * recognised without a conversion: doubles keep 15 significant digits, so their shortest
 * form is their own digits.
 */
function number(i: number): number {
  const b = B;
  const e = E;
  const s = i;
  if (b[i] === 0x2d /* - */) i++;
  const intStart = i;
  let c = b[i] as number;
  if (c === 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) {
    for (i++; i < e; i++) {
      c = b[i] as number;
      if (c < 0x30 || c > 0x39) break;
    }
  } else return -1;
  const intDigits = i - intStart;
  const intZero = intDigits === 1 && b[intStart] === 0x30;
  let fracDigits = 0;
  let leadingZeros = 0;
  let lastZero = false;
  if (i < e && b[i] === 0x2e /* . */) {
    const f = ++i;
    for (; i < e; i++) {
      c = b[i] as number;
      if (c < 0x30 || c > 0x39) break;
    }
    fracDigits = i - f;
    if (fracDigits === 0) return -1;
    while (leadingZeros < fracDigits && b[f + leadingZeros] === 0x30) leadingZeros++;
    lastZero = b[i - 1] === 0x30;
  }
  let exponent = false;
  if (i < e && (b[i] === 0x65 || b[i] === 0x45) /* e E */) {
    exponent = true;
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    const x = i;
    while (i < e && isDigit(b[i] as number)) i++;
    if (i === x) return -1;
  }
  if (i > e) return -1;
  const fast =
    !exponent &&
    !lastZero &&
    (intZero ? (fracDigits > 0 ? leadingZeros <= 5 && fracDigits <= 15 : s === intStart) : intDigits + fracDigits <= 15);
  if (fast) return i;
  let text = '';
  for (let j = s; j < i; j++) text += String.fromCharCode(b[j] as number);
  return String(Number(text)) === text ? i : -1;
}

function literal(i: number, word: string): number {
  if (i + word.length > E) return -1;
  for (let k = 0; k < word.length; k++) if (at(i + k) !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** Any JSON value at `i` inside `attrs` at `depth`: the index after it, or -1. */
function value(i: number, depth: number): number {
  const c = at(i);
  if (c === 0x22) return jsonString(i + 1);
  if (c === 0x7b) return object(i, depth + 1, undefined);
  if (c === 0x5b) return array(i, depth + 1);
  if (c === 0x74) return literal(i, 'true');
  if (c === 0x66) return literal(i, 'false');
  if (c === 0x6e) return literal(i, 'null');
  if (c === 0x2d || isDigit(c)) return number(i);
  return -1;
}

function array(i: number, depth: number): number {
  if (depth > MAX_ATTRS_DEPTH) return -1;
  i++;
  if (at(i) === 0x5d) return i + 1;
  for (;;) {
    i = value(i, depth);
    if (i === -1 || i >= E) return -1;
    const c = at(i);
    if (c === 0x5d) return i + 1;
    if (c !== 0x2c) return -1;
    i++;
  }
}

/**
 * A JSON object at `i`: the index after it, or -1. With `typed` (the top level of `attrs`),
 * the values of the variant's typed keys must have their shapes.
 */
function object(i: number, depth: number, typed: KeyTable | undefined): number {
  if (depth > MAX_ATTRS_DEPTH) return -1;
  const b = B;
  i++;
  if (b[i] === 0x7d) return i + 1;
  for (;;) {
    if (b[i] !== 0x22) return -1;
    const ks = i + 1;
    let shape = -1;
    if (typed) {
      // An escaped key could spell a typed one: left to the ordinary path.
      const h = plainKey(ks);
      if (h === undefined) return -1;
      const ke = keyEnd;
      i = ke + 1;
      const list = typed.get(h);
      if (list) for (const t of list) if (equalsAt(ks, ke, t.key)) shape = t.shape;
    } else {
      i = jsonString(ks);
      if (i === -1) return -1;
    }
    if (b[i] !== 0x3a /* : */) return -1;
    const vs = i + 1;
    i = value(vs, depth);
    if (i === -1 || i >= E) return -1;
    if (shape !== -1 && !hasShape(shape, vs, i)) return -1;
    const c = b[i];
    if (c === 0x7d) return i + 1;
    if (c !== 0x2c) return -1;
    i++;
  }
}

/** Whether the (well-formed) value in [s, e) has an attribute shape. */
function hasShape(shape: number, s: number, e: number): boolean {
  const c = at(s);
  switch (shape) {
    case S_STRING:
      return c === 0x22;
    case S_NUMBER:
      return c === 0x2d || isDigit(c);
    case S_NUMBER_NULL:
      return c === 0x2d || isDigit(c) || c === 0x6e;
    case S_BOOLEAN:
      return c === 0x74 || c === 0x66;
    case S_BOOLEAN_NULL:
      return c === 0x74 || c === 0x66 || c === 0x6e;
    case S_SPAN_KIND:
      return c === 0x22 && indexIn(s + 1, e - 1, KIND_BYTES) !== -1;
    case S_STRING_ARRAY:
      return c === 0x5b && stringsOnly(s + 1, e - 1, false);
    case S_STRING_MAP:
      return c === 0x7b && stringsOnly(s + 1, e - 1, true);
    default:
      return false;
  }
}

/** The members of a well-formed array (or object, `keyed`) in [s, e) are all strings. */
function stringsOnly(s: number, e: number, keyed: boolean): boolean {
  let i = s;
  while (i < e) {
    if (keyed) i = jsonString(i + 1) + 1; // past the key and its colon
    if (at(i) !== 0x22) return false;
    i = jsonString(i + 1) + 1; // past the value and its comma
  }
  return true;
}

/** A canonical UTC timestamp `YYYY-MM-DDTHH:MM:SS.mmmZ` of a day that exists, in [s, e). */
const TS_FORM = Int16Array.from('0000-00-00T00:00:00.000Z', (ch) => (ch === '0' ? -1 : ch.charCodeAt(0)));

function timestamp(s: number, e: number): boolean {
  if (e - s !== 24) return false;
  const b = B;
  for (let k = 0; k < 24; k++) {
    const c = b[s + k] as number;
    const want = TS_FORM[k] as number;
    if (want === -1 ? c < 0x30 || c > 0x39 : c !== want) return false;
  }
  const d = (k: number): number => (b[s + k] as number) - 0x30;
  // Before 1970 is outside the accepted range (validateEvent): declined, the slow path says so.
  if (d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3) < 1970) return false;
  const month = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  if (month < 1 || month > 12 || day < 1 || d(11) * 10 + d(12) > 23 || d(14) > 5 || d(17) > 5) return false;
  if (day <= 28) return true;
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}

/** The field a key in [s, e) names, or -1. */
function fieldOf(s: number, e: number): number {
  const b = B;
  let f: number;
  switch (e - s) {
    case 1:
      f = V;
      break;
    case 2:
      f = b[s] === 0x69 ? ID : TS;
      break;
    case 3:
      f = ENV;
      break;
    case 4:
      f = b[s] === 0x74 ? TYPE : b[s] === 0x6b ? KIND : NAME;
      break;
    case 5:
      f = ATTRS;
      break;
    case 6:
      f = b[s] === 0x72 ? (b[s + 1] === 0x75 ? RUN_ID : RATING) : b[s + 2] === 0x61 ? STATUS : SOURCE;
      break;
    case 7:
      f = b[s + 1] === 0x70 ? SPAN_ID : SUCCESS;
      break;
    case 8:
      f = START_TS;
      break;
    case 9:
      f = PARENT_ID;
      break;
    case 11:
      f = DURATION_MS;
      break;
    default:
      return -1;
  }
  return equalsAt(s, e, FIELD_BYTES[f] as Buffer) ? f : -1;
}

/**
 * Scan the line in [s, e) of `b`; when it is in the form this scanner knows, append its COPY
 * row to `out` and return the start of its `ts` (for its day), else -1 with nothing written.
 */
export function scanLine(b: Buffer, s: number, e: number, out: RowBuffer): number {
  B = b;
  S = s;
  E = e;
  sawBackslash = false;
  if (at(s) !== 0x7b) return -1;
  let seen = 0;
  let type = -1;
  let kind = -1;
  let i = s + 1;
  for (;;) {
    if (at(i) !== 0x22) return -1;
    const ke = plainString(i + 1);
    if (ke === -1 || at(ke + 1) !== 0x3a) return -1;
    const f = fieldOf(i + 1, ke);
    if (f === -1 || seen & (1 << f)) return -1;
    seen |= 1 << f;
    const vs = ke + 2;
    const c = at(vs);
    let ve: number;
    if (f === ATTRS) {
      if (type === -1 || (type <= T_SPAN && kind === -1)) return -1;
      ve = c === 0x7b ? object(vs, 1, TABLES[type * 9 + (type <= T_SPAN ? kind : 0)]) : -1;
      FS[f] = vs;
      FE[f] = ve;
    } else if (c === 0x22) {
      if (f === V || f === DURATION_MS || f === RATING || f === SUCCESS) return -1;
      const se = plainString(vs + 1);
      if (se === -1) return -1;
      FS[f] = vs + 1;
      FE[f] = se;
      ve = se + 1;
      if (f === TYPE) {
        type = indexIn(vs + 1, se, TYPE_BYTES);
        if (type === -1) return -1;
      } else if (f === KIND) {
        kind = indexIn(vs + 1, se, KIND_BYTES);
        if (kind === -1) return -1;
      } else if (f === STATUS) {
        if (indexIn(vs + 1, se, STATUS_BYTES) === -1) return -1;
      } else if (f === SOURCE) {
        if (indexIn(vs + 1, se, SOURCE_BYTES) === -1) return -1;
      } else if (f === TS || f === START_TS) {
        if (!timestamp(vs + 1, se)) return -1;
      }
    } else if (c === 0x6e /* null */) {
      if (!(f === PARENT_ID || f === RUN_ID || f === DURATION_MS || f === RATING || f === SUCCESS)) return -1;
      ve = literal(vs, 'null');
      FS[f] = -1;
    } else if (f === SUCCESS) {
      ve = c === 0x74 ? literal(vs, 'true') : c === 0x66 ? literal(vs, 'false') : -1;
      FS[f] = vs;
    } else if (f === V || f === DURATION_MS || f === RATING) {
      // A negative duration is invalid (validateEvent): declined, the slow path says so.
      ve = (c === 0x2d && f !== DURATION_MS) || isDigit(c) ? number(vs) : -1;
      FS[f] = vs;
      FE[f] = ve;
      // Version 1, as this release writes and reads it (`Math.trunc(v)` is then `1`).
      if (f === V && !(ve === vs + 1 && c === 0x31)) return -1;
    } else return -1;
    if (ve === -1 || ve >= e) return -1;
    const d = at(ve);
    if (d === 0x7d /* } */) {
      if (ve + 1 !== e) return -1;
      break;
    }
    if (d !== 0x2c) return -1;
    i = ve + 1;
  }
  if (seen !== TYPE_FIELDS[type]) return -1;
  // A span's run is a string; only feedback may have none.
  if (type !== T_FEEDBACK && FS[RUN_ID] === -1) return -1;
  // `rawAttrsJson` leaves a line holding the text `\u0000` or an escaped surrogate anywhere
  // to JSON.stringify.
  if (sawBackslash) {
    const line = b.subarray(s, e);
    if (line.includes(NUL_ESCAPE) || line.includes(SURROGATE_ESCAPE) || line.includes(SURROGATE_ESCAPE_UPPER)) return -1;
  }
  writeRow(out, type);
  return FS[TS] as number;
}

const TAB = 0x09;

function put(out: RowBuffer, f: number): void {
  const s = FS[f] as number;
  const buf = out.buf;
  let p = out.pos;
  if (s === -1) {
    buf[p++] = 0x5c;
    buf[p++] = 0x4e;
  } else {
    const e = FE[f] as number;
    const b = B;
    for (let i = s; i < e; i++) buf[p++] = b[i] as number;
  }
  buf[p++] = TAB;
  out.pos = p;
}

function putNull(out: RowBuffer): void {
  const buf = out.buf;
  buf[out.pos] = 0x5c;
  buf[out.pos + 1] = 0x4e;
  buf[out.pos + 2] = TAB;
  out.pos += 3;
}

/** The row of the scanned line, column by column as `copyLine` writes it. */
function writeRow(out: RowBuffer, type: number): void {
  const as = FS[ATTRS] as number;
  const ae = FE[ATTRS] as number;
  // Every column but attrs is at most its text in the line, plus `\N` and a tab; attrs may
  // double its backslashes.
  out.ensure(2 * (E - S) + 128);
  put(out, ID);
  put(out, TS);
  put(out, V);
  put(out, TYPE);
  put(out, SPAN_ID);
  put(out, RUN_ID);
  if (type === T_START || type === T_SPAN) put(out, PARENT_ID);
  else putNull(out);
  if (type <= T_SPAN) put(out, KIND);
  else putNull(out);
  if (type === T_START || type === T_SPAN || type === 3) put(out, NAME);
  else putNull(out);
  put(out, ENV);
  if (type === T_START) put(out, TS);
  else if (type === T_END || type === T_SPAN) put(out, START_TS);
  else putNull(out);
  if (type === T_END || type === T_SPAN) {
    put(out, DURATION_MS);
    put(out, STATUS);
  } else {
    putNull(out);
    putNull(out);
  }
  if (type === T_FEEDBACK) {
    const s = FS[SUCCESS] as number;
    if (s === -1) putNull(out);
    else {
      out.buf[out.pos++] = at(s) === 0x74 ? 0x74 : 0x66;
      out.buf[out.pos++] = TAB;
    }
    put(out, RATING);
    put(out, SOURCE);
  } else {
    putNull(out);
    putNull(out);
    putNull(out);
  }
  // attrs as COPY text: JSON has no raw tab, newline or NUL, so only backslashes double.
  const buf = out.buf;
  const b = B;
  let p = out.pos;
  if (sawBackslash) {
    for (let i = as; i < ae; i++) {
      const c = b[i] as number;
      buf[p++] = c;
      if (c === 0x5c) buf[p++] = 0x5c;
    }
  } else if (ae - as > 64) {
    p += b.copy(buf, p, as, ae);
  } else for (let i = as; i < ae; i++) buf[p++] = b[i] as number;
  buf[p++] = 0x0a;
  out.pos = p;
}
