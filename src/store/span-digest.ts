import type { AgentmeterEvent, BaseAttributes, JsonValue, SpanKind, SpanStatus } from '../model/events.js';
import { SPAN_KINDS, SPAN_STATUSES } from '../model/events.js';
import { hashId } from '../model/fold.js';
import type { DetailedSummary, Span } from '../model/span.js';
import { DETAIL_KEYS, DETAIL_KEYS_OF, DETAIL_KINDS, SUMMARY_NUMBER_KEYS, SUMMARY_PROFILE_KEYS, SUMMARY_SIGNATURE, isProfileValue } from '../model/summary.js';
import { FB_COLUMNS, compactFeedback, expandFeedback } from './digest-feedback.js';
import { packUuid, unpackUuid } from '../model/packed-uuid.js';
import { InternList, anyList, grown, intern } from '../model/columns.js';
import type { FbColumnName, FeedbackBuild, FeedbackColumns } from './digest-feedback.js';
import type { SkippedLine } from './reader.js';

/** Bump when the layout below changes; older digests are rebuilt. */
export const DIGEST_VERSION = 11;

/**
 * One segment folded alone: finished spans as summaries in typed columns (dictionary-coded
 * profiles, numbers in a flat array), and what did not finish inside the segment as raw
 * events for the fold across segments. On disk: a JSON header, then the columns as raw
 * little-endian arrays read back as views, so loading costs no parsing per span. Spans of
 * `DETAIL_KINDS` also keep a detail row (id, parent, run, name, end, their kind's detail keys):
 * columns, and a JSON tail per kind (names, odd ids, attributes) parsed only by a replay that
 * asks for the detail of that kind.
 */
export interface SpanDigest {
  v: number;
  /** `SUMMARY_SIGNATURE` when built; another value means other attributes were kept. */
  keys: string;
  /** Size and mtime of the segment the digest describes. */
  size: number;
  mtimeMs: number;
  lines: number;
  events: number;
  skipped: number;
  samples: SkippedLine[];
  /** 53-bit hashes of span ids, for dedupe across segments. */
  hash: ArrayLike<number>;
  kind: ArrayLike<number>;
  /** Index into SPAN_STATUSES; `NO_STATUS` for none. */
  status: ArrayLike<number>;
  /** Start times, Unix ms. */
  start: ArrayLike<number>;
  /** Durations in ms; NaN for none. */
  dur: ArrayLike<number>;
  env: ArrayLike<number>;
  points: ArrayLike<number>;
  profile: ArrayLike<number>;
  /** Index into `layouts`: which summary number keys the span has (0: none). */
  layout: ArrayLike<number>;
  /** The numbers of every span, in span order, in its layout's key order. */
  nums: ArrayLike<number>;
  envs: string[];
  /**
   * Profiles, dictionary-coded: one dictionary of values per SUMMARY_PROFILE_KEYS key, in the
   * order first seen, and a row per profile of `SUMMARY_PROFILE_KEYS.length` indexes into them
   * (-1: the profile has no such key). `profile` indexes rows.
   */
  pdict: JsonValue[][];
  prow: ArrayLike<number>;
  /** Each layout is a list of indexes into SUMMARY_NUMBER_KEYS. */
  layouts: number[][];
  pending: AgentmeterEvent[];
  /** Detail spans (`DETAIL_KINDS`), a row each in span order: the span's index in the columns above. */
  dAt: ArrayLike<number>;
  /** Their ends, Unix ms; NaN for none. */
  dEnd: ArrayLike<number>;
  /** Index into the `names` of the row's kind's `DetailMore`. */
  dName: ArrayLike<number>;
  /** 16 bytes a row: the span id as a packed UUID (unless `DetailMore.odd` has the row). */
  dId: Uint8Array;
  /** The parent's id, an index into the link ids (`NO_LINK`: no parent). */
  dParent: ArrayLike<number>;
  /** The run's id, an index into the link ids. */
  dRun: ArrayLike<number>;
  /**
   * The parent and run ids of detail rows, each once (a segment's spans share a few hundred):
   * 16 bytes each, a packed UUID, unless `linkOdd` has it.
   */
  dLinkIds: Uint8Array;
  /** Link ids that are not canonical UUIDs: their index and text. */
  linkOdd: [index: number, id: string][];
  /**
   * The rest of the detail, per kind (by index into SPAN_KINDS): as built, or its JSON once
   * decoded (parsed by a replay that asks for the kind's detail).
   */
  dMore: (DetailMore | Uint8Array)[];
  /** Decoded digests: the pending feedback, in columns (see `FeedbackTable.addColumns`). */
  feedback?: FeedbackColumns;
  /**
   * A piece of a segment (pieces.ts) whose end is a line start read after its newline: it
   * holds the same bytes however the segment grows, so its digest serves while the segment
   * only grows (`scanSummaries`).
   */
  fixed?: boolean | undefined;
  /**
   * False: built without the detail rows and attributes (`DigestBuilder`'s `detail`), for a
   * read that neither asks for them nor caches the digest; such a digest is never written,
   * and `parseDetail` refuses it.
   */
  detail?: false | undefined;
}

/** What the detail rows of one kind need besides their columns. Rows are rows of the digest. */
export interface DetailMore {
  names: string[];
  /** Rows whose span id is not a canonical UUID, with the id. */
  odd: [row: number, spanId: string][];
  /**
   * Rows with any of their kind's detail keys, or a summary key whose value the profile or
   * the numbers do not keep (a number key holding a string), with those attributes, flat:
   * the row, the index of its key list in `shapes`, then a value per key. Keys are not
   * repeated per row: they were most of the detail's bytes.
   */
  attrs: JsonValue[];
  /** The attribute keys of `attrs`, each once. */
  keys: string[];
  /** The key lists of `attrs` (indexes into `keys`), each once. */
  shapes: number[][];
}

/**
 * Accumulates finished spans of one segment into a digest. Columns are typed arrays grown by
 * doubling: their storage lies outside the JavaScript heap, where arrays of numbers, copied
 * by every young-generation collection and then promoted, were most of what a fold worker's
 * garbage collector did per segment (docs/performance.md, "Cold reads, third pass").
 */
export class DigestBuilder {
  readonly #d: SpanDigest & { dMore: DetailMore[] };
  readonly #envIndex = new Map<string, number>();
  /**
   * Profiles by their value indexes (`#profileOf`): building a JSON key of the values per
   * span was an eighth of a cold report's CPU, and a trie of Maps, a level per key, made Maps
   * for every new profile, which came to more memory than the spans.
   */
  readonly #profileIndex = new Map<number | string, number>();
  /** Per profile key, each value's index in `pdict`. */
  readonly #valueIds = SUMMARY_PROFILE_KEYS.map(() => new Map<JsonValue, number>());
  /** The span's profile as indexes into `pdict` plus one (0: no such key). */
  readonly #ids = new Int32Array(SUMMARY_PROFILE_KEYS.length);
  /** The span being added: its kind, its kind's detail keys (undefined: not a detail kind), which number keys it has. */
  #spanKind = 0;
  #detailSlots: Uint8Array | undefined = undefined;
  #mask = 0;
  #prow: Int32Array;
  #nProfiles = 0;
  readonly #layoutIndex = new Map<number, number>([[0, 0]]);
  readonly #numValues = new Float64Array(SUMMARY_NUMBER_KEYS.length);
  /**
   * The next span's id hash, start and duration, for `beginSpan`: numbers passed as
   * arguments are boxed in heap objects, and those of `beginSpan` and `attr` were a tenth
   * of what a fold allocated.
   */
  readonly times = new Float64Array(3);
  /** Per kind, its `DetailMore.names` and each one's index. */
  readonly #names: InternList[];
  /** Per kind, each attribute key's index in its `DetailMore.keys`, and each key list's in its `shapes`. */
  readonly #attrKeyIndex = SPAN_KINDS.map(() => new Map<string, number>());
  readonly #shapeIndex = SPAN_KINDS.map(() => new Map<string, number>());
  /** The detail attributes of the span being added. */
  readonly #detailKeys: string[] = anyList();
  readonly #detailValues: JsonValue[] = anyList();
  #nDetailAttrs = 0;
  /** Per kind, the last key list added and its index in `shapes`: rows of a kind mostly share one. */
  readonly #lastShape: (number[] | undefined)[] = SPAN_KINDS.map(() => undefined);
  readonly #lastShapeIndex = SPAN_KINDS.map(() => 0);
  readonly #shapeIds: number[] = [];
  // Span columns (`#n` rows), the numbers (`#nNums`), detail rows (`#nDetail`).
  #n = 0;
  #hash: Float64Array;
  #start: Float64Array;
  #dur: Float64Array;
  #profile: Uint32Array;
  #env: Uint32Array;
  #points: Uint32Array;
  #layout: Uint32Array;
  #kind: Uint8Array;
  #status: Uint8Array;
  #nNums = 0;
  #nums: Float64Array;
  #nDetail = 0;
  #dAt: Uint32Array;
  #dEnd: Float64Array;
  #dName: Uint32Array;
  #dId: Uint8Array;
  /** `#dId` as 32-bit words: a packed id is copied as 4 of them. */
  #dId32: Int32Array;
  #dParent: Uint32Array;
  #dRun: Uint32Array;
  #nLinks = 0;
  #dLinkIds: Uint8Array;
  #dLinkIds32: Int32Array;
  readonly #linkIndex = new Map<string, number>();

  /**
   * Whether the digest keeps the detail rows and attributes of spans of `DETAIL_KINDS`. A read
   * that neither asks for them nor writes the digest to the cache (`report --no-cache`) folds
   * without: they were a sixth of a fold's time and a third of a digest's bytes
   * (docs/performance.md, "Cold reads, tenth pass").
   */
  readonly detail: boolean;

  /**
   * `spans`: about how many spans the segment holds, when the caller can tell (columns grown
   * from 1,024 rows by doubling took about 2 % of a fold's time). `detail` false: without
   * detail (see `detail`).
   */
  constructor(size: number, mtimeMs: number, spans = 1024, detail = true) {
    this.detail = detail;
    const n = Math.max(1024, Math.ceil(spans));
    this.#hash = new Float64Array(n);
    this.#start = new Float64Array(n);
    this.#dur = new Float64Array(n);
    this.#profile = new Uint32Array(n);
    this.#env = new Uint32Array(n);
    this.#points = new Uint32Array(n);
    this.#layout = new Uint32Array(n);
    this.#kind = new Uint8Array(n);
    this.#status = new Uint8Array(n);
    this.#nums = new Float64Array(4 * n);
    // Detail rows: the spans of `DETAIL_KINDS`, most of a store's. Rows that stay empty cost
    // nothing, where growing the columns threw a fold worker's optimized code away (its first
    // run of that path).
    const rows = detail ? n : 0;
    this.#dAt = new Uint32Array(rows);
    this.#dEnd = new Float64Array(rows);
    this.#dName = new Uint32Array(rows);
    this.#dId = new Uint8Array(16 * rows);
    this.#dId32 = new Int32Array(this.#dId.buffer);
    this.#dParent = new Uint32Array(rows);
    this.#dRun = new Uint32Array(rows);
    // As many profiles as spans at most, and a parent and a run per detail row.
    this.#prow = new Int32Array(n * SUMMARY_PROFILE_KEYS.length);
    this.#dLinkIds = new Uint8Array(16 * 2 * rows);
    this.#dLinkIds32 = new Int32Array(this.#dLinkIds.buffer);
    const none = new Float64Array(0);
    this.#d = {
      v: DIGEST_VERSION,
      keys: SUMMARY_SIGNATURE,
      size,
      mtimeMs,
      lines: 0,
      events: 0,
      skipped: 0,
      samples: [],
      hash: none,
      kind: none,
      status: none,
      start: none,
      dur: none,
      env: none,
      points: none,
      profile: none,
      layout: none,
      nums: none,
      envs: anyList(),
      pdict: SUMMARY_PROFILE_KEYS.map(() => anyList<JsonValue>()),
      prow: none,
      layouts: [[]],
      pending: [],
      dAt: none,
      dEnd: none,
      dName: none,
      dId: new Uint8Array(0),
      dParent: none,
      dRun: none,
      dLinkIds: new Uint8Array(0),
      linkOdd: [],
      dMore: SPAN_KINDS.map(() => ({ names: anyList(), odd: anyList(), attrs: anyList(), keys: anyList(), shapes: anyList() })),
    };
    if (!detail) this.#d.detail = false;
    this.#names = this.#d.dMore.map((m) => new InternList((m as DetailMore).names));
  }

  /** Add a finished span; `idHash` is `hashId(span.spanId)` when the caller has it (the fold's `onSpan` does). */
  add(span: Span, idHash: number = hashId(span.spanId)): void {
    const kind = SPAN_KINDS.indexOf(span.kind);
    const times = this.times;
    times[0] = idHash;
    times[1] = span.startMs;
    times[2] = span.durationMs ?? NaN;
    this.beginSpan(kind, span.status === null ? NO_STATUS : SPAN_STATUSES.indexOf(span.status), this.envIndex(span.env), span.pointEvents);
    if (this.detail && DETAIL_SLOTS_OF[kind] !== undefined) {
      const name = this.nameIndex(kind, span.name);
      const parent = this.linkIndex(span.parentId);
      this.detailRow(span.endMs ?? NaN, name, span.spanId, parent, this.linkIndex(span.runId));
    }
    // One pass over the span's attributes (a dozen) instead of a lookup of each of the two
    // dozen summary keys: keyed reads of many names over objects of many shapes are slow.
    const attrs = span.attrs;
    for (const k in attrs) {
      const slot = ATTR_SLOTS.get(k);
      if (slot !== undefined) this.attr(slot, k, attrs[k] as JsonValue);
    }
    this.endSpan();
  }

  /**
   * Start a span's row: `add` without the detail row and the attributes, which follow
   * (`detailRow` for a kind of `DETAIL_KINDS`, then `attr` per summary attribute in the
   * span's key order), then `endSpan`. For a fold that has no `Span` objects (tape-fold.ts).
   * `kind` and `status` are indexes into SPAN_KINDS and SPAN_STATUSES (`NO_STATUS`: none);
   * `env` is `envIndex` of the span's env; its id's hash, start and duration (NaN for none)
   * are in `times`.
   */
  beginSpan(kind: number, status: number, env: number, points: number): void {
    const times = this.times;
    const i = this.#n;
    if (i === this.#hash.length) this.#grow(2 * i);
    this.#spanKind = kind;
    this.#detailSlots = this.detail ? DETAIL_SLOTS_OF[kind] : undefined;
    this.#nDetailAttrs = 0;
    this.#ids.fill(0);
    this.#mask = 0;
    this.#hash[i] = times[0] as number;
    this.#kind[i] = kind;
    this.#status[i] = status;
    this.#start[i] = times[1] as number;
    this.#dur[i] = times[2] as number;
    this.#env[i] = env;
    this.#points[i] = points;
  }

  /**
   * The index of `env` among the segment's envs, for `beginSpan`; of `name` among the names
   * of spans of kind `kind` (an index into SPAN_KINDS), and of a parent or run id among the
   * link ids (`NO_LINK` for none), for `detailRow`. Each is added when new, so indexes follow
   * the order of first use: a caller that remembers them (tape-fold.ts, by interned text)
   * asks for each when it first needs it.
   */
  envIndex(env: string): number {
    return intern(this.#envIndex, this.#d.envs, env);
  }

  nameIndex(kind: number, name: string): number {
    return (this.#names[kind] as InternList).index(name);
  }

  /**
   * `nameIndex` of a name the caller knows differs from every name of spans of `kind` it gave
   * before (tape-fold.ts: each interned text once per kind). A segment's tasks and pipelines
   * have hundreds of names each, most of them its own: each was hashed by a `Map` that only
   * found it missing (docs/performance.md, "Cold reads, thirteenth pass"). Once `nameIndex`
   * added a name of the kind, a name given here may be that one, and is looked up (`InternList`).
   */
  nameIndexDistinct(kind: number, name: string): number {
    return (this.#names[kind] as InternList).distinct(name);
  }

  linkIndex(id: string | null): number {
    if (id === null) return NO_LINK;
    let i = this.#linkIndex.get(id);
    if (i === undefined) {
      i = this.#nLinks++;
      this.#linkIndex.set(id, i);
      if (16 * i === this.#dLinkIds.length) this.#growLinks(32 * i);
      if (!packUuid(id, this.#dLinkIds, 16 * i)) this.#d.linkOdd.push([i, id]);
    }
    return i;
  }

  /**
   * A new link id's index, for a link id that is a canonical UUID, given as `packUuid` packs
   * it, as 4 words of `id` from `at` (16 bytes, copied a word at a time): for a caller that
   * asks once per distinct id and has no text of it (tape-fold.ts). Indexes follow the order
   * of first use, as `linkIndex`'s do.
   */
  linkPacked(id: Int32Array, at: number): number {
    const i = this.#nLinks++;
    if (16 * i === this.#dLinkIds.length) this.#growLinks(32 * i);
    const d = this.#dLinkIds32;
    d[4 * i] = id[at] as number;
    d[4 * i + 1] = id[at + 1] as number;
    d[4 * i + 2] = id[at + 2] as number;
    d[4 * i + 3] = id[at + 3] as number;
    return i;
  }

  #growLinks(bytes: number): void {
    this.#dLinkIds = grown(this.#dLinkIds, bytes);
    this.#dLinkIds32 = new Int32Array(this.#dLinkIds.buffer);
  }

  /**
   * The detail row of the span begun (its kind is one of `DETAIL_KINDS`); `endMs` NaN for
   * none; `name`, `parent` and `run` by their indexes (`nameIndex`, `linkIndex`).
   */
  detailRow(endMs: number, name: number, spanId: string, parent: number, run: number): void {
    const row = this.#detailRowOf(endMs, name, parent, run);
    if (!packUuid(spanId, this.#dId, row * 16)) (this.#d.dMore[this.#spanKind] as DetailMore).odd.push([row, spanId]);
  }

  /** `detailRow` of a span whose id is a canonical UUID, given as `packUuid` packs it: 4 words of `id` from `at` (`linkPacked`). */
  detailRowPacked(endMs: number, name: number, id: Int32Array, at: number, parent: number, run: number): void {
    const to = this.#detailRowOf(endMs, name, parent, run) * 4;
    const d = this.#dId32;
    d[to] = id[at] as number;
    d[to + 1] = id[at + 1] as number;
    d[to + 2] = id[at + 2] as number;
    d[to + 3] = id[at + 3] as number;
  }

  /** A new detail row with all but its span id. */
  #detailRowOf(endMs: number, name: number, parent: number, run: number): number {
    const row = this.#nDetail++;
    if (row === this.#dAt.length) {
      this.#dAt = grown(this.#dAt, 2 * row);
      this.#dEnd = grown(this.#dEnd, 2 * row);
      this.#dName = grown(this.#dName, 2 * row);
      this.#dId = grown(this.#dId, 32 * row);
      this.#dId32 = new Int32Array(this.#dId.buffer);
      this.#dParent = grown(this.#dParent, 2 * row);
      this.#dRun = grown(this.#dRun, 2 * row);
    }
    this.#dAt[row] = this.#n;
    this.#dEnd[row] = endMs;
    this.#dName[row] = name;
    this.#dParent[row] = parent;
    this.#dRun[row] = run;
    return row;
  }

  /** `attr` of a number, read from `from[at]`: a number passed as an argument is boxed in a heap object, one read from an array is not. */
  numberAttr(slot: number, k: string, from: Float64Array, at: number): void {
    const v = from[at] as number;
    if (slot >= 0 && slot < DETAIL_SLOT && Number.isFinite(v)) this.#number(slot, v);
    else this.attr(slot, k, v);
  }

  /** A summary attribute of the span begun: `k` with its slot (`attrSlot(k)`), and its value. */
  attr(slot: number, k: string, v: JsonValue): void {
    const detailKeys = this.#detailSlots;
    if (slot < 0) {
      if (isProfileValue(v)) this.#ids[-1 - slot] = this.#valueId(-1 - slot, v) + 1;
      else if (detailKeys !== undefined) this.#detailAttr(k, v);
    } else if (slot >= DETAIL_SLOT) {
      if (detailKeys !== undefined && detailKeys[slot - DETAIL_SLOT] === 1) this.#detailAttr(k, v);
    } else if (typeof v === 'number' && Number.isFinite(v)) {
      this.#number(slot, v);
    } else if (detailKeys !== undefined) {
      this.#detailAttr(k, v);
    }
  }

  /**
   * The index of `v` among the values of profile key `k` (`-1 - slot`), added when new; then
   * `profileIndex` gives it to the span begun, as `attr` does with the value. For a caller
   * that remembers the index per value (tape-fold.ts, by interned text).
   */
  profileValue(k: number, v: JsonValue): number {
    return this.#valueId(k, v);
  }

  profileIndex(k: number, index: number): void {
    this.#ids[k] = index + 1;
  }

  /** A finite number of summary number key `slot`. */
  #number(slot: number, v: number): void {
    // Which number keys the span has, as a bit mask (fewer than 31 keys, checked below).
    this.#mask |= 1 << slot;
    this.#numValues[slot] = v;
  }

  /** Finish the span begun. */
  endSpan(): void {
    const d = this.#d;
    const i = this.#n;
    const mask = this.#mask;
    const nums = this.#numValues;
    if (this.#nNums + SUMMARY_NUMBER_KEYS.length > this.#nums.length) this.#nums = grown(this.#nums, 2 * this.#nums.length);
    for (let k = 0, m = mask; m !== 0; k++, m >>>= 1) if (m & 1) this.#nums[this.#nNums++] = nums[k] as number;
    this.#profile[i] = this.#profileOf(this.#ids);
    let li = this.#layoutIndex.get(mask);
    if (li === undefined) {
      li = d.layouts.length;
      this.#layoutIndex.set(mask, li);
      const keys: number[] = [];
      for (let k = 0; k < SUMMARY_NUMBER_KEYS.length; k++) if (mask & (1 << k)) keys.push(k);
      d.layouts.push(keys);
    }
    this.#layout[i] = li;
    this.#n = i + 1;
    if (this.#nDetailAttrs > 0) this.#addDetailAttrs(this.#spanKind, this.#nDetail - 1);
  }

  #detailAttr(k: string, v: JsonValue): void {
    // Kept in place (emptying an array by its length gives its storage back, to be made again).
    const n = this.#nDetailAttrs++;
    this.#detailKeys[n] = k;
    this.#detailValues[n] = v;
  }

  /** The detail attributes gathered for detail row `row`, of kind `kind` (its index). */
  #addDetailAttrs(kind: number, row: number): void {
    const more = this.#d.dMore[kind] as DetailMore;
    const keyIndex = this.#attrKeyIndex[kind] as Map<string, number>;
    const n = this.#nDetailAttrs;
    // The key list in the first `n` of a reused array.
    const ids = this.#shapeIds;
    for (let j = 0; j < n; j++) {
      const k = this.#detailKeys[j] as string;
      let id = keyIndex.get(k);
      if (id === undefined) {
        id = more.keys.length;
        more.keys.push(k);
        keyIndex.set(k, id);
      }
      ids[j] = id;
    }
    const last = this.#lastShape[kind];
    let si: number;
    if (last !== undefined && sameIds(last, ids, n)) {
      si = this.#lastShapeIndex[kind] as number;
    } else {
      const shapeIndex = this.#shapeIndex[kind] as Map<string, number>;
      const shape = ids.slice(0, n);
      const text = shape.join(',');
      let found = shapeIndex.get(text);
      if (found === undefined) {
        found = more.shapes.length;
        more.shapes.push(shape);
        shapeIndex.set(text, found);
      }
      si = found;
      this.#lastShape[kind] = more.shapes[si];
      this.#lastShapeIndex[kind] = si;
    }
    more.attrs.push(row, si);
    for (let j = 0; j < n; j++) more.attrs.push(this.#detailValues[j] as JsonValue);
  }

  #grow(size: number): void {
    this.#hash = grown(this.#hash, size);
    this.#start = grown(this.#start, size);
    this.#dur = grown(this.#dur, size);
    this.#profile = grown(this.#profile, size);
    this.#env = grown(this.#env, size);
    this.#points = grown(this.#points, size);
    this.#layout = grown(this.#layout, size);
    this.#kind = grown(this.#kind, size);
    this.#status = grown(this.#status, size);
  }

  /** The index of `v` in the dictionary of profile key `k`, added if new. */
  #valueId(k: number, v: JsonValue): number {
    const m = this.#valueIds[k] as Map<JsonValue, number>;
    let id = m.get(v);
    if (id === undefined) {
      const dict = this.#d.pdict[k] as JsonValue[];
      id = dict.length;
      // SameValueZero, as `summaryProfile` values compare: "1" is not 1.
      m.set(v, id);
      dict.push(v);
    }
    return id;
  }

  /**
   * The profile of `ids`, found or added: keyed by the ids packed into one number, 5 bits
   * each, while every id is under 32 and they fit in 53 bits, else by their text.
   */
  #profileOf(ids: Int32Array): number {
    let key: number | string = 0;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k] as number;
      if (id >= 32 || !PROFILE_KEYS_PACK) {
        key = ids.join(',');
        break;
      }
      key = key * 32 + id;
    }
    let pi = this.#profileIndex.get(key);
    if (pi === undefined) {
      pi = this.#nProfiles++;
      this.#profileIndex.set(key, pi);
      const nk = ids.length;
      if ((pi + 1) * nk > this.#prow.length) this.#prow = grown(this.#prow, 2 * this.#prow.length);
      for (let k = 0; k < nk; k++) this.#prow[pi * nk + k] = (ids[k] as number) - 1;
    }
    return pi;
  }

  finish(read: { lines: number; events: number; skipped: number; samples: SkippedLine[] }, pending: AgentmeterEvent[]): SpanDigest {
    const d = this.#d;
    d.lines = read.lines;
    d.events = read.events;
    d.skipped = read.skipped;
    d.samples = read.samples;
    d.pending = pending;
    const n = this.#n;
    d.hash = this.#hash.subarray(0, n);
    d.start = this.#start.subarray(0, n);
    d.dur = this.#dur.subarray(0, n);
    d.profile = this.#profile.subarray(0, n);
    d.env = this.#env.subarray(0, n);
    d.points = this.#points.subarray(0, n);
    d.layout = this.#layout.subarray(0, n);
    d.kind = this.#kind.subarray(0, n);
    d.status = this.#status.subarray(0, n);
    d.nums = this.#nums.subarray(0, this.#nNums);
    d.prow = this.#prow.subarray(0, this.#nProfiles * SUMMARY_PROFILE_KEYS.length);
    const rows = this.#nDetail;
    d.dAt = this.#dAt.subarray(0, rows);
    d.dEnd = this.#dEnd.subarray(0, rows);
    d.dName = this.#dName.subarray(0, rows);
    d.dId = this.#dId.subarray(0, rows * 16);
    d.dParent = this.#dParent.subarray(0, rows);
    d.dRun = this.#dRun.subarray(0, rows);
    d.dLinkIds = this.#dLinkIds.subarray(0, 16 * this.#nLinks);
    return d;
  }
}

const DETAIL_KIND_SET = new Set<string>(DETAIL_KINDS);

/** Which kinds (by index into SPAN_KINDS) a replay hands over with their detail; undefined: none. */
function detailWanted(detail: boolean | readonly SpanKind[]): Uint8Array | undefined {
  if (detail === false || (detail !== true && detail.length === 0)) return undefined;
  const wanted = new Uint8Array(SPAN_KINDS.length);
  for (const k of detail === true ? DETAIL_KINDS : detail) if (DETAIL_KIND_SET.has(k)) wanted[SPAN_KINDS.indexOf(k)] = 1;
  return wanted;
}

/** The status column's value for a span without a status (open or abandoned). */
export const NO_STATUS = 255;

/** The parent column's value for a span without a parent. */
const NO_LINK = 0xffffffff;

/** Whether a profile's value indexes, 5 bits a key, fit in a number's 53 bits. */
const PROFILE_KEYS_PACK = SUMMARY_PROFILE_KEYS.length * 5 <= 53;

if (SUMMARY_NUMBER_KEYS.length > 30) throw new Error('span digest layouts are bit masks of at most 30 number keys');

// Detail keys' slots: DETAIL_SLOT and up.
export const DETAIL_SLOT = 1000;

/** Summary attribute → its slot: number keys by index (≥ 0), profile keys as -1 - index, detail keys from DETAIL_SLOT. */
const ATTR_SLOTS = new Map<string, number>([
  ...SUMMARY_NUMBER_KEYS.map((k, i) => [k, i] as const),
  ...SUMMARY_PROFILE_KEYS.map((k, i) => [k, -1 - i] as const),
  ...DETAIL_KEYS.map((k, i) => [k, DETAIL_SLOT + i] as const),
]);
if (ATTR_SLOTS.size !== SUMMARY_NUMBER_KEYS.length + SUMMARY_PROFILE_KEYS.length + DETAIL_KEYS.length) throw new Error('a summary key is in two of the profile, number and detail lists');

/** Whether spans of a kind (an index into SPAN_KINDS) have a detail row (`DigestBuilder.detailRow`). */
export function isDetailKind(kind: number): boolean {
  return DETAIL_SLOTS_OF[kind] !== undefined;
}

/** Every attribute key the digest keeps, with its slot for `DigestBuilder.attr`. */
export function attrSlots(): [string, number][] {
  return [...ATTR_SLOTS];
}

/** Per kind (by index into SPAN_KINDS), which detail keys (by slot - DETAIL_SLOT) its spans keep; undefined: not a detail kind. */
const DETAIL_SLOTS_OF: (Uint8Array | undefined)[] = SPAN_KINDS.map((kind) => {
  const keys = DETAIL_KEYS_OF[kind];
  if (keys === undefined) return undefined;
  const flags = new Uint8Array(DETAIL_KEYS.length);
  for (const k of keys) flags[DETAIL_KEYS.indexOf(k)] = 1;
  return flags;
});

const MAGIC = 0x44534d41; // "AMSD" little-endian
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type ColumnName = 'hash' | 'start' | 'dur' | 'nums' | 'profile' | 'env' | 'points' | 'layout' | 'kind' | 'status' | 'prow' | 'dAt' | 'dEnd' | 'dName' | 'dId' | 'dParent' | 'dRun' | 'dLinkIds';
/** Each column: its type, and its length in the header's counts times a width. */
const COLUMNS: readonly [ColumnName, Float64ArrayConstructor | Uint32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor, 'n' | 'nNums' | 'nDetail' | 'nLinks' | 'nProw', number][] = [
  ['hash', Float64Array, 'n', 1],
  ['start', Float64Array, 'n', 1],
  ['dur', Float64Array, 'n', 1],
  ['nums', Float64Array, 'nNums', 1],
  ['dEnd', Float64Array, 'nDetail', 1],
  ['profile', Uint32Array, 'n', 1],
  ['env', Uint32Array, 'n', 1],
  ['points', Uint32Array, 'n', 1],
  ['layout', Uint32Array, 'n', 1],
  ['dAt', Uint32Array, 'nDetail', 1],
  ['dName', Uint32Array, 'nDetail', 1],
  ['dParent', Uint32Array, 'nDetail', 1],
  ['dRun', Uint32Array, 'nDetail', 1],
  ['prow', Int32Array, 'nProw', 1],
  ['kind', Uint8Array, 'n', 1],
  ['status', Uint8Array, 'n', 1],
  ['dId', Uint8Array, 'nDetail', 16],
  ['dLinkIds', Uint8Array, 'nLinks', 16],
];

const align8 = (n: number): number => (n + 7) & ~7;

/** Whether `a` is the first `n` numbers of `b`. */
function sameIds(a: readonly number[], b: readonly number[], n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The header's compact forms. Profiles are rows of indexes into one dictionary per profile
 * key, and pending feedback (most of what a segment leaves to the fold across segments) is
 * stored in columns with shared attribute objects (as JSON text, parsed once per scan):
 * JSON objects with repeated keys cost far more to parse, and to hold in memory until the
 * fold ends, than arrays of values. The attribute objects' texts follow the columns as they
 * are, their lengths in bytes in the header: inside the header, each text written again as a
 * JSON string, they were most of its length and of its time to write and read.
 */
interface CompactHeader {
  pdict: JsonValue[][];
  nFb: number;
  fbEnvs: string[];
  fbSources: string[];
  fbAttrLen: number[];
}

/** A digest's profiles as attribute objects (in SUMMARY_PROFILE_KEYS order, as `summaryProfile` makes them). */
function expandProfiles(pdict: JsonValue[][], prow: ArrayLike<number>): BaseAttributes[] {
  const nk = SUMMARY_PROFILE_KEYS.length;
  const out: BaseAttributes[] = [];
  for (let at = 0; at < prow.length; at += nk) {
    const p: BaseAttributes = {};
    for (let ki = 0; ki < nk; ki++) {
      const i = prow[at + ki] as number;
      if (i >= 0) p[SUMMARY_PROFILE_KEYS[ki] as string] = (pdict[ki] as JsonValue[])[i] as JsonValue;
    }
    out.push(p);
  }
  return out;
}

/** About how many bytes of a segment a span takes: to size a digest's columns, and a scan's set of finished spans. */
export const SPAN_BYTES = 1024;

/**
 * The size of a buffer to hold a digest of `size` bytes: an eighth more, rounded up to 64
 * KiB, so that a buffer kept for reuse also serves the next, somewhat larger, digest. Rounded
 * up only, one in ten of a cold read's digests (724-808 KB) found every buffer handed back
 * too small, and was written into fresh memory (docs/performance.md, "Cold reads, ninth pass").
 */
export function digestBufferSize(size: number): number {
  const room = size + (size >>> 3);
  return room + 0xffff - ((room + 0xffff) % 0x10000);
}

/**
 * Serialise a digest: magic, header length, JSON header, then 8-byte aligned columns.
 * `alloc` gives the buffer to write into (at least `size` bytes, starting on 8 bytes): a
 * fold worker reuses the buffers the reading thread hands back (fold-pool.ts).
 */
export function encodeDigest(d: SpanDigest, alloc: (size: number) => Buffer = (size) => Buffer.alloc(size)): Buffer {
  const { hash, kind, status, start, dur, env, points, profile, layout, nums, pdict, prow, pending, feedback, dAt, dEnd, dName, dId, dParent, dRun, dLinkIds, dMore, ...header } = d;
  // Each kind's detail tail as its bytes (a decoded digest's) or its JSON text, written into
  // the digest in place: made into buffers and joined, they were a tenth of what encoding allocated.
  const moreParts = dMore.map((m) => (m instanceof Uint8Array ? m : JSON.stringify(m)));
  const moreLen = moreParts.map((m) => (typeof m === 'string' ? Buffer.byteLength(m, 'utf8') : m.length));
  const moreBytes = sum(moreLen);
  let { fb, rest }: { fb: FeedbackBuild; rest: AgentmeterEvent[] } = compactFeedback(pending);
  if (feedback) {
    // Columns already (a decoded digest, or the line scanner's fold) go as they are when the
    // events bring none; else all of it is made into columns again, events first.
    if (fb.tsMs.length === 0) fb = feedback;
    else ({ fb, rest } = compactFeedback([...pending, ...expanded(feedback)]));
  }
  const nFb = fb.tsMs.length;
  const attrLen = fb.attrText.map((t) => Buffer.byteLength(t, 'utf8'));
  const attrBytes = sum(attrLen);
  const compact: CompactHeader = { pdict, nFb, fbEnvs: fb.envs, fbSources: fb.sources, fbAttrLen: attrLen };
  const head = Buffer.from(JSON.stringify({ ...header, ...compact, pending: rest, n: hash.length, nNums: nums.length, nDetail: dAt.length, nLinks: dLinkIds.length / 16, nProw: prow.length, nMore: moreLen, le: LITTLE_ENDIAN }), 'utf8');
  const cols: Record<AnyColumnName, ArrayLike<number>> = {
    hash, kind, status, start, dur, env, points, profile, layout, nums, prow, dAt, dEnd, dName, dId, dParent, dRun, dLinkIds,
    fbUuids: fb.uuids, fbTs: fb.tsMs, fbRating: fb.rating, fbEnv: fb.env, fbSource: fb.source, fbAttrs: fb.attrs, fbFlags: fb.flags, fbAttrHash: fb.attrHash,
  };
  const size = columnsEnd(align8(8 + head.length), cols);
  const total = size + moreBytes + attrBytes;
  const out = alloc(total).subarray(0, total);
  if (out.byteOffset % 8 !== 0) throw new Error('encodeDigest: the buffer must start on 8 bytes');
  // The padding between columns is zero whatever the buffer held before.
  out.fill(0, 0, size);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(head.length, 4);
  head.copy(out, 8);
  const at = writeColumns(out, align8(8 + head.length), cols);
  writeTexts(out, writeParts(out, at, moreParts), fb.attrText);
  return out;
}

// What `encodeDigest` repeats per column or text is in the small functions below. It is
// called once per segment, and with these loops in its body V8 optimized it, at a cost of
// tens of milliseconds of compiling per worker, more than its whole run takes
// (docs/performance.md, "Cold reads, eighth pass").

function sum(xs: readonly number[]): number {
  let n = 0;
  for (const x of xs) n += x;
  return n;
}

/** Where the columns end when they start at `at`, each on 8 bytes. */
function columnsEnd(at: number, cols: Record<AnyColumnName, ArrayLike<number>>): number {
  for (const [name, T] of ALL_COLUMNS) at = align8(at + cols[name].length * T.BYTES_PER_ELEMENT);
  return at;
}

function writeColumns(out: Buffer, at: number, cols: Record<AnyColumnName, ArrayLike<number>>): number {
  for (const [name, T] of ALL_COLUMNS) at = align8(at + writeColumn(out, at, T, cols[name]));
  return at;
}

function writeTexts(out: Buffer, at: number, texts: readonly string[]): void {
  for (const t of texts) at += out.write(t, at, 'utf8');
}

/** Write each part (bytes, or text as UTF-8) at `at` of `out`, one after another; returns where they end. */
function writeParts(out: Buffer, at: number, parts: readonly (Uint8Array | string)[]): number {
  for (const p of parts) {
    if (typeof p === 'string') at += out.write(p, at, 'utf8');
    else {
      out.set(p, at);
      at += p.length;
    }
  }
  return at;
}

/** A column's type in a digest. */
type ColumnType = Float64ArrayConstructor | Uint32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;

/**
 * Write `col` at `at` of `out` as elements of `T`, in place; returns its bytes. A column that
 * is a `T` already (every column a fold builds) is copied as bytes, so this stays one small,
 * monomorphic function: with a typed view made and set per column type, `encodeDigest` was
 * among the largest functions a fold worker optimized (docs/performance.md, "Cold reads,
 * eighth pass").
 */
function writeColumn(out: Buffer, at: number, T: ColumnType, col: ArrayLike<number>): number {
  const bytes = col.length * T.BYTES_PER_ELEMENT;
  if (col.constructor === T) {
    const typed = col as InstanceType<ColumnType>;
    out.set(new Uint8Array(typed.buffer, typed.byteOffset, bytes), at);
  } else {
    const view = new T(out.buffer as ArrayBuffer, out.byteOffset + at, col.length);
    for (let i = 0; i < col.length; i++) view[i] = col[i] as number;
  }
  return bytes;
}

function expanded(fb: FeedbackColumns): AgentmeterEvent[] {
  const out: AgentmeterEvent[] = [];
  expandFeedback(fb, out);
  return out;
}

/** Every column in the order written: the span columns, the feedback's, then the hash of each feedback attribute text. */
const ALL_COLUMNS = [...COLUMNS.map(([name, T]) => [name, T] as const), ...FB_COLUMNS.map(([name, T]) => [name, T] as const), ['fbAttrHash', Float64Array] as const];
type AnyColumnName = ColumnName | FbColumnName | 'fbAttrHash';

type Header = Omit<SpanDigest, ColumnName | 'pdict' | 'feedback' | 'dMore'> & CompactHeader & { n: number; nNums: number; nDetail: number; nLinks: number; nProw: number; nMore: number[]; le: boolean };

/** Read a digest; `undefined` when it is corrupt, truncated, or of another version or keys. */
export function decodeDigest(buf: Buffer): SpanDigest | undefined {
  try {
    if (buf.length < 8 || buf.readUInt32LE(0) !== MAGIC) return undefined;
    const headLen = buf.readUInt32LE(4);
    const header = JSON.parse(buf.toString('utf8', 8, 8 + headLen)) as Header;
    if (header.v !== DIGEST_VERSION || header.keys !== SUMMARY_SIGNATURE || header.le !== LITTLE_ENDIAN) return undefined;
    // Typed views need aligned offsets; a pooled Buffer may not start on 8 bytes.
    const bytes = buf.byteOffset % 8 === 0 ? buf : Buffer.from(buf);
    const cols: Partial<Record<ColumnName, ArrayLike<number>>> = {};
    let at = align8(8 + headLen);
    for (const [name, T, count, width] of COLUMNS) {
      const len = header[count] * width;
      if (at + len * T.BYTES_PER_ELEMENT > bytes.length) return undefined;
      cols[name] = new T(bytes.buffer as ArrayBuffer, bytes.byteOffset + at, len);
      at = align8(at + len * T.BYTES_PER_ELEMENT);
    }
    const fbCols: Partial<Record<FbColumnName, ArrayLike<number>>> = {};
    for (const [name, T, width] of FB_COLUMNS) {
      const len = header.nFb * width;
      if (at + len * T.BYTES_PER_ELEMENT > bytes.length) return undefined;
      fbCols[name] = new T(bytes.buffer as ArrayBuffer, bytes.byteOffset + at, len);
      at = align8(at + len * T.BYTES_PER_ELEMENT);
    }
    if (!Array.isArray(header.fbAttrLen)) return undefined;
    const nTexts = header.fbAttrLen.length;
    if (at + nTexts * 8 > bytes.length) return undefined;
    const attrHash = new Float64Array(bytes.buffer as ArrayBuffer, bytes.byteOffset + at, nTexts);
    at = align8(at + nTexts * 8);
    if (!Array.isArray(header.nMore) || header.nMore.length !== SPAN_KINDS.length) return undefined;
    const dMore: Uint8Array[] = [];
    for (const len of header.nMore) {
      if (!Number.isInteger(len) || len < 0 || at + len > bytes.length) return undefined;
      dMore.push(bytes.subarray(at, at + len));
      at += len;
    }
    const attrText = textsAt(bytes, at, header.fbAttrLen);
    if (attrText === undefined) return undefined;
    const c = fbCols as Record<FbColumnName, never>;
    const h = header;
    const feedback: FeedbackColumns = {
      n: h.nFb, uuids: c.fbUuids, tsMs: c.fbTs, rating: c.fbRating, flags: c.fbFlags, env: c.fbEnv, source: c.fbSource, attrs: c.fbAttrs,
      envs: h.fbEnvs, sources: h.fbSources, attrText, attrHash,
    };
    const k = cols as Record<ColumnName, ArrayLike<number>>;
    // Every digest of one shape, its keys in `DigestBuilder`'s order (spread from the header,
    // they came in whatever order and form it had): `replayDigest`'s optimized code was
    // thrown away when a digest of another shape came.
    return {
      v: h.v, keys: h.keys, size: h.size, mtimeMs: h.mtimeMs, lines: h.lines, events: h.events, skipped: h.skipped, samples: h.samples,
      hash: k.hash, kind: k.kind, status: k.status, start: k.start, dur: k.dur, env: k.env, points: k.points, profile: k.profile, layout: k.layout, nums: k.nums,
      envs: h.envs, pdict: h.pdict, prow: k.prow, layouts: h.layouts, pending: h.pending,
      dAt: k.dAt, dEnd: k.dEnd, dName: k.dName, dId: k.dId as Uint8Array, dParent: k.dParent, dRun: k.dRun, dLinkIds: k.dLinkIds as Uint8Array, linkOdd: h.linkOdd,
      dMore, feedback, fixed: h.fixed, detail: h.detail === false ? false : undefined,
    };
  } catch {
    return undefined;
  }
}

/**
 * The texts of `lengths` bytes each from `at` on, or undefined when a length is not one or
 * runs past the bytes. Apart from `decodeDigest`, whose once-per-segment body V8 optimized
 * for this loop's sake (see `encodeDigest`'s helpers).
 */
function textsAt(bytes: Buffer, at: number, lengths: readonly unknown[]): string[] | undefined {
  const out = anyList<string>();
  for (const len of lengths) {
    if (typeof len !== 'number' || !Number.isInteger(len) || len < 0 || at + len > bytes.length) return undefined;
    out.push(bytes.toString('utf8', at, at + len));
    at += len;
  }
  return out;
}

/** The `DetailMore` of a digest's kind `k` (an index into SPAN_KINDS): as built, or parsed from its JSON. */
function detailMore(d: SpanDigest, k: number): DetailMore {
  const m = d.dMore[k] as DetailMore | Uint8Array;
  if (!(m instanceof Uint8Array)) return m;
  return JSON.parse(Buffer.from(m.buffer, m.byteOffset, m.length).toString('utf8')) as DetailMore;
}

/**
 * Parse a decoded digest's detail of `kinds` in place; false when it is damaged (unparsable,
 * or rows that point outside the digest), so the reader folds the segment again instead of
 * handing over spans without their detail. Only reads that ask for a kind's detail pay for it.
 */
export function parseDetail(d: SpanDigest, kinds: boolean | readonly SpanKind[] = true): boolean {
  const wanted = detailWanted(kinds);
  if (wanted === undefined) return true;
  if (d.detail === false) return false;
  const mores: (DetailMore | undefined)[] = [];
  for (let k = 0; k < SPAN_KINDS.length; k++) {
    if (wanted[k] === 0) continue;
    let m: DetailMore;
    try {
      m = detailMore(d, k);
    } catch {
      return false;
    }
    if (m === null || typeof m !== 'object' || !Array.isArray(m.names) || !Array.isArray(m.odd) || !Array.isArray(m.attrs) || !Array.isArray(m.keys) || !Array.isArray(m.shapes)) return false;
    mores[k] = m;
  }
  const n = d.hash.length;
  const rows = d.dAt.length;
  const links = d.dLinkIds.length / 16;
  if (!Array.isArray(d.linkOdd) || !d.linkOdd.every((x) => Array.isArray(x) && Number.isInteger(x[0]) && x[0] >= 0 && x[0] < links && typeof x[1] === 'string')) return false;
  let last = -1;
  for (let r = 0; r < rows; r++) {
    const at = d.dAt[r] as number;
    const parent = d.dParent[r] as number;
    if (at <= last || at >= n || (parent >= links && parent !== NO_LINK) || (d.dRun[r] as number) >= links) return false;
    last = at;
    const m = mores[d.kind[at] as number];
    if (m !== undefined && typeof m.names[d.dName[r] as number] !== 'string') return false;
  }
  const row = (x: unknown): boolean => Array.isArray(x) && Number.isInteger(x[0]) && (x[0] as number) >= 0 && (x[0] as number) < rows;
  for (let k = 0; k < SPAN_KINDS.length; k++) {
    const m = mores[k];
    if (m === undefined) continue;
    if (!m.odd.every((x) => row(x) && typeof x[1] === 'string')) return false;
    if (!m.keys.every((k) => typeof k === 'string')) return false;
    if (!m.shapes.every((sh) => Array.isArray(sh) && sh.every((k) => Number.isInteger(k) && k >= 0 && k < m.keys.length))) return false;
    for (let i = 0; i < m.attrs.length; ) {
      const shape = m.shapes[m.attrs[i + 1] as number];
      if (!row([m.attrs[i]]) || shape === undefined || i + 2 + shape.length > m.attrs.length) return false;
      i += 2 + shape.length;
    }
    d.dMore[k] = m;
  }
  return true;
}

/**
 * Hand each span of a digest to `emit` whose row `i` is marked new, `fresh[i]` 1 (0: a
 * duplicate; `SpanFolder.markAllFinished` marks them). A flag per row, not a callback given
 * the span's hash: a hash above 2^31 passed to a function was a heap number per span.
 * Allocation-free: one summary object and one attributes object per (profile, layout) are
 * reused, so `emit` must not keep references (ReportBuilder.addSpan does not). With
 * `detail` (true: every kind of `DETAIL_KINDS`, or a list of them), spans of those kinds come
 * with their id, name and end, and with `links` their parent and run (and a fresh attributes
 * object when they have detail attributes), the digest's other spans with those fields
 * undefined.
 */
export function replayDigest(
  d: SpanDigest,
  fresh: Uint8Array,
  emit: (s: DetailedSummary) => void,
  detail: boolean | readonly SpanKind[] = false,
  links = false,
): void {
  const wanted = detailWanted(detail);
  const scratch = new Map<number, BaseAttributes>();
  // The wanted kinds' tails, and their odd ids and attributes by row.
  const mores: (DetailMore | undefined)[] = [];
  const odd = new Map<number, string>();
  // The text of each link id, made once per digest when first used: the spans of a segment
  // share a few hundred parents and runs, so a reader keeping them keeps each once.
  const linkText: (string | undefined)[] = [];
  // Checked by `parseDetail`, as a read with detail loads a digest.
  if (links && wanted) for (const [i, id] of d.linkOdd) linkText[i] = id;
  const link = (i: number): string => (linkText[i] ??= unpackUuid(d.dLinkIds, 16 * i));
  // Keys in the order of the fold's spans (`spanFromParts`), so that replayed summaries and
  // spans folded from pending events share their shape: the accumulators that take both
  // stay monomorphic, and their optimized code was thrown away when the second shape came.
  const s: DetailedSummary = {
    spanId: undefined, runId: undefined, parentId: undefined, kind: 'run', name: undefined, env: '',
    startMs: 0, endMs: undefined, durationMs: null, status: null, state: 'ended', attrs: {}, pointEvents: 0,
  };

  // Rows with detail attributes: their keys, the tail's values and where theirs start.
  const extra = new Map<number, readonly [keys: string[], values: JsonValue[], at: number]>();
  if (wanted) {
    for (let k = 0; k < SPAN_KINDS.length; k++) {
      if (wanted[k] === 0) continue;
      const m = detailMore(d, k);
      mores[k] = m;
      for (const [r, id] of m.odd) odd.set(r, id);
      // Each key list holds strings from the start, an empty one too: lists of other kinds
      // threw the replay's optimized code away as they came.
      const shapes = m.shapes.map((sh) => {
        const keys = anyList<string>();
        for (const k of sh) keys.push(m.keys[k] as string);
        return keys;
      });
      for (let j = 0; j < m.attrs.length; ) {
        const keys = shapes[m.attrs[j + 1] as number] as string[];
        extra.set(m.attrs[j] as number, [keys, m.attrs, j + 2]);
        j += 2 + keys.length;
      }
    }
  }
  const nDetail = wanted ? d.dAt.length : 0;
  let row = 0;
  let nextDetail = nDetail > 0 ? (d.dAt[0] as number) : -1;
  let numAt = 0;
  const n = d.hash.length;
  const profiles = expandProfiles(d.pdict, d.prow);
  const nProfiles = profiles.length;
  for (let i = 0; i < n; i++) {
    const li = d.layout[i] as number;
    const layout = d.layouts[li] as number[];
    // This span's detail row, or -1.
    let r = -1;
    if (i === nextDetail) {
      r = row++;
      nextDetail = row < nDetail ? (d.dAt[row] as number) : -1;
      if ((wanted as Uint8Array)[d.kind[i] as number] === 0) r = -1;
    }
    if (fresh[i] !== 1) {
      numAt += layout.length;
      continue;
    }
    const pi = d.profile[i] as number;
    let attrs = profiles[pi] as BaseAttributes;
    if (layout.length > 0) {
      const key = li * nProfiles + pi;
      let a = scratch.get(key);
      if (!a) {
        a = Object.assign({}, attrs);
        scratch.set(key, a);
      }
      for (const k of layout) a[SUMMARY_NUMBER_KEYS[k] as string] = d.nums[numAt++] as number;
      attrs = a;
    }
    const status = d.status[i] as number;
    const dur = d.dur[i] as number;
    s.kind = SPAN_KINDS[d.kind[i] as number] as DetailedSummary['kind'];
    s.env = d.envs[d.env[i] as number] as string;
    s.startMs = d.start[i] as number;
    s.durationMs = Number.isNaN(dur) ? null : dur;
    s.status = status === NO_STATUS ? null : (SPAN_STATUSES[status] as SpanStatus);
    s.attrs = attrs;
    s.pointEvents = d.points[i] as number;
    if (wanted) {
      if (r < 0) {
        s.spanId = undefined;
        s.parentId = undefined;
        s.runId = undefined;
        s.name = undefined;
        s.endMs = undefined;
      } else {
        const end = d.dEnd[r] as number;
        s.spanId = (odd.size > 0 ? odd.get(r) : undefined) ?? unpackUuid(d.dId, r * 16);
        if (links) {
          const parent = d.dParent[r] as number;
          s.parentId = parent === NO_LINK ? null : link(parent);
          s.runId = link(d.dRun[r] as number);
        }
        s.name = (mores[d.kind[i] as number] as DetailMore).names[d.dName[r] as number];
        s.endMs = Number.isNaN(end) ? null : end;
        const x = extra.size > 0 ? extra.get(r) : undefined;
        if (x !== undefined) {
          const [keys, values, from] = x;
          const a: BaseAttributes = { ...attrs };
          for (let j = 0; j < keys.length; j++) a[keys[j] as string] = values[from + j] as JsonValue;
          s.attrs = a;
        }
      }
    }
    emit(s);
  }
}
