/**
 * A large segment is folded in pieces: piece k of n holds the lines that start in bytes
 * [k × bytes, (k + 1) × bytes), the last one those from (n - 1) × bytes on, and each piece
 * is folded, cached and replayed as a segment of its own. Spans are folded across pieces as
 * they are across segments, so the spans are the same; what a fold holds, and a digest's
 * size, stay those of a piece, and the pieces of one segment fold on several workers at
 * once (docs/architecture.md, "3. Read back into spans").
 */
import { readSync } from 'node:fs';

/**
 * Segments of twice this or more fold in pieces of this many bytes (the last one up to
 * twice as large). 4 MiB: over 1 M events in 64 MiB segments (one busy writer's), a cold
 * report peaked at 183 MB with pieces of 4 MiB, 189-196 MB with 8 MiB, 207-218 MB with
 * 16 MiB, as fast (docs/performance.md, "Cold reads, fifth pass").
 */
export const PIECE_BYTES = 4 * 1024 * 1024;

/** Which piece of its segment a fold reads: `k` of `n`, each of `bytes`. */
export interface Piece {
  k: number;
  n: number;
  bytes: number;
}

/**
 * The bytes of a piece: from `start`, to `end` (undefined: to the end of the file, the last
 * piece). `fixed`: its end is the start of a line whose newline was read, so the piece holds
 * the same bytes however the segment grows (segments are only appended to).
 */
export interface ByteRange {
  start: number;
  end: number | undefined;
  fixed: boolean;
}

/** How many pieces a segment of `size` bytes folds in (1: the segment whole). */
export function pieceCount(size: number, bytes: number = PIECE_BYTES): number {
  return Math.max(1, Math.floor(size / bytes));
}

const FIND_BYTES = 64 * 1024;
const NEWLINE = 10;

/**
 * The bytes of piece `p` of the segment at `fd`: from the first line that starts at or after
 * `k × bytes`, up to the first that starts at or after `(k + 1) × bytes`.
 */
export function pieceRangeSync(fd: number, p: Piece | undefined): ByteRange {
  if (p === undefined || p.n === 1) return { start: 0, end: undefined, fixed: false };
  const read = (buf: Buffer, at: number): number => readSync(fd, buf, 0, buf.length, at);
  const start = p.k === 0 ? 0 : lineStartSync(read, p.k * p.bytes);
  if (p.k === p.n - 1) return { start: Math.abs(start), end: undefined, fixed: false };
  const end = lineStartSync(read, (p.k + 1) * p.bytes);
  return { start: Math.abs(start), end: Math.abs(end), fixed: end > 0 };
}

/**
 * Where the first line starting at or after `from` (> 0) starts: after the first newline at
 * `from - 1` or later; when there is none, minus the end of the file.
 */
function lineStartSync(read: (buf: Buffer, at: number) => number, from: number): number {
  const buf = Buffer.allocUnsafe(FIND_BYTES);
  for (let at = from - 1; ; at += FIND_BYTES) {
    const got = read(buf, at);
    const nl = buf.subarray(0, got).indexOf(NEWLINE);
    if (nl !== -1) return at + nl + 1;
    if (got < FIND_BYTES) return -(at + got);
  }
}
