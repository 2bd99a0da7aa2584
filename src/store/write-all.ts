/**
 * One batch of whole lines written to a descriptor, looping on short writes: what both the
 * writer thread and a synchronous fallback do with a slot of the write ring.
 */
import { writeSync } from 'node:fs';

/** Bytes that reached the file, and the errno of the failure that stopped it (0: none). */
export interface WriteOutcome {
  wrote: number;
  errno: number;
  /** Some write returned fewer bytes than asked: the disk is filling up. */
  short: boolean;
}

/** errno recorded when a write makes no progress without an error (should not happen). */
export const ERRNO_NO_PROGRESS = -100_001;

/** Write `length` bytes of `bytes` from `offset` to `fd`; never throws. */
export function writeAll(fd: number, bytes: Uint8Array, offset: number, length: number): WriteOutcome {
  let wrote = 0;
  let short = false;
  try {
    while (wrote < length) {
      const n = writeSync(fd, bytes, offset + wrote, length - wrote);
      if (n <= 0) return { wrote, errno: ERRNO_NO_PROGRESS, short: true };
      if (wrote + n < length) short = true;
      wrote += n;
    }
  } catch (e: unknown) {
    const errno = (e as { errno?: unknown } | null)?.errno;
    return { wrote, errno: typeof errno === 'number' && errno < 0 ? errno : -1, short };
  }
  return { wrote, errno: 0, short };
}
