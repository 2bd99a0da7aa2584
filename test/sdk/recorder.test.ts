import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BaseAttributes } from '../../src/model/index.js';
import { objectJson } from '../../src/sdk/recorder.js';

describe('objectJson (the recorder\'s attribute serialiser)', () => {
  it('writes exactly what JSON.stringify writes, for any JSON attributes', () => {
    const text = fc.string({ unit: 'binary' });
    const value = fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(text), fc.jsonValue());
    fc.assert(
      fc.property(fc.dictionary(text, value), (attrs) => {
        expect(objectJson(attrs as BaseAttributes)).toBe(JSON.stringify(attrs));
      }),
      { numRuns: 500 },
    );
  });

  it('escapes quotes, control characters and lone surrogates as JSON.stringify does', () => {
    const attrs = { 'a"b': 'x"\n\u0001', files: ['C:\\dir', '\ud800', 'ok'], empty: [], n: Number.NaN, inf: Infinity, z: -0 };
    expect(objectJson(attrs as unknown as BaseAttributes)).toBe(JSON.stringify(attrs));
    expect(JSON.parse(objectJson(attrs as unknown as BaseAttributes))).toEqual(JSON.parse(JSON.stringify(attrs)));
  });
});
