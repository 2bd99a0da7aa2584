/**
 * The validating line scanner, in AssemblyScript, compiled to WebAssembly by `npm run build`
 * (`dist/wasm/line-scan.wasm`). `src/store/line-scan.ts` loads it, lays out its memory, writes
 * the tables it reads (field, type, kind, status and source names; the typed attribute keys
 * of each type and kind from the generated `ATTRIBUTE_TYPES`) and calls `scanLine`.
 *
 * It takes lines in the form agentmeter's own writers produce (the SDK's recorder,
 * `encodeLine`): one JSON object, no whitespace, every top-level key once, `type` (and a
 * span's `kind`) before `attrs`. For such a line it checks everything `validateEvent` checks
 * (the fields of the event's variant and their types, the enums, the typed attribute keys of
 * its kind, `attrs` well-formed JSON no deeper than the reader allows) and what the COPY
 * rows rely on (timestamps canonical, numbers written as JavaScript writes them, no escapes
 * in the columns it copies, no `\u0000`), and may write the line's COPY row. Anything else is
 * declined: the caller reads that line the ordinary way (`decodeLine`, `validateEvent`), so
 * the ordinary path stays the one definition of a valid line and this is only its fast path.
 * docs/architecture.md, "The line scanner".
 *
 * Bytes past the line's end may be anything (the next line, or padding): every read past it
 * is followed by a check against the end, as a read of the next line would be.
 */

// Field numbers: bit i of a mask is field i (the order of the field names JavaScript writes).
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

const T_START = 0;
const T_END = 1;
const T_SPAN = 2;
const T_POINT = 3;
const T_FEEDBACK = 4;

// Attribute shapes, in the order of `SHAPES` in src/store/line-scan.ts.
const S_STRING = 0;
const S_NUMBER = 1;
const S_BOOLEAN = 2;
const S_NUMBER_NULL = 3;
const S_BOOLEAN_NULL = 4;
const S_STRING_ARRAY = 5;
const S_STRING_MAP = 6;
const S_SPAN_KIND = 7;
/** A key table's code: the shape (S_NONE: untyped) below SHAPE_BITS, the key's index among the wanted keys + 1 (0: not wanted) above. */
const SHAPE_BITS = 4;
const SHAPE_MASK = (1 << SHAPE_BITS) - 1;
const S_NONE = SHAPE_MASK;

/**
 * While recording: per wanted key (an i32 each, by its index), 1 when the fold will not read
 * it, so it is not recorded (`skipKeys`); 0: record every wanted key.
 */
let skipWanted: usize = 0;

/** Record no entry of the wanted keys whose word in `table` is 1 (a digest without detail reads none of them); 0: record all. */
export function skipKeys(table: usize): void {
  skipWanted = table;
}

/** What a lookup in a table of keys gives for a key it does not have. */
const NOT_FOUND: i32 = -2147483648;

/**
 * The value of a number's text when it is what `String(Number(text))` gives, else NaN: asked
 * of JavaScript for the forms not recognised here by their digits.
 */
@external('env', 'numberOf')
declare function numberOf(at: usize, length: i32): f64;

/** The value of the last number `number` read. */
let numberValue: f64 = 0;

// Powers of ten a double holds exactly: a mantissa of at most 15 digits divided by one of
// them is the double nearest the decimal, as JavaScript reads it.
const POW10: StaticArray<f64> = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

// The tables, set by `init`: lists of names (an i32 count, then per name an i32 length and
// its bytes, padded to 4), and per type and kind (type × kinds + kind; the type alone for
// `span.event` and `feedback`) the address of its key table, 0 for none. A key table is its
// mask (slots - 1, slots a power of two), then its slots: i32 addresses (0: empty) of entries
// (i32 hash, i32 code, i32 length, the key's bytes), placed by the hash of the key's bytes
// (`keyHashOf`) and the next free slot. A type's code is the key's shape and its index among
// the wanted keys (SHAPE_BITS); the table of wanted keys (`wanted`) is one too, its code the
// index alone.
let typeNames: usize = 0;
let kindNames: usize = 0;
let statusNames: usize = 0;
let sourceNames: usize = 0;
let keyTables: usize = 0;
let nKinds: i32 = 0;
let maxAttrsDepth: i32 = 0;
let wanted: usize = 0;

/** Where JavaScript may put its tables and data: past this module's own static data. */
export function base(): usize {
  return (__heap_base + 15) & ~15;
}

export function init(fields: usize, types: usize, kinds: usize, statuses: usize, sources: usize, tables: usize, kindCount: i32, attrsDepth: i32, wantedKeys: usize): void {
  wanted = wantedKeys;
  let p = fields + 4;
  for (let f = 0; f < load<i32>(fields); f++) {
    const length = load<i32>(p);
    store<i32>(FIELD_NAMES + (<usize>f << 3), <i32>(p + 4));
    store<i32>(FIELD_NAMES + (<usize>f << 3), length, 4);
    // The key as a writer writes it, `"name":`, for `scan` to match 16 bytes at a time.
    const k = KEYS_AS_WRITTEN + (<usize>f << 4);
    const n = length + 3;
    if (n <= 16) {
      store<u8>(k, 0x22);
      memory.copy(k + 1, p + 4, <usize>length);
      store<u8>(k + 1 + <usize>length, 0x22);
      store<u8>(k + 2 + <usize>length, 0x3a);
      store<i32>(KEY_LENGTHS + (<usize>f << 2), n);
    }
    p += 4 + ((<usize>length + 3) & ~3);
  }
  typeNames = types;
  kindNames = kinds;
  statusNames = statuses;
  sourceNames = sources;
  keyTables = tables;
  nKinds = kindCount;
  maxAttrsDepth = attrsDepth;
}

// The line being scanned.
let E: usize = 0;
let sawBackslash = false;
let sawHigh = false;
let keyEnd: usize = 0;
/** Where each field's text starts and ends (a string's without its quotes); start -1: null. */
const FS = memory.data(17 * 4);
const FE = memory.data(17 * 4);
/** After `scanLine` wrote a row: where it ends. */
export let rowEnd: usize = 0;

// What `recordLine` records of a line it takes, for a fold (src/store/tape-fold.ts): `REC`,
// i32s: the type, kind and status (indexes into their names; -1: none), the number of
// `attrs` entries, flags (`F_*`: what the fold leaves to the ordinary path), then per field
// the id of its text among the interned strings (-1: none); `RECF`, f64s: `ts` and `start_ts`
// in Unix ms, `duration_ms` (NaN: null). Then an entry per top-level key of `attrs` that the
// fold reads (in the table of wanted keys), in line order, ENTRY_BYTES each: the key's code
// in that table, the value's form (`V_*`), its start and end, a plain string's interned id
// (-1: not a plain string), and a number's value (f64). The line's end (the address of its
// newline) is the i32 at byte 92, after the ids.
let recording = false;
// `recordLine` finds the line's end itself: the newline right after its closing brace.
let toNewline = false;
const REC = memory.data(32 * 4);
const RECF = memory.data(4 * 8);
const MAX_ENTRIES = 64;
const ENTRY_BYTES = 32;
const ENT = memory.data(MAX_ENTRIES * ENTRY_BYTES);
let nEntries = 0;
/** The wanted keys below 64 the line's entries have, a bit each (`recordEntry`). */
let entryKeys: u64 = 0;
let flags = 0;
/** An attribute key that is escaped (it could spell a wanted one), or a wanted key twice in a line. */
const F_ODD_KEY = 1;
/** More wanted entries than MAX_ENTRIES, or more distinct texts than the table holds. */
const F_TOO_MANY = 2;
const V_STRING = 0;
const V_ESCAPED = 1;
const V_NUMBER = 2;
const V_TRUE = 3;
const V_FALSE = 4;
const V_NULL = 5;
const V_OBJECT = 6;
const V_ARRAY = 7;
let backslashes = 0;

export function rec(): usize {
  return REC;
}
/** Where each field's text starts and ends (i32s by field number; a string's without its quotes). */
export function fieldStarts(): usize {
  return FS;
}
export function fieldEnds(): usize {
  return FE;
}
export function recf(): usize {
  return RECF;
}
export function entries(): usize {
  return ENT;
}

// Strings interned per segment (`resetStrings`): each distinct text (an id, a name, a plain
// string value) gets an id in the order first seen, so the fold makes each text once. Its
// bytes are copied into the arena, so ids outlive the chunk of the segment they were read
// in. Slots of 4 i32s (hash, start, length, id), open addressing, cleared per segment (a
// start of 0: empty); a slot holds what a probe compares, so a text found reads only its
// slot and its bytes. Past half full, or with the arena full, texts get no id (-1).
// `stringsAt` holds each id's start and length, for JavaScript to make its text.
let strings: usize = 0;
let stringsAt: usize = 0;
let stringSlots: i32 = 0;
let nStrings: i32 = 0;
let arena: usize = 0;
let arenaEnd: usize = 0;

export function resetStrings(table: usize, slots: i32, index: usize, arenaStart: usize, arenaBytes: usize): void {
  strings = table;
  stringSlots = slots;
  stringsAt = index;
  nStrings = 0;
  arena = arenaStart;
  arenaEnd = arenaStart + arenaBytes;
  memory.fill(table, 0, <usize>slots << 4);
  memory.fill(LAST_ID, 0xff, LAST_PLACES * 4);
}

/**
 * Per place a text is interned from (a field, `LAST_FIELDS`, or a wanted key of `attrs`, after
 * them), the id it gave last (-1: none this segment): a line mostly has the env, run, parent,
 * project and model of the line before, and comparing the text with that one's costs less
 * than hashing it and looking it up.
 */
const LAST_FIELDS = 17;
const LAST_PLACES = 128;
const LAST_ID = memory.data(LAST_PLACES * 4);

/** `intern` of the text [s, e) from place `place` (`LAST_ID`). */
function internFrom(place: usize, s: usize, e: usize): i32 {
  const slot = LAST_ID + (place << 2);
  const last = load<i32>(slot);
  if (last >= 0) {
    const p = stringsAt + (<usize>last << 3);
    const n = e - s;
    if (<usize>load<i32>(p, 4) == n && same(s, <usize>load<i32>(p), n)) return last;
  }
  const id = intern(s, e);
  store<i32>(slot, id);
  return id;
}

/** The id of the text [s, e), interned if new; -1 when the table is too full. */
function intern(s: usize, e: usize): i32 {
  // Eight bytes at a time, the last eight overlapping (a text under eight bytes: its bytes,
  // the rest masked off; bytes past a line are there to read), folded to 32 bits.
  const n = e - s;
  let x: u64 = <u64>n;
  if (n < 8) {
    if (n > 0) x = (x ^ (load<u64>(s) & ((<u64>1 << (<u64>n << 3)) - 1))) * 0x9e3779b97f4a7c15;
  } else {
    let i = s;
    for (; i + 8 < e; i += 8) x = (x ^ load<u64>(i)) * 0x9e3779b97f4a7c15;
    x = (x ^ load<u64>(e - 8)) * 0x9e3779b97f4a7c15;
  }
  const h = <i32>(x ^ (x >>> 29) ^ (x >>> 47));
  const mask = stringSlots - 1;
  // Mixed (murmur3's finaliser): ids that differ in a few characters must not share low bits.
  let m = <u32>h;
  m ^= m >>> 16;
  m *= 0x85ebca6b;
  m ^= m >>> 13;
  m *= 0xc2b2ae35;
  m ^= m >>> 16;
  let slot = <i32>m & mask;
  while (true) {
    const p = strings + (<usize>slot << 4);
    const start = <usize>load<i32>(p, 4);
    if (start == 0) break;
    if (load<i32>(p) == h && <usize>load<i32>(p, 8) == n && same(start, s, n)) return load<i32>(p, 12);
    slot = (slot + 1) & mask;
  }
  if (nStrings * 2 >= stringSlots || arena + n > arenaEnd) return -1;
  const at = arena;
  memory.copy(at, s, n);
  arena += n;
  const p = strings + (<usize>slot << 4);
  store<i32>(p, h);
  store<i32>(p, <i32>at, 4);
  store<i32>(p, <i32>n, 8);
  store<i32>(p, nStrings, 12);
  store<i32>(stringsAt + (<usize>nStrings << 3), <i32>at);
  store<i32>(stringsAt + (<usize>nStrings << 3), <i32>n, 4);
  return nStrings++;
}

/** The id of the text [s, e) of the chunk, interned if new (-1: the table is too full), for a text `recordLine` does not intern. */
export function internText(s: usize, e: usize): i32 {
  return intern(s, e);
}

/**
 * The hash of interned text `id` as `hashId` (src/model/fold.ts) computes it from the text's
 * UTF-16 code units; -1 when the text is not ASCII (its bytes are then not those units). A
 * fold asks once per span id, so that it need not make the id's text.
 */
export function idHash(id: i32): f64 {
  const s = <usize>load<i32>(stringsAt + (<usize>id << 3));
  const e = s + <usize>load<i32>(stringsAt + (<usize>id << 3), 4);
  let h1: u32 = 0x811c9dc5;
  let h2: u32 = 0x01000193;
  let high: u32 = 0;
  for (let i = s; i < e; i++) {
    const c = at(i);
    high |= c;
    h1 = (h1 ^ c) * 0x01000193;
    h2 = (h2 ^ c) * 0x5bd1e995;
  }
  return high < 0x80 ? <f64>h1 * 2097152.0 + <f64>(h2 & 0x1fffff) : -1.0;
}

/**
 * Interned text `id` packed into 16 bytes at `out` as `packUuid` (src/model/packed-uuid.ts)
 * packs a lowercase canonical UUID; false (0) for any other text.
 */
export function packId(id: i32, out: usize): bool {
  const s = <usize>load<i32>(stringsAt + (<usize>id << 3));
  return packUuid(s, s + <usize>load<i32>(stringsAt + (<usize>id << 3), 4), out);
}

/** Per byte of `v`: 0–15 for a lowercase hex digit, else 0xff. */
// @ts-ignore: decorator
@inline function nibbles(v: v128): v128 {
  const digit = i8x16.sub(v, i8x16.splat(0x30));
  const letter = i8x16.sub(v, i8x16.splat(0x57));
  const isLetter = i8x16.lt_u(i8x16.sub(v, i8x16.splat(0x61)), i8x16.splat(6));
  return v128.bitselect(digit, v128.bitselect(letter, i8x16.splat(-1), isLetter), i8x16.lt_u(digit, i8x16.splat(10)));
}

/** Pairs of nibbles (high first) as one byte each, in the low byte of each 16-bit lane. */
// @ts-ignore: decorator
@inline function nibblePairs(v: v128): v128 {
  return v128.or(i16x8.shl(v128.and(v, i16x8.splat(0xff)), 4), i16x8.shr_u(v, 8));
}

/**
 * Pack the lowercase canonical UUID [s, e) into 16 bytes at `out`; false for any other text.
 * Its 32 digits are gathered from three overlapping 16-byte loads, around the dashes at 8,
 * 13, 18 and 23, and turned into bytes 16 at a time.
 */
function packUuid(s: usize, e: usize, out: usize): bool {
  if (e - s != 36 || at(s + 8) != 0x2d || at(s + 13) != 0x2d || at(s + 18) != 0x2d || at(s + 23) != 0x2d) return false;
  const a = v128.load(s);
  const b = v128.load(s, 16);
  const c = v128.load(s, 20);
  const first = nibbles(i8x16.shuffle(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17));
  const second = nibbles(i8x16.shuffle(b, c, 3, 4, 5, 6, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31));
  if (!i8x16.all_true(v128.and(i8x16.lt_u(first, i8x16.splat(16)), i8x16.lt_u(second, i8x16.splat(16))))) return false;
  v128.store(out, i8x16.narrow_i16x8_u(nibblePairs(first), nibblePairs(second)));
  return true;
}

/**
 * Record the top-level `attrs` entry with value [vs, ve) whose key the fold reads (`key`, its
 * index in the table of wanted keys); other keys are not recorded, and what JavaScript would
 * make of them (an array index ordered first, `__proto__`, a key twice) changes nothing the
 * fold reads.
 */
function recordEntry(key: i32, vs: usize, ve: usize, escaped: bool): void {
  if (nEntries == MAX_ENTRIES) {
    flags |= F_TOO_MANY;
    return;
  }
  // A key twice in a line: by a bit per key of the first 64, by the entries for any later one.
  if (key < 64) {
    const bit = <u64>1 << <u64>key;
    if ((entryKeys & bit) != 0) flags |= F_ODD_KEY;
    entryKeys |= bit;
  } else for (let k = 0; k < nEntries; k++) if (load<i32>(ENT + <usize>k * ENTRY_BYTES) == key) flags |= F_ODD_KEY;
  const p = ENT + <usize>nEntries * ENTRY_BYTES;
  const c = at(vs);
  let form = V_NUMBER;
  if (c == 0x22) form = escaped ? V_ESCAPED : V_STRING;
  else if (c == 0x74) form = V_TRUE;
  else if (c == 0x66) form = V_FALSE;
  else if (c == 0x6e) form = V_NULL;
  else if (c == 0x7b) form = V_OBJECT;
  else if (c == 0x5b) form = V_ARRAY;
  store<i32>(p, key);
  store<i32>(p, form, 4);
  store<i32>(p, <i32>vs, 8);
  store<i32>(p, <i32>ve, 12);
  let text = -1;
  if (form == V_STRING) {
    text = key < LAST_PLACES - LAST_FIELDS ? internFrom(LAST_FIELDS + <usize>key, vs + 1, ve - 1) : intern(vs + 1, ve - 1);
    if (text == -1) flags |= F_TOO_MANY;
  }
  store<i32>(p, text, 16);
  if (form == V_NUMBER) store<f64>(p, numberValue, 24);
  nEntries++;
}



// @ts-ignore: decorator
@inline function at(i: usize): u32 {
  return <u32>load<u8>(i);
}

// @ts-ignore: decorator
@inline function setField(f: i32, s: isize, e: isize): void {
  store<i32>(FS + (<usize>f << 2), <i32>s);
  store<i32>(FE + (<usize>f << 2), <i32>e);
}

// @ts-ignore: decorator
@inline function fieldStart(f: i32): isize {
  return <isize>load<i32>(FS + (<usize>f << 2));
}

// @ts-ignore: decorator
@inline function fieldEnd(f: i32): isize {
  return <isize>load<i32>(FE + (<usize>f << 2));
}

function equalsAt(s: usize, e: usize, x: usize, n: usize): bool {
  if (e - s != n) return false;
  return same(s, x, n);
}

/** Whether the n bytes at a and at b are the same (eight at a time). */
function same(a: usize, b: usize, n: usize): bool {
  if (n < 8) {
    for (let i: usize = 0; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
    return true;
  }
  // Eight at a time, the last eight overlapping.
  for (let i: usize = 0; i + 8 < n; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  return load<u64>(a + n - 8) == load<u64>(b + n - 8);
}

/** The index of the bytes in [s, e) in a list of names, or -1. */
function indexIn(s: usize, e: usize, list: usize): i32 {
  const count = load<i32>(list);
  let p = list + 4;
  const n = e - s;
  for (let k = 0; k < count; k++) {
    const len = <usize>load<i32>(p);
    if (len == n && same(s, p + 4, n)) return k;
    p += 4 + ((len + 3) & ~3);
  }
  return -1;
}

/** Each field's name, by field number: its address and length (`init`), so a key is not looked up in the list. */
const FIELD_NAMES = memory.data(17 * 8);
/** Each field's key as written (`"name":`), 16 bytes, and its length (0: longer than 16). */
const KEYS_AS_WRITTEN = memory.data(17 * 16, 16);
const KEY_LENGTHS = memory.data(17 * 4);

/**
 * Where the next byte that ends a run of plain string bytes lies among the 16 at `p`, as a
 * bit mask: a quote, a backslash, a control character, or a byte past ASCII.
 */
// @ts-ignore: decorator
@inline function stops(p: usize): i32 {
  const v = v128.load(p);
  const quote = i8x16.eq(v, i8x16.splat(0x22));
  const backslash = i8x16.eq(v, i8x16.splat(0x5c));
  const control = i8x16.lt_u(v, i8x16.splat(0x20));
  // Bytes past ASCII are the negative ones, read as signed.
  const high = i8x16.lt_s(v, i8x16.splat(0));
  return i8x16.bitmask(v128.or(v128.or(quote, backslash), v128.or(control, high)));
}

/** The next byte from `i` that may end a run of plain string bytes: 16 plain ones at a time, then one by one near `e`. */
// @ts-ignore: decorator
@inline function nextStop(i: usize, e: usize): usize {
  while (i + 16 <= e) {
    const m = stops(i);
    if (m != 0) return i + <usize>ctz(m);
    i += 16;
  }
  return i;
}

/**
 * A string without escapes or control characters starting after its opening quote at `i`:
 * the index of its closing quote, or -1. Plain bytes are passed 16 at a time.
 */
function plainString(i: usize): isize {
  const e = E;
  while (true) {
    i = nextStop(i, e);
    if (i >= e) return -1;
    const c = at(i);
    if (c == 0x22) return <isize>i;
    if (c == 0x5c || c < 0x20) return -1;
    if (c >= 0x80) sawHigh = true;
    i++;
  }
}

let keyHash: i32 = 0;

/** `plainString` for a key, with the hash of its bytes in `keyHash`, its closing quote in `keyEnd`. */
function plainKey(i: usize): bool {
  const q = plainString(i);
  if (q == -1) return false;
  keyEnd = <usize>q;
  keyHash = keyHashOf(i, <usize>q);
  return true;
}

/** The hash a table of keys places key [s, e) by: four bytes at a time (`keyHash` in src/store/line-scan.ts). */
function keyHashOf(s: usize, e: usize): i32 {
  let h = <u32>(e - s);
  let p = s;
  for (; p + 4 <= e; p += 4) h = (h ^ load<u32>(p)) * 0x01000193;
  for (; p < e; p++) h = (h ^ <u32>load<u8>(p)) * 0x01000193;
  return <i32>(h ^ (h >>> 15));
}

function isHex(c: u32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/**
 * Any JSON string after its opening quote at `i`: the index after its closing quote, or -1.
 * Plain bytes are passed 16 at a time.
 */
function jsonString(i: usize): isize {
  const e = E;
  while (true) {
    i = nextStop(i, e);
    if (i >= e) return -1;
    const c = at(i);
    if (c == 0x22) return <isize>(i + 1);
    if (c < 0x20) return -1;
    if (c >= 0x80) sawHigh = true;
    else if (c == 0x5c) {
      sawBackslash = true;
      backslashes++;
      const d = at(++i);
      if (d == 0x75 /* u */) {
        if (i + 4 >= e || !isHex(at(i + 1)) || !isHex(at(i + 2)) || !isHex(at(i + 3)) || !isHex(at(i + 4))) return -1;
        i += 4;
      } else if (!(d == 0x22 || d == 0x5c || d == 0x2f || d == 0x62 || d == 0x66 || d == 0x6e || d == 0x72 || d == 0x74)) return -1;
    }
    i++;
  }
}

// @ts-ignore: decorator
@inline function isDigit(c: u32): bool {
  return c >= 0x30 && c <= 0x39;
}

/**
 * A JSON number at `i` written exactly as JavaScript writes it (`String(Number(text))`): the
 * index after it, or -1. Plain decimals of at most 15 digits and at least 1e-6 are
 * recognised by their digits: doubles keep 15 significant digits, so their shortest form is
 * their own digits. Other forms are asked of JavaScript.
 */
function number(i: usize): isize {
  const e = E;
  const s = i;
  if (at(i) == 0x2d /* - */) i++;
  const intStart = i;
  // The digits' value as they are read, integer and fraction alike (the fast path's).
  let m: f64 = 0;
  let c = at(i);
  if (c == 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) {
    m = <f64>(c - 0x30);
    for (i++; i < e; i++) {
      c = at(i);
      if (c < 0x30 || c > 0x39) break;
      m = m * 10 + <f64>(c - 0x30);
    }
  } else return -1;
  const intDigits = i - intStart;
  const intZero = intDigits == 1 && at(intStart) == 0x30;
  let fracDigits: usize = 0;
  let leadingZeros: usize = 0;
  let lastZero = false;
  if (i < e && at(i) == 0x2e /* . */) {
    const f = ++i;
    for (; i < e; i++) {
      c = at(i);
      if (c < 0x30 || c > 0x39) break;
      m = m * 10 + <f64>(c - 0x30);
    }
    fracDigits = i - f;
    if (fracDigits == 0) return -1;
    while (leadingZeros < fracDigits && at(f + leadingZeros) == 0x30) leadingZeros++;
    lastZero = at(i - 1) == 0x30;
  }
  let exponent = false;
  if (i < e && (at(i) == 0x65 || at(i) == 0x45) /* e E */) {
    exponent = true;
    i++;
    if (at(i) == 0x2b || at(i) == 0x2d) i++;
    const x = i;
    while (i < e && isDigit(at(i))) i++;
    if (i == x) return -1;
  }
  if (i > e) return -1;
  const fast =
    !exponent &&
    !lastZero &&
    (intZero ? (fracDigits > 0 ? leadingZeros <= 5 && fracDigits <= 15 : s == intStart) : intDigits + fracDigits <= 15);
  if (fast) {
    if (recording) {
      m = m / unchecked(POW10[<i32>fracDigits]);
      numberValue = intStart != s ? -m : m;
    }
    return <isize>i;
  }
  const v = numberOf(s, <i32>(i - s));
  if (isNaN(v)) return -1;
  numberValue = v;
  return <isize>i;
}

/** The four bytes of `word` (little-endian: true, fals(e), null) at `i`: the index after them, or -1. */
function literal(i: usize, word: u32): isize {
  return i + 4 <= E && load<u32>(i) == word ? <isize>(i + 4) : -1;
}

const TRUE: u32 = 0x65757274; // "true"
const FALS: u32 = 0x736c6166; // "fals"
const NULL: u32 = 0x6c6c756e; // "null"

function trueOrFalse(i: usize): isize {
  const c = at(i);
  if (c == 0x74) return literal(i, TRUE);
  if (c != 0x66) return -1;
  const r = literal(i, FALS);
  return r == -1 || r >= <isize>E || at(<usize>r) != 0x65 ? -1 : r + 1;
}

/** Any JSON value at `i` inside `attrs` at `depth`: the index after it, or -1. */
function value(i: usize, depth: i32): isize {
  const c = at(i);
  if (c == 0x22) return jsonString(i + 1);
  if (c == 0x7b) return object(i, depth + 1, 0);
  if (c == 0x5b) return array(i, depth + 1);
  if (c == 0x74 || c == 0x66) return trueOrFalse(i);
  if (c == 0x6e) return literal(i, NULL);
  if (c == 0x2d || isDigit(c)) return number(i);
  return -1;
}

function array(i: usize, depth: i32): isize {
  if (depth > maxAttrsDepth) return -1;
  i++;
  if (at(i) == 0x5d) return <isize>(i + 1);
  while (true) {
    const r = value(i, depth);
    if (r == -1 || r >= <isize>E) return -1;
    i = <usize>r;
    const c = at(i);
    if (c == 0x5d) return <isize>(i + 1);
    if (c != 0x2c) return -1;
    i++;
  }
}

// A table of keys (src/store/line-scan.ts, `TableWriter.keys`): i32s, its slot mask, the
// entry of the key first in the last object read with it, then its slots, each an entry's
// address (0: empty). An entry: the key's hash, its code, its length, the entry of the key
// that followed it in the last object read with the table (0: none, or one not in it), then
// its bytes.
const TABLE_FIRST = 4;
const TABLE_SLOTS = 8;
const ENTRY_CODE = 4;
const ENTRY_LENGTH = 8;
const ENTRY_NEXT = 12;
const ENTRY_KEY = 16;

/** What a table of keys says of key [s, e) with hash `h`: its shape, or slot; NOT_FOUND when absent. */
function lookup(table: usize, s: usize, e: usize, h: i32): i32 {
  const entry = find(table, s, e, h);
  return entry == 0 ? NOT_FOUND : load<i32>(entry, ENTRY_CODE);
}

/** The entry of key [s, e) with hash `h` in a table of keys; 0 when absent. */
function find(table: usize, s: usize, e: usize, h: i32): usize {
  // A table holds at most a quarter of its slots (src/store/line-scan.ts): a probe meets an empty one.
  const mask = load<i32>(table);
  let slot = h & mask;
  while (true) {
    const entry = <usize>load<i32>(table + TABLE_SLOTS + (<usize>slot << 2));
    if (entry == 0) return 0;
    if (load<i32>(entry) == h && equalsAt(s, e, entry + ENTRY_KEY, <usize>load<i32>(entry, ENTRY_LENGTH))) return entry;
    slot = (slot + 1) & mask;
  }
}

/**
 * Whether the key at `ks` (after its opening quote) is the one of `entry` (0: none): its bytes,
 * then its closing quote. A writer writes an object's keys in the same order line after line,
 * so the key that followed the last one is tried first, as `scan` tries the next field.
 */
// @ts-ignore: decorator
@inline function isKey(entry: usize, ks: usize): bool {
  if (entry == 0) return false;
  const n = <usize>load<i32>(entry, ENTRY_LENGTH);
  return ks + n < E && at(ks + n) == 0x22 && same(ks, entry + ENTRY_KEY, n);
}

/**
 * A JSON object at `i`: the index after it, or -1. With a key table (the top level of
 * `attrs`), the values of the variant's typed keys must have their shapes.
 */
function object(i: usize, depth: i32, table: usize): isize {
  if (depth > maxAttrsDepth) return -1;
  const top = recording && depth == 1;
  if (checkPlain && depth > 1) attrsPlain = false;
  i++;
  if (at(i) == 0x7d) return <isize>(i + 1);
  // With a key table: the entry of the key before (0: the first key, or one not in the table).
  let prev: usize = 0;
  let first = true;
  while (true) {
    if (at(i) != 0x22) return -1;
    const ks = i + 1;
    let ke: usize;
    // The key's shape (S_NONE: untyped) and its index among the wanted keys (-1: not wanted).
    let shape = S_NONE;
    let want = -1;
    if (table != 0) {
      // The key that came next last time, else any: an escaped key could spell a typed one,
      // left to the ordinary path.
      const expected: usize = first ? <usize>load<i32>(table + TABLE_FIRST) : prev != 0 ? <usize>load<i32>(prev + ENTRY_NEXT) : 0;
      let entry: usize;
      if (isKey(expected, ks)) {
        entry = expected;
        ke = ks + <usize>load<i32>(entry, ENTRY_LENGTH);
      } else {
        if (!plainKey(ks)) return -1;
        ke = keyEnd;
        entry = find(table, ks, ke, keyHash);
        // Learnt for the next object read with this table.
        if (first) store<i32>(table + TABLE_FIRST, <i32>entry);
        else if (prev != 0) store<i32>(prev + ENTRY_NEXT, <i32>entry);
      }
      i = ke + 1;
      // One lookup for both (src/store/line-scan.ts): the shape below SHAPE_BITS, the wanted index + 1 above.
      if (entry != 0) {
        const code = load<i32>(entry, ENTRY_CODE);
        shape = code & SHAPE_MASK;
        want = (code >> SHAPE_BITS) - 1;
      }
      prev = entry;
      first = false;
    } else {
      const before = backslashes;
      const r = jsonString(ks);
      if (r == -1) return -1;
      i = <usize>r;
      ke = i - 1;
      if (top) {
        if (backslashes != before) flags |= F_ODD_KEY;
        const code = lookup(wanted, ks, ke, keyHashOf(ks, ke));
        if (code != NOT_FOUND) want = code;
      }
    }
    if (at(i) != 0x3a /* : */) return -1;
    if (checkPlain && depth == 1 && attrsPlain) notePlainKey(ks, ke);
    const vs = i + 1;
    const b = backslashes;
    // `value`, with its two commonest cases first.
    const v = at(vs);
    const r = v == 0x22 ? jsonString(vs + 1) : isDigit(v) ? number(vs) : value(vs, depth);
    if (r == -1 || r >= <isize>E) return -1;
    i = <usize>r;
    if (shape != S_NONE && !hasShape(shape, vs, i)) return -1;
    if (top && want >= 0 && (skipWanted == 0 || load<i32>(skipWanted + (<usize>want << 2)) == 0)) recordEntry(want, vs, i, backslashes != b);
    const c = at(i);
    if (c == 0x7d) return <isize>(i + 1);
    if (c != 0x2c) return -1;
    i++;
  }
}

/** Whether the (well-formed) value in [s, e) has an attribute shape. */
function hasShape(shape: i32, s: usize, e: usize): bool {
  const c = at(s);
  switch (shape) {
    case S_STRING:
      return c == 0x22;
    case S_NUMBER:
      return c == 0x2d || isDigit(c);
    case S_NUMBER_NULL:
      return c == 0x2d || isDigit(c) || c == 0x6e;
    case S_BOOLEAN:
      return c == 0x74 || c == 0x66;
    case S_BOOLEAN_NULL:
      return c == 0x74 || c == 0x66 || c == 0x6e;
    case S_SPAN_KIND:
      return c == 0x22 && indexIn(s + 1, e - 1, kindNames) != -1;
    case S_STRING_ARRAY:
      return c == 0x5b && stringsOnly(s + 1, e - 1, false);
    case S_STRING_MAP:
      return c == 0x7b && stringsOnly(s + 1, e - 1, true);
    default:
      return false;
  }
}

/** The members of a well-formed array (or object, `keyed`) in [s, e) are all strings. */
function stringsOnly(s: usize, e: usize, keyed: bool): bool {
  let i = s;
  while (i < e) {
    if (keyed) i = <usize>(jsonString(i + 1) + 1); // past the key and its colon
    if (at(i) != 0x22) return false;
    i = <usize>(jsonString(i + 1) + 1); // past the value and its comma
  }
  return true;
}

// @ts-ignore: decorator
@inline function digitAt(s: usize, k: usize): i32 {
  return <i32>at(s + k) - 0x30;
}

// `YYYY-MM-DDTHH:MM:SS.mmmZ`: its separators by place (bytes 0-15, and 8-23), and where they are.
const TS_SEPARATORS_LO = i8x16(0, 0, 0, 0, 0x2d, 0, 0, 0x2d, 0, 0, 0x54, 0, 0, 0x3a, 0, 0);
const TS_AT_SEPARATOR_LO = i8x16(0, 0, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0);
const TS_SEPARATORS_HI = i8x16(0, 0, 0x54, 0, 0, 0x3a, 0, 0, 0x3a, 0, 0, 0x2e, 0, 0, 0, 0x5a);
const TS_AT_SEPARATOR_HI = i8x16(0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, 0, -1);

/** A canonical UTC timestamp `YYYY-MM-DDTHH:MM:SS.mmmZ` of a day that exists, in [s, e). */
function timestamp(s: usize, e: usize): bool {
  if (e - s != 24) return false;
  // Bytes 0-15 and 8-23, 16 at a time: a digit where the form has one, else its separator.
  const lo = v128.load(s);
  const hi = v128.load(s + 8);
  const digitsLo = i8x16.lt_u(i8x16.sub(lo, i8x16.splat(0x30)), i8x16.splat(10));
  const digitsHi = i8x16.lt_u(i8x16.sub(hi, i8x16.splat(0x30)), i8x16.splat(10));
  const okLo = v128.bitselect(i8x16.eq(lo, TS_SEPARATORS_LO), digitsLo, TS_AT_SEPARATOR_LO);
  const okHi = v128.bitselect(i8x16.eq(hi, TS_SEPARATORS_HI), digitsHi, TS_AT_SEPARATOR_HI);
  if (!i8x16.all_true(v128.and(okLo, okHi))) return false;
  const year = digitAt(s, 0) * 1000 + digitAt(s, 1) * 100 + digitAt(s, 2) * 10 + digitAt(s, 3);
  // Before 1970 is outside the accepted range (validateEvent): declined, the ordinary path says so.
  if (year < 1970) return false;
  const month = digitAt(s, 5) * 10 + digitAt(s, 6);
  const day = digitAt(s, 8) * 10 + digitAt(s, 9);
  if (month < 1 || month > 12 || day < 1 || digitAt(s, 11) * 10 + digitAt(s, 12) > 23 || digitAt(s, 14) > 5 || digitAt(s, 17) > 5) return false;
  if (day <= 28) return true;
  const leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  const days = month == 2 ? (leap ? 29 : 28) : month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
  return day <= days;
}

/** Unix ms of a canonical timestamp at `s` (checked by `timestamp`), as `Date.parse` reads it. */
function tsMs(s: usize): f64 {
  const y = <i64>(digitAt(s, 0) * 1000 + digitAt(s, 1) * 100 + digitAt(s, 2) * 10 + digitAt(s, 3));
  const m = <i64>(digitAt(s, 5) * 10 + digitAt(s, 6));
  const d = <i64>(digitAt(s, 8) * 10 + digitAt(s, 9));
  // Days since 1970-01-01 of a proleptic Gregorian date (years from 1970: no negative eras).
  const yy = m <= 2 ? y - 1 : y;
  const era = yy / 400;
  const yoe = yy - era * 400;
  const doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const days = era * 146097 + doe - 719468;
  const hh = <i64>(digitAt(s, 11) * 10 + digitAt(s, 12));
  const mi = <i64>(digitAt(s, 14) * 10 + digitAt(s, 15));
  const ss = <i64>(digitAt(s, 17) * 10 + digitAt(s, 18));
  const ms = <i64>(digitAt(s, 20) * 100 + digitAt(s, 21) * 10 + digitAt(s, 22));
  return <f64>(days * 86400000 + hh * 3600000 + mi * 60000 + ss * 1000 + ms);
}

/** The field a key in [s, e) names, or -1. */
function fieldOf(s: usize, e: usize): i32 {
  let f: i32;
  switch (<i32>(e - s)) {
    case 1:
      f = V;
      break;
    case 2:
      f = at(s) == 0x69 ? ID : TS;
      break;
    case 3:
      f = ENV;
      break;
    case 4:
      f = at(s) == 0x74 ? TYPE : at(s) == 0x6b ? KIND : NAME;
      break;
    case 5:
      f = ATTRS;
      break;
    case 6:
      f = at(s) == 0x72 ? (at(s + 1) == 0x75 ? RUN_ID : RATING) : at(s + 2) == 0x61 ? STATUS : SOURCE;
      break;
    case 7:
      f = at(s + 1) == 0x70 ? SPAN_ID : SUCCESS;
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
  const at = FIELD_NAMES + (<usize>f << 3);
  return equalsAt(s, e, <usize>load<i32>(at), <usize>load<i32>(at, 4)) ? f : -1;
}

// @ts-ignore: decorator
@inline function bit(f: i32): i32 {
  return 1 << f;
}

/** The fields of each type, exactly (the schema allows no others and requires them all). */
function typeFields(type: i32): i32 {
  const common = bit(V) | bit(ID) | bit(TS) | bit(TYPE) | bit(SPAN_ID) | bit(RUN_ID) | bit(ENV) | bit(ATTRS);
  switch (type) {
    case T_START:
      return common | bit(KIND) | bit(NAME) | bit(PARENT_ID);
    case T_END:
      return common | bit(KIND) | bit(START_TS) | bit(DURATION_MS) | bit(STATUS);
    case T_SPAN:
      return common | bit(KIND) | bit(NAME) | bit(PARENT_ID) | bit(START_TS) | bit(DURATION_MS) | bit(STATUS);
    case T_POINT:
      return common | bit(NAME);
    default:
      return common | bit(SUCCESS) | bit(RATING) | bit(SOURCE);
  }
}

/** Whether [s, e) holds the text `\u0000` or `\ud…`/`\uD…` (an escaped surrogate). */
function hasOddEscape(s: usize, e: usize): bool {
  for (let i = s; i + 2 < e; i++) {
    if (at(i) != 0x5c || at(i + 1) != 0x75) continue;
    const c = at(i + 2);
    if (c == 0x64 || c == 0x44) return true;
    if (i + 5 < e && c == 0x30 && at(i + 3) == 0x30 && at(i + 4) == 0x30 && at(i + 5) == 0x30) return true;
  }
  return false;
}

/** Whether [s, e) is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
function isUtf8(s: usize, e: usize): bool {
  let i = s;
  while (i < e) {
    const c = at(i);
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: usize;
    let min: u32;
    let cp: u32;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      min = 0x80;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      min = 0x800;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      min = 0x10000;
      cp = c & 0x07;
    } else return false;
    if (i + n >= e + 1) return false;
    for (let k: usize = 1; k <= n; k++) {
      const d = at(i + k);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

/**
 * Scan the line in [s, e). When it is in the form this scanner knows: with `row`, write its
 * COPY row at `row` (room for `2 * (e - s) + 128` bytes; its end in `rowEnd`), and return
 * the start of its `ts` (for its day); else -1, with nothing written. With `utf8`, a line
 * with bytes past ASCII is taken only if it is well-formed UTF-8 (a caller that checked its
 * whole chunk passes false).
 */
export function scanLine(s: usize, e: usize, row: usize, utf8: bool): isize {
  recording = false;
  return scan(s, e, row, utf8);
}

/**
 * Scan the line from `s` to its newline, before `limit` (the end of the chunk), as `scanLine`
 * does (checking UTF-8), and record what a fold reads of it (`REC`, `RECF`, the entries, the
 * newline's address): its type, or -1 when it is declined, or its newline is not before
 * `limit` (a line cut by the end of the chunk: the caller tells the two apart). Finding the
 * newline here spares the caller a search of every line's bytes.
 */
export function recordLine(s: usize, limit: usize): i32 {
  recording = true;
  toNewline = true;
  nEntries = 0;
  entryKeys = 0;
  flags = 0;
  store<i32>(REC, -1, 4);
  store<i32>(REC, -1, 8);
  store<f64>(RECF, NaN, 16);
  const r = scan(s, limit, 0, true);
  recording = false;
  toNewline = false;
  if (r == -1) return -1;
  store<i32>(REC, <i32>E, 92);
  store<i32>(REC, nEntries, 12);
  store<i32>(REC, flags, 16);
  store<i32>(REC, load<i32>(REC) == T_FEEDBACK && attrsPlain && !sawBackslash ? 1 : 0, 20);
  return load<i32>(REC);
}

// Whether a feedback line's `attrs` is the text `JSON.stringify` gives them once parsed:
// besides what every line the scanner takes has (no whitespace, numbers as JavaScript writes
// them), no escape, no nested object, no key twice and no key of digits only (an array
// index, which a parsed object orders first). Then a fold takes the text as it is.
let checkPlain = false;
let attrsPlain = false;
const MAX_KEYS = 32;
const KEYS = memory.data(MAX_KEYS * 8);
let nKeys = 0;

/** Note key [ks, ke) of the attrs object being checked (`attrsPlain`). */
function notePlainKey(ks: usize, ke: usize): void {
  const n = ke - ks;
  let digits = n > 0;
  for (let i = ks; i < ke && digits; i++) digits = isDigit(at(i));
  if (digits || nKeys == MAX_KEYS) {
    attrsPlain = false;
    return;
  }
  for (let k = 0; k < nKeys; k++) {
    const p = KEYS + (<usize>k << 3);
    const s = <usize>load<i32>(p);
    if (<usize>load<i32>(p, 4) - s == n && same(s, ks, n)) {
      attrsPlain = false;
      return;
    }
  }
  const p = KEYS + (<usize>nKeys << 3);
  store<i32>(p, <i32>ks);
  store<i32>(p, <i32>ke, 4);
  nKeys++;
}

function scan(s: usize, e: usize, row: usize, utf8: bool): isize {
  E = e;
  sawBackslash = false;
  sawHigh = false;
  if (s >= e || at(s) != 0x7b) return -1;
  let seen = 0;
  let type = -1;
  let kind = -1;
  // The fields a writer writes next, in the order of their numbers: those of the line's type
  // once it is known, all of them before.
  let ahead = 0x1ffff;
  let i = s + 1;
  while (true) {
    let f = -1;
    let ke: usize = 0;
    // The key a writer writes next, matched at once; any other, found and named byte by byte.
    if (ahead != 0) {
      const g = <i32>ctz(ahead);
      const n = <usize>load<i32>(KEY_LENGTHS + (<usize>g << 2));
      if (n != 0 && i + n <= e) {
        const m = <u32>i8x16.bitmask(i8x16.eq(v128.load(i), v128.load(KEYS_AS_WRITTEN + (<usize>g << 4))));
        const want = (<u32>1 << <u32>n) - 1;
        if ((m & want) == want) {
          f = g;
          ke = i + n - 2;
        }
      }
    }
    if (f == -1) {
      if (at(i) != 0x22) return -1;
      const ker = plainString(i + 1);
      if (ker == -1) return -1;
      ke = <usize>ker;
      if (at(ke + 1) != 0x3a) return -1;
      f = fieldOf(i + 1, ke);
    }
    if (f == -1 || (seen & bit(f)) != 0) return -1;
    // Past this field, the type's later fields (bits above f).
    ahead &= ~((bit(f) << 1) - 1);
    seen |= bit(f);
    const vs = ke + 2;
    const c = at(vs);
    let ve: isize;
    if (f == ATTRS) {
      if (type == -1 || (type <= T_SPAN && kind == -1)) return -1;
      const table = <usize>load<i32>(keyTables + (<usize>(type * nKinds + (type <= T_SPAN ? kind : 0)) << 2));
      // A feedback's attrs may go to the digest as their text (`REC` + 20).
      checkPlain = recording && type == T_FEEDBACK;
      attrsPlain = true;
      nKeys = 0;
      ve = c == 0x7b ? object(vs, 1, table) : -1;
      checkPlain = false;
      setField(f, vs, ve);
    } else if (c == 0x22) {
      if (f == V || f == DURATION_MS || f == RATING || f == SUCCESS) return -1;
      const se = plainString(vs + 1);
      if (se == -1) return -1;
      setField(f, vs + 1, se);
      ve = se + 1;
      const ss = vs + 1;
      const sz = <usize>se;
      if (f == TYPE) {
        type = indexIn(ss, sz, typeNames);
        if (type == -1) return -1;
        ahead &= typeFields(type);
        if (recording) store<i32>(REC, type);
      } else if (f == KIND) {
        kind = indexIn(ss, sz, kindNames);
        if (kind == -1) return -1;
        if (recording) store<i32>(REC, kind, 4);
      } else if (f == STATUS) {
        const status = indexIn(ss, sz, statusNames);
        if (status == -1) return -1;
        if (recording) store<i32>(REC, status, 8);
      } else if (f == SOURCE) {
        if (indexIn(ss, sz, sourceNames) == -1) return -1;
      } else if (f == TS || f == START_TS) {
        if (!timestamp(ss, sz)) return -1;
        if (recording) store<f64>(RECF + (f == TS ? 0 : 8), tsMs(ss));
      } else if (recording && (f == SPAN_ID || f == PARENT_ID || f == RUN_ID || f == NAME || f == ENV)) {
        // A span id is new on every start line: only the others are compared with the line before's.
        const id = f == SPAN_ID ? intern(ss, sz) : internFrom(<usize>f, ss, sz);
        if (id == -1) flags |= F_TOO_MANY;
        store<i32>(REC + 24 + (<usize>f << 2), id);
      }
    } else if (c == 0x6e /* null */) {
      if (!(f == PARENT_ID || f == RUN_ID || f == DURATION_MS || f == RATING || f == SUCCESS)) return -1;
      ve = literal(vs, NULL);
      setField(f, -1, -1);
      if (recording) store<i32>(REC + 24 + (<usize>f << 2), -1);
    } else if (f == SUCCESS) {
      ve = trueOrFalse(vs);
      setField(f, vs, ve);
    } else if (f == V) {
      // Version 1, as this release writes and reads it: `1` and then the next field or the end
      // (checked below), as a number is written; `Math.trunc(v)` is then `1`.
      ve = c == 0x31 ? <isize>(vs + 1) : -1;
      setField(f, vs, ve);
    } else if (f == DURATION_MS || f == RATING) {
      // A negative duration is invalid (validateEvent): declined, the ordinary path says so.
      ve = (c == 0x2d && f != DURATION_MS) || isDigit(c) ? number(vs) : -1;
      setField(f, vs, ve);
      if (recording && f == DURATION_MS) store<f64>(RECF, numberValue, 16);
    } else return -1;
    if (ve == -1 || ve >= <isize>e) return -1;
    const d = at(<usize>ve);
    if (d == 0x7d /* } */) {
      if (toNewline) {
        // A line the scanner takes has no whitespace nor raw control character: its first
        // newline is the one right after its closing brace.
        if (<usize>ve + 1 >= e || at(<usize>ve + 1) != 0x0a) return -1;
        e = <usize>ve + 1;
        E = e;
      } else if (<usize>ve + 1 != e) return -1;
      break;
    }
    if (d != 0x2c) return -1;
    i = <usize>ve + 1;
  }
  if (seen != typeFields(type)) return -1;
  // A span's run is a string; only feedback may have none.
  if (type != T_FEEDBACK && fieldStart(RUN_ID) == -1) return -1;
  // The COPY rows leave a line holding the text `\u0000` or an escaped surrogate anywhere
  // to JSON.stringify (`rawAttrsJson`).
  if (sawBackslash && hasOddEscape(s, e)) return -1;
  if (utf8 && sawHigh && !isUtf8(s, e)) return -1;
  if (row != 0) writeRow(row, type);
  return fieldStart(TS);
}

const TAB: u8 = 0x09;

let P: usize = 0;

function put(f: i32): void {
  const s = fieldStart(f);
  let p = P;
  if (s == -1) {
    store<u8>(p++, 0x5c);
    store<u8>(p++, 0x4e);
  } else {
    const n = <usize>(fieldEnd(f) - s);
    memory.copy(p, <usize>s, n);
    p += n;
  }
  store<u8>(p++, TAB);
  P = p;
}

function putNull(): void {
  store<u8>(P, 0x5c);
  store<u8>(P + 1, 0x4e);
  store<u8>(P + 2, TAB);
  P += 3;
}

/** The row of the scanned line at `row`, column by column as `copyLine` writes it. */
function writeRow(row: usize, type: i32): void {
  P = row;
  put(ID);
  put(TS);
  put(V);
  put(TYPE);
  put(SPAN_ID);
  put(RUN_ID);
  if (type == T_START || type == T_SPAN) put(PARENT_ID);
  else putNull();
  if (type <= T_SPAN) put(KIND);
  else putNull();
  if (type == T_START || type == T_SPAN || type == T_POINT) put(NAME);
  else putNull();
  put(ENV);
  if (type == T_START) put(TS);
  else if (type == T_END || type == T_SPAN) put(START_TS);
  else putNull();
  if (type == T_END || type == T_SPAN) {
    put(DURATION_MS);
    put(STATUS);
  } else {
    putNull();
    putNull();
  }
  if (type == T_FEEDBACK) {
    const s = fieldStart(SUCCESS);
    if (s == -1) putNull();
    else {
      store<u8>(P++, at(<usize>s) == 0x74 ? 0x74 : 0x66);
      store<u8>(P++, TAB);
    }
    put(RATING);
    put(SOURCE);
  } else {
    putNull();
    putNull();
    putNull();
  }
  // attrs as COPY text: JSON has no raw tab, newline or NUL, so only backslashes double.
  const as = <usize>fieldStart(ATTRS);
  const ae = <usize>fieldEnd(ATTRS);
  let p = P;
  if (sawBackslash) {
    for (let i = as; i < ae; i++) {
      const c = load<u8>(i);
      store<u8>(p++, c);
      if (c == 0x5c) store<u8>(p++, 0x5c);
    }
  } else {
    memory.copy(p, as, ae - as);
    p += ae - as;
  }
  store<u8>(p++, 0x0a);
  rowEnd = p;
}
