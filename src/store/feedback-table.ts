import type { BaseAttributes, FeedbackEvent } from '../model/events.js';
import { hashId } from '../model/fold.js';
import { HashMap53 } from '../model/hash-set.js';
import type { FoldStats } from '../model/fold.js';
import type { Feedback, FeedbackSummary } from '../model/span.js';
import { parseIsoMs } from '../model/time.js';
import { grown, intern } from '../model/columns.js';
import { packUuid, unpackUuid } from '../model/packed-uuid.js';
import type { FeedbackColumns } from './digest-feedback.js';

/** Options of a `FeedbackTable`. */
export interface FeedbackTableOptions {
  /**
   * Keep each feedback's ids, for `emit` (default true). A reader that takes summaries only
   * (`emitSummaries`, a report) keeps none: they were 48 of each row's 86 bytes.
   */
  ids?: boolean;
  /**
   * About how many rows the scan may keep (one per span with feedback at most): the columns
   * are made that long at once, and grow by doubling past it. Memory of a typed array is taken
   * from the system as rows are written, so rows never written cost nothing, where columns
   * doubled from 1,024 rows each took fresh memory and copied the rows before them: on a
   * machine whose first touch of a page costs about 10 µs, that was a fifth of what the
   * table cost a report (docs/performance.md, "Cold reads, ninth pass").
   */
  rows?: number;
}

/**
 * Rows a table makes its columns for at once, at most (`FeedbackTableOptions.rows`): 86 MB of
 * address space with ids, 38 MB without, of which only the rows written take memory.
 */
const MAX_RESERVED_ROWS = 1 << 20;

/**
 * The last feedback per span across a whole scan, as `SpanFolder` keeps it (a repeated event
 * id is a duplicate; otherwise the later `ts` wins, a tie going to the one read last), but
 * held in flat columns: a report over a year may hold hundreds of thousands of them until the
 * scan ends, and as event objects with their own id strings they were most of its memory.
 * Canonical UUIDs are kept as 16 bytes each and turned back into text when emitted.
 */
export class FeedbackTable {
  /** Slots by span: a canonical span id by 53 of its bits (`keyOf`), another by its text. */
  readonly #slots = new HashMap53();
  readonly #oddSlots = new Map<string, number>();
  #n = 0;
  #idHash: Float64Array;
  #tsMs: Float64Array;
  #rating: Float64Array;
  /** 0 false, 1 true, 2 null. */
  #success: Uint8Array;
  #env: Uint32Array;
  #source: Uint32Array;
  #attrs: Uint32Array;
  /** With ids: id, span id, run id, 16 bytes each when canonical; and as 12 words a slot, to copy them. */
  readonly #ids: boolean;
  #uuids: Uint8Array;
  #uuidWords: Int32Array;
  /** With ids, flags per slot: which of id, span id, run id are in `#odd` as text (bit 0–2), run id null (bit 3). */
  #flags: Uint8Array;
  readonly #odd = new Map<number, string>();
  readonly #scratch = new Uint8Array(48);
  readonly #strings: string[] = [];
  readonly #stringIndex = new Map<string, number>();
  /**
   * Attribute objects by their JSON text, one per distinct content: digests bring theirs as
   * text (each digest its own), events as objects; kept as parsed per digest, they were most
   * of what a cold report held at the end of its scan (12,000 copies of the same project
   * names over 1 M events), and parsing them a tenth of a warm report.
   */
  readonly #attrList: BaseAttributes[] = [];
  readonly #attrKeys = new Map<string, number>();
  /**
   * The same by the text's `hashId`, as digests give it (`FeedbackColumns.attrHash`), with
   * each one's text to tell apart two texts of one hash: 66,000 texts of 1,000,000 events,
   * 1,920 of them distinct, were each hashed again as a `Map` key, a tenth of a warm report
   * (docs/performance.md, "Cold reads, twelfth pass").
   */
  readonly #attrByHash = new HashMap53();
  readonly #attrTextOf: string[] = [];
  readonly #stats: FoldStats;

  /** `stats`: the fold's counters, which count feedback events and duplicates too. */
  constructor(stats: FoldStats, o: FeedbackTableOptions = {}) {
    this.#stats = stats;
    this.#ids = o.ids ?? true;
    const n = Math.max(1024, Math.min(MAX_RESERVED_ROWS, Math.ceil(o.rows ?? 0)));
    this.#idHash = new Float64Array(n);
    this.#tsMs = new Float64Array(n);
    this.#rating = new Float64Array(n);
    this.#success = new Uint8Array(n);
    this.#env = new Uint32Array(n);
    this.#source = new Uint32Array(n);
    this.#attrs = new Uint32Array(n);
    this.#uuids = new Uint8Array(this.#ids ? n * 48 : 0);
    this.#uuidWords = new Int32Array(this.#uuids.buffer);
    this.#flags = new Uint8Array(this.#ids ? n : 0);
  }

  add(e: FeedbackEvent): void {
    this.#add(e.id, e.ts, e.span_id, e.run_id, e.env, e.success, e.rating, e.source, e.attrs);
  }

  /** Add the feedback columns of a span digest, as events in column order. */
  addColumns(fb: FeedbackColumns): void {
    const u = fb.uuids;
    const ids = this.#ids;
    // A digest's columns start on 8 bytes: its ids are copied 4 bytes at a time.
    const words = ids && u.byteOffset % 4 === 0 ? new Int32Array(u.buffer, u.byteOffset, u.length >> 2) : undefined;
    // Each of the digest's attribute texts, envs and sources is looked up once, when first used.
    const attrIds = new Int32Array(fb.attrText.length).fill(-1);
    const envIds = new Int32Array(fb.envs.length).fill(-1);
    const sourceIds = new Int32Array(fb.sources.length).fill(-1);
    for (let i = 0; i < fb.n; i++) {
      this.#stats.events++;
      const at = i * 48;
      const slot = this.#claim(keyOf(u, at + 16), keyOf(u, at), fb.tsMs[i] as number);
      if (slot < 0) continue;
      const flags = fb.flags[i] as number;
      const success = flags & 3;
      const ai = fb.attrs[i] as number;
      if ((attrIds[ai] as number) < 0) attrIds[ai] = this.#attrIdOfHashed(fb.attrText[ai] as string, fb.attrHash[ai] as number);
      const ei = fb.env[i] as number;
      if ((envIds[ei] as number) < 0) envIds[ei] = this.#intern(fb.envs[ei] as string);
      const si = fb.source[i] as number;
      if ((sourceIds[si] as number) < 0) sourceIds[si] = this.#intern(fb.sources[si] as string);
      this.#put(slot, fb.rating[i] as number, success === 2 ? null : success === 1, envIds[ei] as number, sourceIds[si] as number, attrIds[ai] as number);
      if (!ids) continue;
      if (words !== undefined) {
        const d = this.#uuidWords;
        for (let k = 0, to = slot * 12, from = i * 12; k < 12; k++) d[to + k] = words[from + k] as number;
      } else {
        const d = this.#uuids;
        for (let k = 0, to = slot * 48; k < 48; k++) d[to + k] = u[at + k] as number;
      }
      this.#setOdd(slot, flags & 4 ? 8 : 0, undefined, undefined, undefined);
    }
  }

  #add(
    id: string,
    ts: string,
    spanId: string,
    runId: string | null,
    env: string,
    success: boolean | null,
    rating: number | null,
    source: string,
    attrs: BaseAttributes,
  ): void {
    this.#stats.events++;
    const scratch = this.#scratch;
    let flags = 0;
    if (!packUuid(id, scratch, 0)) flags |= 1;
    if (!packUuid(spanId, scratch, 16)) flags |= 2;
    if (runId === null) flags |= 8;
    else if (!packUuid(runId, scratch, 32)) flags |= 4;
    // A canonical span id is keyed by 53 of its random bits (no string kept), others by text.
    const key = flags & 2 ? spanId : keyOf(scratch, 16);
    const idHash = flags & 1 ? hashId(id) : keyOf(scratch, 0);
    const slot = this.#claim(key, idHash, parseIsoMs(ts));
    if (slot < 0) return;
    this.#put(slot, rating === null ? NaN : rating, success, this.#intern(env), this.#intern(source), this.#attrId(attrs));
    if (!this.#ids) return;
    const u = this.#uuids;
    const at = slot * 48;
    for (let i = 0; i < 48; i++) u[at + i] = scratch[i] as number;
    this.#setOdd(slot, flags, id, spanId, runId);
  }

  /** The slot for this feedback, or -1 when the kept one stays (a duplicate, or later). */
  #claim(key: string | number, idHash: number, tsMs: number): number {
    let slot = typeof key === 'number' ? this.#slots.get(key) : (this.#oddSlots.get(key) ?? -1);
    if (slot >= 0) {
      if (this.#idHash[slot] === idHash) {
        this.#stats.duplicates++;
        return -1;
      }
      if ((this.#tsMs[slot] as number) > tsMs) return -1;
    } else {
      slot = this.#n++;
      if (slot >= this.#idHash.length) this.#grow();
      if (typeof key === 'number') this.#slots.set(key, slot);
      else this.#oddSlots.set(key, slot);
    }
    this.#idHash[slot] = idHash;
    this.#tsMs[slot] = tsMs;
    return slot;
  }

  /** A kept feedback's values; `env` and `source` by their index (`#intern`). */
  #put(slot: number, rating: number, success: boolean | null, env: number, source: number, attrId: number): void {
    this.#rating[slot] = rating;
    this.#success[slot] = success === null ? 2 : success ? 1 : 0;
    this.#env[slot] = env;
    this.#source[slot] = source;
    this.#attrs[slot] = attrId;
  }

  /** `#attrIdOfText` of a text whose `hashId` is `h` (anything else, from a damaged digest, is looked up by the text). */
  #attrIdOfHashed(text: string, h: number): number {
    if (!(Number.isInteger(h) && h >= 0 && h <= Number.MAX_SAFE_INTEGER)) return this.#attrIdOfText(text);
    const known = this.#attrByHash.get(h);
    if (known >= 0 && this.#attrTextOf[known] === text) return known;
    const ai = this.#attrIdOfText(text);
    // The first text of a hash keeps it; another of the same hash is looked up by its text.
    if (known < 0) {
      this.#attrByHash.set(h, ai);
      this.#attrTextOf[ai] = text;
    }
    return ai;
  }

  /** The index of the attribute object whose JSON text is `text`, parsed when first seen. */
  #attrIdOfText(text: string): number {
    let ai = this.#attrKeys.get(text);
    if (ai === undefined) {
      ai = this.#attrList.length;
      this.#attrList.push(JSON.parse(text) as BaseAttributes);
      this.#attrKeys.set(text, ai);
    }
    return ai;
  }

  /** The index of an attribute object equal to `attrs` (the first one seen), or of `attrs`, added. */
  #attrId(attrs: BaseAttributes): number {
    const key = contentKey(attrs);
    let ai = key === undefined ? undefined : this.#attrKeys.get(key);
    if (ai === undefined) {
      ai = this.#attrList.length;
      this.#attrList.push(attrs);
      if (key !== undefined) this.#attrKeys.set(key, ai);
    }
    return ai;
  }

  #setOdd(slot: number, flags: number, id: string | undefined, spanId: string | undefined, runId: string | null | undefined): void {
    const prev = this.#flags[slot] as number;
    if (flags & 1) this.#odd.set(slot * 3, id as string);
    else if (prev & 1) this.#odd.delete(slot * 3);
    if (flags & 2) this.#odd.set(slot * 3 + 1, spanId as string);
    if (flags & 4) this.#odd.set(slot * 3 + 2, runId as string);
    else if (prev & 4) this.#odd.delete(slot * 3 + 2);
    this.#flags[slot] = flags;
  }

  /** Hand each kept feedback to `emit`, in the order their spans were first seen (a table made with ids). */
  emit(emit: (f: Feedback) => void): void {
    if (!this.#ids) throw new Error('FeedbackTable.emit: the table keeps no ids (made with ids: false); emitSummaries hands over what it keeps');
    for (let slot = 0; slot < this.#n; slot++) {
      const flags = this.#flags[slot] as number;
      emit({
        id: this.#getUuid(slot, 0, flags),
        spanId: this.#getUuid(slot, 1, flags),
        runId: flags & 8 ? null : this.#getUuid(slot, 2, flags),
        ...this.#summary(slot),
      });
    }
  }

  /** `emit` without the ids, for a reader that reads none (`scanSummaries`' `onFeedbackSummary`). */
  emitSummaries(emit: (f: FeedbackSummary) => void): void {
    for (let slot = 0; slot < this.#n; slot++) emit(this.#summary(slot));
  }

  #summary(slot: number): FeedbackSummary {
    const success = this.#success[slot] as number;
    const rating = this.#rating[slot] as number;
    return {
      env: this.#strings[this.#env[slot] as number] as string,
      tsMs: this.#tsMs[slot] as number,
      success: success === 2 ? null : success === 1,
      rating: Number.isNaN(rating) ? null : rating,
      source: this.#strings[this.#source[slot] as number] as string,
      attrs: this.#attrList[this.#attrs[slot] as number] as BaseAttributes,
    };
  }

  #intern(s: string): number {
    return intern(this.#stringIndex, this.#strings, s);
  }

  #getUuid(slot: number, which: number, flags: number): string {
    if (flags & (1 << which)) return this.#odd.get(slot * 3 + which) as string;
    return unpackUuid(this.#uuids, slot * 48 + which * 16);
  }

  #grow(): void {
    // Doubling: each growth copies every column into fresh memory, which costs more than it holds.
    const n = this.#idHash.length * 2;
    this.#idHash = grown(this.#idHash, n);
    this.#tsMs = grown(this.#tsMs, n);
    this.#rating = grown(this.#rating, n);
    this.#success = grown(this.#success, n);
    this.#env = grown(this.#env, n);
    this.#source = grown(this.#source, n);
    this.#attrs = grown(this.#attrs, n);
    if (!this.#ids) return;
    this.#flags = grown(this.#flags, n);
    this.#uuids = grown(this.#uuids, n * 48);
    this.#uuidWords = new Int32Array(this.#uuids.buffer);
  }
}

/** 53 bits of the last 7 bytes of a packed UUID: the random part of a UUIDv7. */
function keyOf(b: Uint8Array, at: number): number {
  let hi = (b[at + 9] as number) & 0x1f;
  for (let i = 10; i < 12; i++) hi = hi * 256 + (b[at + i] as number);
  const lo = (((b[at + 12] as number) << 24) | ((b[at + 13] as number) << 16) | ((b[at + 14] as number) << 8) | (b[at + 15] as number)) >>> 0;
  return hi * 0x100000000 + lo;
}

/**
 * The JSON text of parsed attributes, which two of them share exactly when they are equal;
 * `undefined` (not shared) when a value is -0, which the text does not tell from 0.
 */
function contentKey(attrs: BaseAttributes): string | undefined {
  let exact = true;
  const key = JSON.stringify(attrs, (_k: string, v: unknown) => {
    if (v === 0 && Object.is(v, -0)) exact = false;
    return v;
  });
  return exact ? key : undefined;
}
