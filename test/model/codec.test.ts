import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, decodeLine, encodeLine, exceedsDepth, stringifyFinite } from '../../src/model/index.js';

function decoded(line: string): unknown {
  const r = decodeLine(line);
  if (!r.ok) throw new Error(`expected ok, got ${r.error}`);
  return r.value;
}

describe('decodeLine', () => {
  it('reads bare NaN, Infinity and -Infinity (Python json) as null', () => {
    expect(decoded('{"a":NaN,"b":Infinity,"c":-Infinity,"d":[1,NaN,-Infinity],"e":2}')).toEqual({
      a: null,
      b: null,
      c: null,
      d: [1, null, null],
      e: 2,
    });
    expect(decoded('{"optimized_latency_ms": Infinity, "speedup": NaN}')).toEqual({
      optimized_latency_ms: null,
      speedup: null,
    });
  });

  it('leaves "Infinity" and "NaN" inside strings untouched, also next to escaped quotes', () => {
    expect(decoded('{"s":"Infinity","t":"NaN and -Infinity","x":Infinity}')).toEqual({
      s: 'Infinity',
      t: 'NaN and -Infinity',
      x: null,
    });
    expect(decoded('{"s":"say \\"Infinity\\" \\\\","NaN":NaN}')).toEqual({ s: 'say "Infinity" \\', NaN: null });
  });

  it('rejects truncated or corrupt JSON with ok:false and never throws', () => {
    for (const line of [
      '{"a":1',
      '{"a":NaN',
      '{"a":"Infin',
      '{"a":Infinityy}',
      '',
      '\u0000',
      'null garbage',
      '{"v":1,"id":"x"}{"v":1}',
      '{"a":NaNx}',
    ]) {
      const r = decodeLine(line);
      expect(r.ok, line).toBe(false);
      if (!r.ok) expect(typeof r.error).toBe('string');
    }
  });

  it(`accepts nesting up to ${MAX_DEPTH} levels and rejects deeper`, () => {
    const nest = (d: number): string => '['.repeat(d) + ']'.repeat(d);
    expect(decodeLine(nest(MAX_DEPTH)).ok).toBe(true);
    const r = decodeLine(nest(MAX_DEPTH + 1));
    expect(r).toEqual({ ok: false, error: `nested deeper than ${MAX_DEPTH} levels` });
  });

  it('rejects a 100k-deep body without overflowing the stack', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(decodeLine(deep).ok).toBe(false);
    const deepObject = '{"a":'.repeat(100_000) + 'NaN' + '}'.repeat(100_000);
    expect(decodeLine(deepObject).ok).toBe(false);
  });
});

describe('exceedsDepth', () => {
  it('counts the root as level 1 and handles wide objects', () => {
    expect(exceedsDepth(1, 0)).toBe(false);
    expect(exceedsDepth({}, 1)).toBe(false);
    expect(exceedsDepth({ a: {} }, 1)).toBe(true);
    expect(exceedsDepth({ a: [1, 2, { b: 3 }] }, 3)).toBe(false);
    expect(exceedsDepth({ a: [1, 2, { b: [] }] }, 3)).toBe(true);
  });

  it('checks limits beyond its recursion bound without overflowing the stack', () => {
    const deep = JSON.parse('['.repeat(50_000) + ']'.repeat(50_000)) as unknown;
    expect(exceedsDepth(deep, 60_000)).toBe(false);
    expect(exceedsDepth(deep, 49_999)).toBe(true);
    expect(exceedsDepth(deep, 64)).toBe(true);
  });
});

describe('encodeLine', () => {
  it('writes NaN and ±Infinity as null, one line with a trailing newline', () => {
    const line = encodeLine({ a: NaN, b: Infinity, c: -Infinity, s: 'two\nlines', n: [NaN] });
    expect(line).toBe('{"a":null,"b":null,"c":null,"s":"two\\nlines","n":[null]}\n');
    expect(line.indexOf('\n')).toBe(line.length - 1);
  });

  it('stringifyFinite writes null for non-finite numbers, also through toJSON', () => {
    const odd = { toJSON: () => ({ x: Infinity }) };
    expect(stringifyFinite({ a: NaN, odd })).toBe('{"a":null,"odd":{"x":null}}');
    expect(stringifyFinite({ a: 1 }, 2)).toBe('{\n  "a": 1\n}');
  });
});

// What a JSON round trip is expected to give: non-finite numbers become null, -0 becomes 0.
function normalise(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v + 0 : null;
  if (Array.isArray(v)) return v.map(normalise);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  }
  return v;
}

/** A writer that, like Python's json module, emits bare NaN/Infinity tokens. */
function pythonDumps(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(pythonDumps).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${pythonDumps(x)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(v);
}

const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, Infinity, -Infinity, -0));
const text = fc.oneof(fc.string(), fc.constantFrom('Infinity', 'NaN', '-Infinity', '"NaN"', '\\', 'a"b', '\u2028'));
const leaf = fc.oneof(number, text, fc.boolean(), fc.constant(null));
const attrValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(text, tie('value'), { maxKeys: 4 })),
})).value;

const eventLike = fc.record({
  v: fc.constant(1),
  id: fc.uuid({ version: 7 }),
  ts: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  type: fc.constantFrom('span.start', 'span.end', 'span', 'span.event', 'feedback'),
  kind: fc.constantFrom('run', 'task', 'agent', 'pipeline', 'debug', 'optimization'),
  span_id: fc.string({ minLength: 1 }),
  run_id: fc.string({ minLength: 1 }),
  duration_ms: fc.option(number),
  attrs: fc.dictionary(text, attrValue, { maxKeys: 8 }),
});

describe('codec properties', () => {
  it('decode(encode(event)) equals the event with non-finite numbers as null', () => {
    fc.assert(
      fc.property(eventLike, (e) => {
        const line = encodeLine(e);
        expect(line.endsWith('\n')).toBe(true);
        expect(line.slice(0, -1)).not.toContain('\n');
        expect(decoded(line.slice(0, -1))).toEqual(normalise(e));
      }),
      { numRuns: 500 },
    );
  });

  it('lines written by a Python-style writer decode to the same values', () => {
    fc.assert(
      fc.property(eventLike, (e) => {
        expect(decoded(pythonDumps(e))).toEqual(normalise(e));
      }),
      { numRuns: 500 },
    );
  });
});
