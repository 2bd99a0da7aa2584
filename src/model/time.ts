/** Time helpers: ISO timestamps, relative windows (`7d`, `24h`), UTC day partitions. */

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

const RELATIVE_RE = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/;
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The accepted time range of events: from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.
 * Day partitions are named `YYYY-MM-DD`, and `Date.UTC` reads years 0–99 as 1900–1999, so an
 * event dated before 1970 (or with a year of more than four digits) would land in a folder
 * no reader lists; every entry point rejects it instead. docs/event-format.md.
 */
export const MIN_EVENT_MS = 0;
/** Last instant of the accepted time range (see `MIN_EVENT_MS`). */
export const MAX_EVENT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Why an event timestamp (`ts`, `start_ts`) is outside the accepted range, or `undefined`
 * when it is inside it (or is not a `YYYY-…` text at all: the format is checked elsewhere).
 * Reads the year from the first four characters: it runs on every event read.
 */
export function timestampRangeProblem(ts: string): string | undefined {
  const c0 = ts.charCodeAt(0) - 48;
  const c1 = ts.charCodeAt(1) - 48;
  const c2 = ts.charCodeAt(2) - 48;
  const c3 = ts.charCodeAt(3) - 48;
  if (c0 >= 0 && c0 <= 9 && c1 >= 0 && c1 <= 9 && c2 >= 0 && c2 <= 9 && c3 >= 0 && c3 <= 9 && ts.charCodeAt(4) === 45) {
    return c0 * 1000 + c1 * 100 + c2 * 10 + c3 >= 1970 ? undefined : 'is before 1970-01-01T00:00:00Z (the accepted range is 1970–9999)';
  }
  // Expanded years (`+010000-…`, `-000001-…`) are outside the range whatever follows.
  return ts.charCodeAt(0) === 43 || ts.charCodeAt(0) === 45 ? 'is outside the accepted range 1970–9999' : undefined;
}

/** UTC ISO-8601 with `Z` and millisecond precision. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

let isoCacheMs = NaN;
let isoCacheText = '';

/**
 * `toIso` with a one-entry cache: the events of one call (a start, its id, its end) mostly
 * share a millisecond, and formatting a Date costs as much as serialising a small event.
 */
export function isoMs(ms: number): string {
  if (ms !== isoCacheMs) {
    isoCacheText = new Date(ms).toISOString();
    isoCacheMs = ms;
  }
  return isoCacheText;
}

/** Parse a duration such as `30m`, `24h`, `7d`, `2w` to milliseconds, or `undefined`. */
export function parseDurationMs(text: string): number | undefined {
  const m = RELATIVE_RE.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

/**
 * Parse a `--since`/`--until` value: a relative duration before `now` (`7d`, `24h`, `30m`,
 * `2w`), `now`, or an ISO date/date-time (a date without a zone is UTC). Returns Unix ms, or
 * `undefined` for anything else so the caller can say what forms are accepted.
 *
 * @example
 * parseSince('7d', Date.parse('2025-01-08T00:00:00Z')) // Date.parse('2025-01-01T00:00:00Z')
 */
export function parseSince(text: string, now: number = Date.now()): number | undefined {
  const t = text.trim();
  if (t === 'now') return now;
  const rel = parseDurationMs(t);
  if (rel !== undefined) return now - rel;
  if (!ISO_DATE_RE.test(t)) return undefined;
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(t) && t.length > 10;
  const ms = Date.parse(t.length === 10 ? `${t}T00:00:00Z` : hasZone ? t : `${t.replace(' ', 'T')}Z`);
  if (!Number.isFinite(ms)) return undefined;
  // Date.parse rolls 2025-02-30 over to March 2; a date that does not exist is an error.
  const [y, mo, d] = t.slice(0, 10).split('-').map(Number) as [number, number, number];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return ms;
}

/** The UTC day (`YYYY-MM-DD`) containing `ms`: the partition name. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Start of the UTC day containing `ms`. */
export function startOfUtcDay(ms: number): number {
  return ms - (((ms % 86_400_000) + 86_400_000) % 86_400_000);
}

/**
 * Normalise a timestamp written by someone else: ISO strings (with or without zone; no zone
 * means UTC), epoch seconds (float, as Python's `time.time()` writes) or epoch milliseconds.
 * Returns Unix ms or `undefined`.
 */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Below 1e11 it must be seconds (1e11 ms is 1973, 1e11 s is year 5138).
    return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value === 'string' && value.length > 0) {
    if (/^\d+(?:\.\d+)?$/.test(value)) return parseTimestamp(Number(value));
    // Only absolute forms: "7d" or "now" in a data file is not a timestamp.
    if (!ISO_DATE_RE.test(value.trim())) return undefined;
    return parseSince(value, 0);
  }
  return undefined;
}

/**
 * `Date.parse(text)`, computed directly for the canonical `YYYY-MM-DDTHH:MM:SS.sssZ` that
 * every writer of the event format emits (a fold parses two per span; `Date.parse` was 3 % of
 * a cold report's CPU), and by `Date.parse` for anything else: a date that does not exist
 * (February 30, which `Date.parse` rolls over), another layout, a time zone. Same result for
 * every input; a test holds it to `Date.parse`.
 */
export function parseIsoMs(text: string): number {
  if (
    text.length === 24 &&
    text.charCodeAt(4) === 45 &&
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(10) === 84 &&
    text.charCodeAt(13) === 58 &&
    text.charCodeAt(16) === 58 &&
    text.charCodeAt(19) === 46 &&
    text.charCodeAt(23) === 90
  ) {
    const y = digits(text, 0, 4);
    const mo = digits(text, 5, 2);
    const d = digits(text, 8, 2);
    const h = digits(text, 11, 2);
    const mi = digits(text, 14, 2);
    const s = digits(text, 17, 2);
    const ms = digits(text, 20, 3);
    if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59 && ms >= 0) {
      return daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
    }
  }
  return Date.parse(text);
}

/** The decimal number in `text[at, at + n)`, or -1 if a character is not a digit. */
function digits(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (years 0–9999). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
