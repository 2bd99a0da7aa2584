import { describe, expect, it } from 'vitest';
import { isUuid, uuidv7, uuidv7Time } from '../../src/model/index.js';

// RFC 9562 §5.7: version nibble 7, variant bits 10.
const UUIDV7_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function expectUniqueAndSorted(ids: string[]): void {
  expect(new Set(ids).size).toBe(ids.length);
  let outOfOrder = 0;
  for (let i = 1; i < ids.length; i++) if ((ids[i] as string) <= (ids[i - 1] as string)) outOfOrder++;
  expect(outOfOrder).toBe(0);
}

describe('uuidv7', () => {
  it('has the UUIDv7 layout: version 7, variant 10, lower-case hex', () => {
    for (let i = 0; i < 1000; i++) {
      const id = uuidv7();
      expect(id).toMatch(UUIDV7_RE);
      expect(isUuid(id)).toBe(true);
    }
  });

  it('100k ids in a tight loop are unique and sort in generation order', () => {
    const ids: string[] = [];
    for (let i = 0; i < 100_000; i++) ids.push(uuidv7());
    expectUniqueAndSorted(ids);
    expect(ids.filter((id) => !UUIDV7_RE.test(id))).toEqual([]);
  });

  it('100k ids within one millisecond are unique and sorted (counter overflow borrows the next ms)', () => {
    const t = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 100_000; i++) ids.push(uuidv7(t));
    expectUniqueAndSorted(ids);
    // Borrowing keeps ids close to their time: 100k ids need at most ~50 ms of headroom.
    const last = ids[ids.length - 1] as string;
    expect(uuidv7Time(last) - t).toBeLessThan(100);
    expect(uuidv7Time(ids[0] as string)).toBe(t);
  });

  it('ids at later times sort after earlier ones', () => {
    const a = uuidv7(Date.UTC(2040, 0, 1));
    const b = uuidv7(Date.UTC(2040, 0, 1, 0, 0, 0, 1));
    const c = uuidv7(Date.UTC(2041, 0, 1));
    expect([c, a, b].sort()).toEqual([a, b, c]);
  });

  it('uuidv7Time returns the embedded Unix milliseconds', () => {
    const base = Date.UTC(2050, 0, 1);
    for (const ms of [base, base + 1, base + 86_400_000, 2 ** 47 + 12345]) {
      const id = uuidv7(ms);
      expect(id).toMatch(UUIDV7_RE);
      expect(uuidv7Time(id)).toBe(ms);
    }
  });

  it('a clock that steps back keeps the time it was given, and ids stay unique', () => {
    const later = Date.UTC(2060, 0, 1);
    const first = uuidv7(later);
    const back = uuidv7(later - 5_000);
    expect(uuidv7Time(back)).toBe(later - 5_000);
    expect(back).not.toBe(first);
  });
});

describe('isUuid', () => {
  it('accepts any version, rejects malformed strings', () => {
    expect(isUuid('0190a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b')).toBe(true);
    expect(isUuid('0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B')).toBe(false);
    expect(isUuid('0190a1b2c3d47e5f8a9b0c1d2e3f4a5b')).toBe(false);
    expect(isUuid('inv_1733236222_k3j4')).toBe(false);
    expect(isUuid('')).toBe(false);
  });
});
