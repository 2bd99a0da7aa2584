/**
 * A segment's pieces hold each of its lines exactly once: piece k the lines that start in
 * [k × bytes, (k + 1) × bytes), the last one the rest, a torn tail included.
 */
import { appendFileSync, closeSync, openSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pieceCount, pieceRangeSync } from '../../src/store/pieces.js';
import { tempDir } from '../helpers.js';

describe('pieces of a segment', () => {
  it('cut it at line starts, each line in the piece its first byte falls in', () => {
    const dir = tempDir();
    let n = 0;
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 300 }), { minLength: 1, maxLength: 60 }), fc.boolean(), fc.integer({ min: 1, max: 2000 }), (lines, torn, bytes) => {
        const text = lines.map((l) => l.replaceAll('\n', ' ')).join('\n') + (torn ? '' : '\n');
        const file = join(dir, `s${n++}.jsonl`);
        writeFileSync(file, text);
        const buf = Buffer.from(text);
        const count = pieceCount(buf.length, bytes);
        expect(count).toBe(Math.max(1, Math.floor(buf.length / bytes)));
        // Where each line starts, in bytes.
        const starts = [0];
        for (let i = buf.indexOf(10); i !== -1 && i + 1 < buf.length; i = buf.indexOf(10, i + 1)) starts.push(i + 1);
        const fd = openSync(file, 'r');
        try {
          let at = 0;
          for (let k = 0; k < count; k++) {
            const r = pieceRangeSync(fd, { k, n: count, bytes });
            // Contiguous, and the last one open-ended.
            expect(r.start).toBe(at);
            expect(r.end === undefined).toBe(k === count - 1);
            const end = r.end ?? buf.length;
            const mine = starts.filter((s) => s >= r.start && s < end);
            const owner = (s: number): number => Math.min(count - 1, Math.floor(s / bytes));
            for (const s of mine) expect(owner(s)).toBe(k);
            at = end;
          }
          expect(at).toBe(buf.length);
        } finally {
          closeSync(fd);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a piece whose end a newline fixed holds the same bytes after the segment grows', () => {
    const dir = tempDir();
    let n = 0;
    let fixed = 0;
    const text = fc.array(fc.string({ unit: 'grapheme', maxLength: 200 }), { maxLength: 40 }).map((ls) => ls.join('\n'));
    fc.assert(
      fc.property(text, text, fc.integer({ min: 1, max: 1500 }), (before, after, bytes) => {
        const file = join(dir, `g${n++}.jsonl`);
        writeFileSync(file, before);
        const ranges = (): { count: number; r: ReturnType<typeof pieceRangeSync>[] } => {
          const fd = openSync(file, 'r');
          try {
            const size = statSync(file).size;
            const count = pieceCount(size, bytes);
            return { count, r: Array.from({ length: count }, (_, k) => pieceRangeSync(fd, { k, n: count, bytes })) };
          } finally {
            closeSync(fd);
          }
        };
        const was = ranges();
        appendFileSync(file, after);
        const now = ranges();
        was.r.forEach((r, k) => {
          // Not the last piece: its end is a line start after a newline, or the end of the file.
          if (k === was.count - 1) expect(r.fixed).toBe(false);
          if (!r.fixed) return;
          fixed++;
          expect(k).toBeLessThan(now.count - 1);
          expect(now.r[k]).toEqual(r);
        });
      }),
      { numRuns: 300 },
    );
    expect(fixed).toBeGreaterThan(100);
  });
});
