import type { BaseAttributes, FeedbackEvent } from '../model/events.js';
import { hashId } from '../model/fold.js';
import type { FoldStats } from '../model/fold.js';
import type { Feedback } from '../model/span.js';
import type { FeedbackColumns } from './span-digest.js';

/**
 * The last feedback per span across a whole scan, as `SpanFolder` keeps it (a repeated event
 * id is a duplicate; otherwise the later `ts` wins, a tie going to the one read last), but
 * held in flat columns: a report over a year may hold hundreds of thousands of them until the
 * scan ends, and as event objects with their own id strings they were most of its memory.
 * Canonical UUIDs are kept as 16 bytes each and turned back into text when emitted.
 */
export class FeedbackTable {
  readonly #slots = new Map<string | number, number>();
  #n = 0;
  #idHash = new Float64Array(1024);
  #tsMs = new Float64Array(1024);
  #rating = new Float64Array(1024);
  /** 0 false, 1 true, 2 null. */
  #success = new Uint8Array(1024);
  #env = new Uint32Array(1024);
  #source = new Uint32Array(1024);
  #attrs = new Uint32Array(1024);
  /** id, span id, run id: 16 bytes each when canonical. */
  #uuids = new Uint8Array(1024 * 48);
  /** Flags per slot: which of id, span id, run id are in `#odd` as text (bit 0–2), run id null (bit 3). */
  #flags = new Uint8Array(1024);
  readonly #odd = new Map<number, string>();
  readonly #strings: string[] = [];
  readonly #stringIndex = new Map<string, number>();
  readonly #attrList: BaseAttributes[] = [];
  readonly #attrIndex = new Map<BaseAttributes, number>();
  readonly #stats: FoldStats;

  /** `stats`: the fold's counters, which count feedback events and duplicates too. */
  constructor(stats: FoldStats) {
    this.#stats = stats;
  }

  add(e: FeedbackEvent): void {
    this.#add(e.id, e.ts, e.span_id, e.run_id, e.env, e.success, e.rating, e.source, e.attrs);
  }

  /** Add the feedback columns of a span digest, as events in column order. */
  addColumns(fb: FeedbackColumns): void {
    for (let i = 0; i < fb.id.length; i++) {
      this.#add(
        fb.id[i] as string,
        fb.ts[i] as string,
        fb.span[i] as string,
        fb.run[i] as string | null,
        fb.env[fb.envIdx[i] as number] as string,
        fb.success[i] as boolean | null,
        fb.rating[i] as number | null,
        fb.sources[fb.source[i] as number] as string,
        fb.attrSet[fb.attrs[i] as number] as BaseAttributes,
      );
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
    const key = spanKey(spanId);
    const tsMs = Date.parse(ts);
    const idHash = hashId(id);
    let slot = this.#slots.get(key);
    if (slot !== undefined) {
      if (this.#idHash[slot] === idHash) {
        this.#stats.duplicates++;
        return;
      }
      if ((this.#tsMs[slot] as number) > tsMs) return;
    } else {
      slot = this.#n++;
      if (slot >= this.#idHash.length) this.#grow();
      this.#slots.set(key, slot);
    }
    this.#idHash[slot] = idHash;
    this.#tsMs[slot] = tsMs;
    this.#rating[slot] = rating === null ? NaN : rating;
    this.#success[slot] = success === null ? 2 : success ? 1 : 0;
    this.#env[slot] = this.#intern(env);
    this.#source[slot] = this.#intern(source);
    let ai = this.#attrIndex.get(attrs);
    if (ai === undefined) {
      ai = this.#attrList.length;
      this.#attrList.push(attrs);
      this.#attrIndex.set(attrs, ai);
    }
    this.#attrs[slot] = ai;
    let flags = 0;
    if (!this.#putUuid(slot, 0, id)) flags |= 1;
    if (!this.#putUuid(slot, 1, spanId)) flags |= 2;
    if (runId === null) flags |= 8;
    else if (!this.#putUuid(slot, 2, runId)) flags |= 4;
    this.#flags[slot] = flags;
  }

  /** Hand each kept feedback to `emit`, in the order their spans were first seen. */
  emit(emit: (f: Feedback) => void): void {
    for (let slot = 0; slot < this.#n; slot++) {
      const flags = this.#flags[slot] as number;
      const success = this.#success[slot] as number;
      const rating = this.#rating[slot] as number;
      emit({
        id: this.#getUuid(slot, 0, flags),
        spanId: this.#getUuid(slot, 1, flags),
        runId: flags & 8 ? null : this.#getUuid(slot, 2, flags),
        env: this.#strings[this.#env[slot] as number] as string,
        tsMs: this.#tsMs[slot] as number,
        success: success === 2 ? null : success === 1,
        rating: Number.isNaN(rating) ? null : rating,
        source: this.#strings[this.#source[slot] as number] as string,
        attrs: this.#attrList[this.#attrs[slot] as number] as BaseAttributes,
      });
    }
  }

  #intern(s: string): number {
    let i = this.#stringIndex.get(s);
    if (i === undefined) {
      i = this.#strings.length;
      this.#strings.push(s);
      this.#stringIndex.set(s, i);
    }
    return i;
  }

  #putUuid(slot: number, which: number, s: string): boolean {
    const at = slot * 48 + which * 16;
    if (packUuid(s, this.#uuids, at)) return true;
    this.#odd.set(slot * 3 + which, s);
    return false;
  }

  #getUuid(slot: number, which: number, flags: number): string {
    if (flags & (1 << which)) return this.#odd.get(slot * 3 + which) as string;
    return unpackUuid(this.#uuids, slot * 48 + which * 16);
  }

  #grow(): void {
    const n = this.#idHash.length * 2;
    const grow = <T extends Float64Array | Uint8Array | Uint32Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.#idHash = grow(this.#idHash, n);
    this.#tsMs = grow(this.#tsMs, n);
    this.#rating = grow(this.#rating, n);
    this.#success = grow(this.#success, n);
    this.#env = grow(this.#env, n);
    this.#source = grow(this.#source, n);
    this.#attrs = grow(this.#attrs, n);
    this.#flags = grow(this.#flags, n);
    this.#uuids = grow(this.#uuids, n * 48);
  }
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

/** Key of a span in the table: a canonical UUID by its hash (no string kept), else the text. */
function spanKey(s: string): string | number {
  return CANONICAL_UUID.test(s) ? hashId(s) : s;
}

function hexValue(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

/** Write a lowercase canonical UUID as 16 bytes; false (nothing written) for any other text. */
function packUuid(s: string, out: Uint8Array, at: number): boolean {
  if (!CANONICAL_UUID.test(s)) return false;
  let j = 0;
  for (let i = 0; i < 16; i++) {
    if (j === 8 || j === 13 || j === 18 || j === 23) j++;
    out[at + i] = (hexValue(s.charCodeAt(j)) << 4) | hexValue(s.charCodeAt(j + 1));
    j += 2;
  }
  return true;
}

function unpackUuid(b: Uint8Array, at: number): string {
  const h = (i: number): string => HEX[b[at + i] as number] as string;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}
