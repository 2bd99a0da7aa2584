/**
 * Line codec. Events are one JSON object per line. Numbers must be finite: NaN and ±Infinity
 * are written as `null`, and tolerated on read because Python's `json` module writes bare
 * `NaN`/`Infinity` tokens, which `JSON.parse` rejects.
 */

/** Maximum nesting depth accepted on read; deeper bodies crash recursive walkers (~3,500 levels). */
export const MAX_DEPTH = 64;

/** `JSON.stringify` replacer that turns non-finite numbers into `null`. */
function finiteReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/**
 * Serialise one event as a line (with the trailing newline). `JSON.stringify` already writes
 * NaN/Infinity as `null`, so the fast path needs no replacer; the replacer only runs for
 * values with `toJSON` quirks.
 */
export function encodeLine(event: object): string {
  return JSON.stringify(event) + '\n';
}

/** Serialise a value with non-finite numbers as `null` (explicit form, for derived files). */
export function stringifyFinite(value: unknown, space?: number): string {
  return JSON.stringify(value, finiteReplacer, space);
}

// Bare tokens outside strings: NaN, Infinity, -Infinity. Only used after JSON.parse failed.
const NON_FINITE_TOKEN = /("(?:[^"\\]|\\.)*")|-?\bInfinity\b|\bNaN\b/g;

/** Result of decoding one line. */
export type DecodeResult =
  | { ok: true; value: unknown }
  | { ok: false; error: string };

/**
 * Parse one line of JSON, accepting Python's `NaN`/`Infinity` (read as `null`) and rejecting
 * bodies nested deeper than `MAX_DEPTH`. Never throws.
 */
export function decodeLine(line: string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e: unknown) {
    // A UTF-8 byte order mark (an editor's, a Windows tool's) at the start of a file is not data.
    if (line.charCodeAt(0) === 0xfeff) return decodeLine(line.slice(1));
    if (!/NaN|Infinity/.test(line)) return { ok: false, error: describeParseError(e) };
    try {
      value = JSON.parse(line.replace(NON_FINITE_TOKEN, (m, str: string | undefined) => str ?? 'null'));
    } catch (e2: unknown) {
      return { ok: false, error: describeParseError(e2) };
    }
  }
  if (exceedsDepth(value, MAX_DEPTH)) return { ok: false, error: `nested deeper than ${MAX_DEPTH} levels` };
  return { ok: true, value };
}

function describeParseError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Whether `value` nests deeper than `max` levels. Recursive, but never more than `max + 1`
 * calls deep whatever the input (a walker without that bound would overflow on hostile
 * bodies), and it allocates nothing: it runs on every event a report reads.
 */
export function exceedsDepth(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  return max <= MAX_RECURSION ? deeper(value, 1, max) : exceedsDepthIterative(value, max);
}

// Deeper limits than this are checked with an explicit stack instead of recursion.
const MAX_RECURSION = 1000;

function exceedsDepthIterative(value: object, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (d > max) return true;
    for (const x of Array.isArray(v) ? (v as unknown[]) : Object.values(v as object)) if (x !== null && typeof x === 'object') stack.push([x, d + 1]);
  }
  return false;
}

function deeper(v: object, depth: number, max: number): boolean {
  if (depth > max) return true;
  if (Array.isArray(v)) {
    for (const x of v as unknown[]) if (x !== null && typeof x === 'object' && deeper(x, depth + 1, max)) return true;
    return false;
  }
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== null && typeof x === 'object' && deeper(x, depth + 1, max)) return true;
  }
  return false;
}
