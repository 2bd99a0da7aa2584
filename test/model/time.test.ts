import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseSince, parseTimestamp, startOfUtcDay, toIso, utcDay } from '../../src/model/index.js';
import { parseIsoMs } from '../../src/model/time.js';

const NOW = Date.parse('2025-01-08T12:00:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('parseSince', () => {
  it.each([
    ['30m', NOW - 30 * MIN],
    ['24h', NOW - 24 * HOUR],
    ['7d', NOW - 7 * DAY],
    ['2w', NOW - 14 * DAY],
    ['90s', NOW - 90_000],
    ['1.5h', NOW - 1.5 * HOUR],
    [' 7d ', NOW - 7 * DAY],
    ['now', NOW],
  ])('%s relative to now', (text, expected) => {
    expect(parseSince(text, NOW)).toBe(expected);
  });

  it.each([
    ['2025-01-01', '2025-01-01T00:00:00.000Z'],
    ['2025-01-01T12:30', '2025-01-01T12:30:00.000Z'],
    ['2025-01-01T12:30:15', '2025-01-01T12:30:15.000Z'],
    ['2025-01-01 12:30:15', '2025-01-01T12:30:15.000Z'],
    ['2025-01-01T12:30:15.250', '2025-01-01T12:30:15.250Z'],
    ['2025-01-01T12:30:15Z', '2025-01-01T12:30:15.000Z'],
    ['2025-01-01T12:30:15.123Z', '2025-01-01T12:30:15.123Z'],
    ['2025-01-01T12:30:15+02:00', '2025-01-01T10:30:15.000Z'],
    ['2025-01-01T12:30:15-05:30', '2025-01-01T18:00:15.000Z'],
    ['2025-01-01T12:30:15+0200', '2025-01-01T10:30:15.000Z'],
  ])('ISO %s (no zone means UTC)', (text, iso) => {
    expect(parseSince(text, NOW)).toBe(Date.parse(iso));
  });

  it.each(['7x', 'yesterday', '', '   ', '7', 'd7', '-7d', '7 days', '2025-13-01', '2025-01-32', '2025/01/01', 'now!'])(
    'rejects %j',
    (text) => {
      expect(parseSince(text, NOW)).toBeUndefined();
    },
  );

  it('rejects calendar dates that do not exist instead of rolling them over', () => {
    // Date.parse('2025-02-30T00:00:00Z') is 2025-03-02 in V8: a typo must not move the window.
    expect(parseSince('2025-02-30', NOW)).toBeUndefined();
    expect(parseSince('2025-04-31T10:00:00Z', NOW)).toBeUndefined();
  });
});

describe('parseDurationMs', () => {
  it('parses units and rejects junk', () => {
    expect(parseDurationMs('30m')).toBe(30 * MIN);
    expect(parseDurationMs('2w')).toBe(14 * DAY);
    expect(parseDurationMs('7x')).toBeUndefined();
    expect(parseDurationMs('')).toBeUndefined();
  });
});

describe('parseTimestamp', () => {
  it('float epoch seconds, as Python time.time() writes them', () => {
    expect(parseTimestamp(1733236222.123456)).toBe(1733236222123);
    expect(parseTimestamp(1733236222)).toBe(1733236222000);
    expect(parseTimestamp('1733236222.5')).toBe(1733236222500);
  });

  it('epoch milliseconds', () => {
    expect(parseTimestamp(1733236222123)).toBe(1733236222123);
    expect(parseTimestamp('1733236222123')).toBe(1733236222123);
  });

  it('ISO strings, with and without zone', () => {
    expect(parseTimestamp('2025-10-16T14:30:00Z')).toBe(Date.parse('2025-10-16T14:30:00Z'));
    expect(parseTimestamp('2025-10-16T14:30:00.123456')).toBe(Date.parse('2025-10-16T14:30:00.123Z'));
    expect(parseTimestamp('2025-10-16T16:30:00+02:00')).toBe(Date.parse('2025-10-16T14:30:00Z'));
  });

  it('rejects what is not a timestamp', () => {
    for (const v of [NaN, Infinity, -Infinity, '', 'garbage', null, undefined, {}, true]) {
      expect(parseTimestamp(v)).toBeUndefined();
    }
  });

  it('does not read relative windows as timestamps', () => {
    // parseSince('7d', 0) is -7 days: a timestamp field holding "7d" or "now" would land in 1969/1970.
    expect(parseTimestamp('7d')).toBeUndefined();
    expect(parseTimestamp('now')).toBeUndefined();
  });
});

describe('UTC days', () => {
  it('utcDay names the partition', () => {
    expect(utcDay(Date.parse('2025-01-01T00:00:00.000Z'))).toBe('2025-01-01');
    expect(utcDay(Date.parse('2025-01-01T23:59:59.999Z'))).toBe('2025-01-01');
    expect(utcDay(Date.parse('2024-12-31T23:59:59.999-01:00'))).toBe('2025-01-01');
  });

  it('startOfUtcDay, also before 1970', () => {
    expect(startOfUtcDay(Date.parse('2025-03-04T17:45:12.345Z'))).toBe(Date.parse('2025-03-04T00:00:00.000Z'));
    expect(startOfUtcDay(Date.parse('2025-03-04T00:00:00.000Z'))).toBe(Date.parse('2025-03-04T00:00:00.000Z'));
    expect(startOfUtcDay(Date.parse('1969-12-31T06:00:00.000Z'))).toBe(Date.parse('1969-12-31T00:00:00.000Z'));
  });

  it('toIso is UTC with Z and milliseconds', () => {
    expect(toIso(0)).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('parseIsoMs', () => {
  it('equals Date.parse on canonical timestamps, impossible dates and near misses', () => {
    const pad = (n: number, w: number): string => String(n).padStart(w, '0');
    const canonical = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 999 }))
      .map(([y, mo, d, h, mi, s, ms]) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}Z`);
    // One character of a canonical timestamp replaced: other layouts, letters, zones.
    const mangled = fc.tuple(canonical, fc.nat(23), fc.constantFrom('z', ' ', '+', '-', ':', '.', 'T', 'x', '9', '0', '\u0660')).map(([t, i, c]) => t.slice(0, i) + c + t.slice(i + 1));
    fc.assert(
      fc.property(fc.oneof(canonical, mangled, fc.string({ maxLength: 26 })), (t) => {
        expect(Object.is(parseIsoMs(t), Date.parse(t))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
    for (const t of ['2024-02-29T23:59:59.999Z', '2025-02-29T00:00:00.000Z', '2025-04-31T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '1969-12-31T23:59:59.999Z', '2025-01-01T24:00:00.000Z']) {
      expect(Object.is(parseIsoMs(t), Date.parse(t)), t).toBe(true);
    }
  });
});
