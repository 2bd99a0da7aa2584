/**
 * The typed-array hash set and map over 53-bit keys behave as `Set` and `Map` do, through
 * their growth (and a set's room reserved ahead, at any point), for keys that share low bits
 * and keys past 2^32.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashMap53, HashSet53 } from '../../src/model/hash-set.js';

// Keys past 2^32, keys that share their low bits (they probe past each other), small keys.
const key = fc.oneof(
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: 0, max: 4096 }).map((k) => k * 0x100000),
  fc.nat({ max: 50 }),
);

describe('HashSet53 and HashMap53', () => {
  it('agree with Set and Map', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.nat({ max: 0x7fffffff })), { maxLength: 3000 }), fc.array(key, { maxLength: 200 }), fc.nat({ max: 5000 }), fc.nat({ max: 3000 }), (ops, probes, room, reserveAt) => {
        const set = new HashSet53(4);
        const map = new HashMap53(4);
        const s = new Set<number>();
        const m = new Map<number, number>();
        ops.forEach(([k, v], i) => {
          if (i === reserveAt) set.reserve(room);
          expect(set.add(k)).toBe(!s.has(k));
          s.add(k);
          map.set(k, v);
          m.set(k, v);
        });
        expect(set.size).toBe(s.size);
        expect(map.size).toBe(m.size);
        for (const k of [...probes, ...s]) {
          expect(set.has(k)).toBe(s.has(k));
          expect(map.get(k)).toBe(m.get(k) ?? -1);
        }
      }),
      { numRuns: 60 },
    );
  });
});
