/**
 * Lines of a segment as events, by the reader's rules, and as a destination's encoded rows.
 * Pure functions shared by the forwarder's main thread and its encoding worker threads.
 */
import { MAX_DEPTH, decodeLine, exceedsDepth, validateEvent } from '../model/index.js';
import type { AgentmeterEvent } from '../model/index.js';

/**
 * A destination's encoder: events to the text it sends, and the keys it must prepare (days).
 * `lines[i]` is the standard JSON line `events[i]` was parsed from (undefined when only the
 * lenient decoder could read it), for encoders that copy parts of it as they are.
 */
export type EncodeEvents = (events: readonly AgentmeterEvent[], lines: readonly (string | undefined)[]) => { text: string; keys: string[] };

/**
 * A destination's encoder of whole lines (UTF-8, `\n`-separated) straight to its rows, with
 * its own fast path: the same result as `encodeLines` with its `EncodeEvents`.
 */
export type EncodeChunk = (bytes: Uint8Array) => EncodedLines;

/** Whole lines decoded: the valid events and the count of the others. */
export interface DecodedLines {
  events: AgentmeterEvent[];
  /** Per event, its line when `JSON.parse` read it, else undefined. */
  lines: (string | undefined)[];
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
  return parse(line)?.event;
}

function parse(line: string): { event: AgentmeterEvent; json: boolean } | undefined {
  let value: unknown;
  let json = true;
  try {
    value = JSON.parse(line);
  } catch {
    const d = decodeLine(line);
    if (!d.ok) return undefined;
    value = d.value;
    json = false;
  }
  if (mayNestDeeper(line, MAX_DEPTH) && exceedsDepth(value, MAX_DEPTH)) return undefined;
  const v = validateEvent(value);
  return v.ok ? { event: v.event, json } : undefined;
}

/** `\n`-separated whole lines (no trailing newline needed) as events. */
export function decodeLines(text: string): DecodedLines {
  const events: AgentmeterEvent[] = [];
  const lines: (string | undefined)[] = [];
  let skipped = 0;
  let start = 0;
  while (start <= text.length) {
    let nl = text.indexOf('\n', start);
    if (nl === -1) nl = text.length;
    const line = text.slice(start, nl);
    start = nl + 1;
    const p = parse(line);
    if (p) {
      events.push(p.event);
      lines.push(p.json ? line : undefined);
    } else if (line.trim() !== '') skipped++;
  }
  return { events, lines, skipped };
}

/** Whole lines (UTF-8) decoded and encoded by a destination's encoder. */
export function encodeLines(bytes: Uint8Array, encode: EncodeEvents): EncodedLines {
  const { events, lines, skipped } = decodeLines(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  const { text, keys } = encode(events, lines);
  // Its own allocation, never a slice of the shared pool, so it can be transferred.
  const data = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
  data.write(text, 'utf8');
  return { data, count: events.length, skipped, keys };
}
