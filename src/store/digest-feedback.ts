/**
 * The pending feedback of a span digest in binary columns (digest format 3): what a segment
 * leaves for the fold across segments is mostly feedback, and as raw events it was most of a
 * digest's JSON header and of a report's memory.
 */
import type { AgentmeterEvent, FeedbackEvent } from '../model/events.js';
import { parseIsoMs } from '../model/time.js';
import { InternList, anyList, grown, intern } from '../model/columns.js';
import { packUuid, unpackUuid } from '../model/packed-uuid.js';
import { hashId } from '../model/fold.js';

/**
 * Pending feedback of a segment whose ids are canonical UUIDs, in columns: no event object
 * and no id string per feedback. Rows whose ids are not UUIDs stay in `pending`.
 */
export interface FeedbackColumns {
  n: number;
  /** Per row 48 bytes: event id, span id, run id (zeros when null). */
  uuids: Uint8Array;
  tsMs: Float64Array;
  /** NaN for none. */
  rating: Float64Array;
  /** Bits 0–1: success false 0, true 1, null 2; bit 2: run id null. */
  flags: Uint8Array;
  env: Uint32Array;
  source: Uint32Array;
  attrs: Uint32Array;
  envs: string[];
  sources: string[];
  /**
   * The distinct attribute objects, each as its JSON text: a scan keeps one object per text
   * across all digests and parses each text once (`FeedbackTable`), where parsing every
   * digest's own objects was a tenth of a warm report and kept tens of thousands of copies.
   */
  attrText: string[];
  /**
   * `hashId` of each of `attrText`: a scan looks a text it has seen in an earlier digest up by
   * this number, not by the text, which a `Map` hashed again for every digest
   * (docs/performance.md, "Cold reads, twelfth pass").
   */
  attrHash: Float64Array;
}

const FEEDBACK_KEYS = new Set(['v', 'id', 'ts', 'type', 'span_id', 'run_id', 'env', 'success', 'rating', 'source', 'attrs']);

/** Feedback with exactly the envelope fields goes to columns; anything else stays an event. */
function isPlainFeedback(e: AgentmeterEvent): e is FeedbackEvent {
  if (e.type !== 'feedback') return false;
  for (const k in e) if (!FEEDBACK_KEYS.has(k)) return false;
  return typeof e.attrs === 'object' && e.attrs !== null && typeof e.source === 'string';
}

/** Feedback columns as built (`tsMs.length` rows), and as `encodeDigest` writes them. */
export type FeedbackBuild = Omit<FeedbackColumns, 'n'>;

export function compactFeedback(pending: AgentmeterEvent[]): { fb: FeedbackBuild; rest: AgentmeterEvent[] } {
  const rows = new FeedbackColumnsBuilder(pending.length);
  const rest: AgentmeterEvent[] = [];
  for (const e of pending) {
    if (!isPlainFeedback(e) || !rows.add(e.id, e.span_id, e.run_id, parseIsoMs(e.ts), e.rating ?? NaN, e.success, e.env, e.source, () => JSON.stringify(e.attrs))) rest.push(e);
  }
  return { fb: rows.finish(), rest };
}

/**
 * Feedback rows made into columns, the one definition of a row: from events
 * (`compactFeedback`) and from the line scanner's records (tape-fold.ts).
 */
export class FeedbackColumnsBuilder {
  /** The columns, room for `capacity` rows (more grow them), cut to the rows added by `finish`. */
  readonly #fb: FeedbackBuild;
  #n = 0;
  readonly #envIndex = new Map<string, number>();
  readonly #sourceIndex = new Map<string, number>();
  readonly #attrTexts: InternList;
  /** `attrHash` as given for each text (NaN: not given; `finish` computes it). */
  #attrHash = new Float64Array(64);

  /** Room for `capacity` rows. */
  constructor(capacity: number) {
    // Typed columns: arrays of numbers begun empty changed their elements' kind as the first
    // time or missing rating came, which threw away a fold worker's optimized code.
    const n = Math.max(1, capacity);
    this.#fb = {
      uuids: new Uint8Array(n * 48), tsMs: new Float64Array(n), rating: new Float64Array(n), flags: new Uint8Array(n),
      env: new Uint32Array(n), source: new Uint32Array(n), attrs: new Uint32Array(n), envs: anyList(), sources: anyList(), attrText: anyList(),
      attrHash: new Float64Array(0),
    };
    this.#attrTexts = new InternList(this.#fb.attrText);
  }

  /**
   * Add a feedback as the next row; false (nothing added) when an id is not a canonical UUID.
   * `rating` NaN for none; `attrText` the text `JSON.stringify` gives its attributes, asked
   * only for a row that is added.
   */
  add(id: string, spanId: string, runId: string | null, tsMs: number, rating: number, success: boolean | null, env: string, source: string, attrText: () => string): boolean {
    this.#room();
    const u = this.#fb.uuids;
    // Packed straight into the next row; a row that fails is overwritten by the next one.
    const at = this.#n * 48;
    if (!packUuid(id, u, at) || !packUuid(spanId, u, at + 16) || (runId !== null && !packUuid(runId, u, at + 32))) return false;
    if (runId === null) u.fill(0, at + 32, at + 48);
    this.#rest(tsMs, rating, success, runId === null, this.envIndex(env), this.sourceIndex(source), this.attrIndex(attrText()));
    return true;
  }

  /**
   * The index of an env, a source, and attributes by the text `JSON.stringify` gives them,
   * among the columns' (added when new), for `addPacked`: a caller that remembers them
   * (tape-fold.ts, by interned text) looks each up once.
   */
  envIndex(env: string): number {
    return intern(this.#envIndex, this.#fb.envs, env);
  }

  sourceIndex(source: string): number {
    return intern(this.#sourceIndex, this.#fb.sources, source);
  }

  /** `hash`: `hashId` of the text when the caller has it (NaN: `finish` computes it), here and in `attrIndexDistinct`. */
  attrIndex(attrText: string, hash = NaN): number {
    const before = this.#fb.attrText.length;
    return this.#hashOf(this.#attrTexts.index(attrText), before, hash);
  }

  /**
   * `attrIndex` of a text the caller knows differs from every text it gave before
   * (tape-fold.ts: each interned text once): a segment's kept feedback has hundreds of texts
   * of a few hundred bytes, and a `Map` of them hashed each (docs/performance.md, "Cold reads,
   * tenth pass"). Once `attrIndex` added a text (one made canonical, or not interned), a text
   * given here may be that one, and is looked up (`InternList`).
   */
  attrIndexDistinct(attrText: string, hash = NaN): number {
    const before = this.#fb.attrText.length;
    return this.#hashOf(this.#attrTexts.distinct(attrText), before, hash);
  }

  /** Text `i`, when it is new (the texts were `before` long), gets `hash` as its `hashId` (NaN: `finish` computes it); returns `i`. */
  #hashOf(i: number, before: number, hash: number): number {
    if (i < before) return i;
    if (i === this.#attrHash.length) this.#attrHash = grown(this.#attrHash, 2 * i);
    this.#attrHash[i] = hash;
    return i;
  }

  /**
   * `add` of a feedback whose ids are packed already (as `packUuid` packs them): 48 bytes of
   * `uuids` from `from`, event id, span id, run id (ignored when `runIdNull`); `env`,
   * `source` and `attrs` by their indexes (`envIndex`, `sourceIndex`, `attrIndex`).
   */
  addPacked(uuids: Uint8Array, from: number, runIdNull: boolean, tsMs: number, rating: number, success: boolean | null, env: number, source: number, attrs: number): void {
    this.#room();
    const u = this.#fb.uuids;
    const at = this.#n * 48;
    const n = runIdNull ? 32 : 48;
    for (let k = 0; k < n; k++) u[at + k] = uuids[from + k] as number;
    if (runIdNull) u.fill(0, at + 32, at + 48);
    this.#rest(tsMs, rating, success, runIdNull, env, source, attrs);
  }

  /** The row's columns after its ids. */
  #rest(tsMs: number, rating: number, success: boolean | null, runIdNull: boolean, env: number, source: number, attrs: number): void {
    const fb = this.#fb;
    const i = this.#n++;
    fb.tsMs[i] = tsMs;
    fb.rating[i] = rating;
    fb.flags[i] = (success === null ? 2 : success ? 1 : 0) | (runIdNull ? 4 : 0);
    fb.env[i] = env;
    fb.source[i] = source;
    fb.attrs[i] = attrs;
  }

  /** Room for one more row. */
  #room(): void {
    const fb = this.#fb;
    const n = fb.tsMs.length;
    if (this.#n < n) return;
    fb.uuids = grown(fb.uuids, 2 * n * 48);
    fb.tsMs = grown(fb.tsMs, 2 * n);
    fb.rating = grown(fb.rating, 2 * n);
    fb.flags = grown(fb.flags, 2 * n);
    fb.env = grown(fb.env, 2 * n);
    fb.source = grown(fb.source, 2 * n);
    fb.attrs = grown(fb.attrs, 2 * n);
  }

  /** The rows added. */
  finish(): FeedbackBuild {
    const fb = this.#fb;
    const n = this.#n;
    fb.uuids = fb.uuids.subarray(0, n * 48);
    fb.tsMs = fb.tsMs.subarray(0, n);
    fb.rating = fb.rating.subarray(0, n);
    fb.flags = fb.flags.subarray(0, n);
    fb.env = fb.env.subarray(0, n);
    fb.source = fb.source.subarray(0, n);
    fb.attrs = fb.attrs.subarray(0, n);
    const texts = fb.attrText;
    const hashes = this.#attrHash.subarray(0, texts.length);
    for (let i = 0; i < texts.length; i++) if (Number.isNaN(hashes[i] as number)) hashes[i] = hashId(texts[i] as string);
    fb.attrHash = hashes;
    return fb;
  }

  /** The rows added, in typed columns (as a decoded digest has them). */
  columns(): FeedbackColumns {
    const fb = this.finish();
    return {
      n: fb.tsMs.length, uuids: fb.uuids, tsMs: fb.tsMs, rating: fb.rating, flags: fb.flags, env: fb.env, source: fb.source, attrs: fb.attrs,
      envs: fb.envs, sources: fb.sources, attrText: fb.attrText, attrHash: fb.attrHash,
    };
  }
}

/** Feedback events back from columns (for a digest encoded again). */
export function expandFeedback(fb: FeedbackColumns, out: AgentmeterEvent[]): void {
  const attrSet = fb.attrText.map((t) => JSON.parse(t) as FeedbackEvent['attrs']);
  for (let i = 0; i < fb.n; i++) {
    const flags = fb.flags[i] as number;
    const rating = fb.rating[i] as number;
    out.push({
      v: 1,
      id: unpackUuid(fb.uuids, i * 48),
      ts: new Date(fb.tsMs[i] as number).toISOString(),
      type: 'feedback',
      span_id: unpackUuid(fb.uuids, i * 48 + 16),
      run_id: flags & 4 ? null : unpackUuid(fb.uuids, i * 48 + 32),
      env: fb.envs[fb.env[i] as number] as string,
      success: (flags & 3) === 2 ? null : (flags & 3) === 1,
      rating: Number.isNaN(rating) ? null : rating,
      source: fb.sources[fb.source[i] as number] as FeedbackEvent['source'],
      attrs: attrSet[fb.attrs[i] as number] as FeedbackEvent['attrs'],
    });
  }
}

export type FbColumnName = 'fbUuids' | 'fbTs' | 'fbRating' | 'fbEnv' | 'fbSource' | 'fbAttrs' | 'fbFlags';
export const FB_COLUMNS: readonly [FbColumnName, Float64ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor, number][] = [
  ['fbTs', Float64Array, 1],
  ['fbRating', Float64Array, 1],
  ['fbEnv', Uint32Array, 1],
  ['fbSource', Uint32Array, 1],
  ['fbAttrs', Uint32Array, 1],
  ['fbUuids', Uint8Array, 48],
  ['fbFlags', Uint8Array, 1],
];

