/**
 * Lines of a segment as events, by the reader's rules, and as a destination's encoded rows.
 * Pure functions shared by the forwarder's main thread and its encoding worker threads.
 */
import { MAX_DEPTH, decodeLine, exceedsDepth, validateEvent } from '../model/index.js';
import type { AgentmeterEvent } from '../model/index.js';

/** A destination's encoder: events to the bytes it sends, and the keys it must prepare (days). */
export type EncodeEvents = (events: readonly AgentmeterEvent[]) => { text: string; keys: string[] };

/** Whole lines decoded: the valid events and the count of the others. */
export interface DecodedLines {
  events: AgentmeterEvent[];
  /** Non-blank lines that are not valid events. */
  skipped: number;
}

/** Whole lines encoded for a destination. */
export interface EncodedLines {
  /** The encoded rows, UTF-8, in a buffer of their own (transferable between threads). */
  data: Uint8Array;
  /** Valid events encoded. */
  count: number;
  skipped: number;
  keys: string[];
}

/** Whether a line has more than `max` opening brackets: only then can it nest deeper than `max`. */
function mayNestDeeper(line: string, max: number): boolean {
  let n = 0;
  for (let i = line.indexOf('{'); i !== -1; i = line.indexOf('{', i + 1)) if (++n > max) return true;
  for (let i = line.indexOf('['); i !== -1; i = line.indexOf('[', i + 1)) if (++n > max) return true;
  return false;
}

/**
 * One line as a valid event, or undefined: the reader's rules (`decodeLine`, `validateEvent`).
 * The depth walk runs only for lines with enough brackets to need it; it cost a fifth of
 * the per-line time of a sync (bench/postgres-sync.mjs).
 */
export function parseLine(line: string): AgentmeterEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    const d = decodeLine(line);
    if (!d.ok) return undefined;
    value = d.value;
  }
  if (mayNestDeeper(line, MAX_DEPTH) && exceedsDepth(value, MAX_DEPTH)) return undefined;
  const v = validateEvent(value);
  return v.ok ? v.event : undefined;
}

/** `\n`-separated whole lines (no trailing newline needed) as events. */
export function decodeLines(text: string): DecodedLines {
  const events: AgentmeterEvent[] = [];
  let skipped = 0;
  let start = 0;
  while (start <= text.length) {
    let nl = text.indexOf('\n', start);
    if (nl === -1) nl = text.length;
    const line = text.slice(start, nl);
    start = nl + 1;
    const e = parseLine(line);
    if (e) events.push(e);
    else if (line.trim() !== '') skipped++;
  }
  return { events, skipped };
}

/** Whole lines (UTF-8) decoded and encoded by a destination's encoder. */
export function encodeLines(bytes: Uint8Array, encode: EncodeEvents): EncodedLines {
  const { events, skipped } = decodeLines(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  const { text, keys } = encode(events);
  // Its own allocation, never a slice of the shared pool, so it can be transferred.
  const data = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
  data.write(text, 'utf8');
  return { data, count: events.length, skipped, keys };
}
