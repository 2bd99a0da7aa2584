/**
 * The pending feedback of a span digest in binary columns (digest format 3): what a segment
 * leaves for the fold across segments is mostly feedback, and as raw events it was most of a
 * digest's JSON header and of a report's memory.
 */
import type { AgentmeterEvent, FeedbackEvent } from '../model/events.js';
import { parseIsoMs } from '../model/time.js';
import { intern } from '../model/columns.js';
import { packUuid, unpackUuid } from '../model/packed-uuid.js';

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
}

const FEEDBACK_KEYS = new Set(['v', 'id', 'ts', 'type', 'span_id', 'run_id', 'env', 'success', 'rating', 'source', 'attrs']);

/** Feedback with exactly the envelope fields goes to columns; anything else stays an event. */
function isPlainFeedback(e: AgentmeterEvent): e is FeedbackEvent {
  if (e.type !== 'feedback') return false;
  for (const k in e) if (!FEEDBACK_KEYS.has(k)) return false;
  return typeof e.attrs === 'object' && e.attrs !== null && typeof e.source === 'string';
}

export interface FeedbackBuild {
  /** 48 bytes per row, packed in place (`tsMs.length` rows). */
  uuids: Uint8Array;
  tsMs: number[];
  rating: number[];
  flags: number[];
  env: number[];
  source: number[];
  attrs: number[];
  envs: string[];
  sources: string[];
  attrText: string[];
}

/** Feedback in columns as `encodeDigest` writes them: built (`compactFeedback`) or already columns. */
export type FeedbackRows = Omit<FeedbackBuild, 'tsMs' | 'rating' | 'flags' | 'env' | 'source' | 'attrs'> & Record<'tsMs' | 'rating' | 'flags' | 'env' | 'source' | 'attrs', ArrayLike<number>>;

export function compactFeedback(pending: AgentmeterEvent[]): { fb: FeedbackBuild; rest: AgentmeterEvent[] } {
  const fb: FeedbackBuild = { uuids: new Uint8Array(pending.length * 48), tsMs: [], rating: [], flags: [], env: [], source: [], attrs: [], envs: [], sources: [], attrText: [] };
  const envIndex = new Map<string, number>();
  const sourceIndex = new Map<string, number>();
  const attrIndex = new Map<string, number>();
  const rest: AgentmeterEvent[] = [];
  const u = fb.uuids;
  for (const e of pending) {
    // Packed straight into the next row; a row that fails is overwritten by the next one.
    const at = fb.tsMs.length * 48;
    if (!isPlainFeedback(e) || !packUuid(e.id, u, at) || !packUuid(e.span_id, u, at + 16) || (e.run_id !== null && !packUuid(e.run_id, u, at + 32))) {
      rest.push(e);
      continue;
    }
    if (e.run_id === null) u.fill(0, at + 32, at + 48);
    fb.tsMs.push(parseIsoMs(e.ts));
    fb.rating.push(e.rating ?? NaN);
    fb.flags.push((e.success === null ? 2 : e.success ? 1 : 0) | (e.run_id === null ? 4 : 0));
    fb.env.push(intern(envIndex, fb.envs, e.env));
    fb.source.push(intern(sourceIndex, fb.sources, e.source));
    const text = JSON.stringify(e.attrs);
    let ai = attrIndex.get(text);
    if (ai === undefined) {
      ai = fb.attrText.length;
      attrIndex.set(text, ai);
      fb.attrText.push(text);
    }
    fb.attrs.push(ai);
  }
  fb.uuids = u.subarray(0, fb.tsMs.length * 48);
  return { fb, rest };
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

