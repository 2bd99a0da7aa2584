/**
 * The synchronous file calls a segment writer makes, behind one small interface: the real one
 * maps onto `node:fs`; tests substitute one that fails with ENOSPC or writes short, which a
 * real disk only does when it is full.
 */
import { accessSync, closeSync, constants, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { WriteRing } from './write-ring.js';

export interface WriterFs {
  /** Create `dir` and its parents if missing. */
  mkdirp(dir: string): void;
  /** Create a new, empty segment for appending; fails with EEXIST if `path` exists. */
  openNew(path: string): number;
  /** Open (creating if missing) a segment several short-lived writers append to. */
  openShared(path: string): number;
  /** Size in bytes of the open file, and whether it is empty or ends in `\n`. */
  tail(fd: number): { size: number; endsLine: boolean };
  /** Write a string; returns the bytes written (may be fewer than its UTF-8 length). */
  writeString(fd: number, text: string): number;
  /** Write `length` bytes of `bytes` from `offset`; returns the bytes written. */
  writeBytes(fd: number, bytes: Uint8Array, offset: number, length: number): number;
  fsync(fd: number): void;
  /** Persist a directory's entries (a new file's name) where the platform allows it. */
  fsyncDir(dir: string): void;
  close(fd: number): void;
  /** Tests: called with the writer thread's ring when a buffered writer starts one. */
  onRing?(ring: WriteRing): void;
  /**
   * Delete the segment at `path` (open as `fd`) if it holds nothing, so a writer that could
   * create a file but not write to it (a full disk) leaves no empty files behind. Never throws.
   */
  removeIfEmpty(fd: number, path: string): void;
}

// O_EXCL: a segment is never shared, not even by accident of two equal random names; with
// O_CREAT it also refuses a symlink planted at the path, and O_NOFOLLOW says so outright.
const NEW_SEGMENT_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND | constants.O_NOFOLLOW;

// Read too: a write first looks at the last byte (tail()).
const SHARED_SEGMENT_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW;

export const nodeWriterFs: WriterFs = {
  openShared(path) {
    return openSync(path, SHARED_SEGMENT_FLAGS, 0o644);
  },
  tail(fd) {
    const { size } = fstatSync(fd);
    if (size === 0) return { size, endsLine: true };
    const b = Buffer.alloc(1);
    return { size, endsLine: readSync(fd, b, 0, 1, size - 1) === 1 && b[0] === 10 };
  },
  mkdirp(dir) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e: unknown) {
      throw whyNotWritable(dir) ?? e;
    }
  },
  openNew(path) {
    return openSync(path, NEW_SEGMENT_FLAGS, 0o644);
  },
  writeString(fd, text) {
    return writeSync(fd, text);
  },
  writeBytes(fd, bytes, offset, length) {
    return writeSync(fd, bytes, offset, length);
  },
  fsync(fd) {
    fsyncSync(fd);
  },
  fsyncDir(dir) {
    let fd = -1;
    try {
      fd = openSync(dir, constants.O_RDONLY);
      fsyncSync(fd);
    } catch {
      // Some filesystems refuse fsync on a directory (EINVAL, EISDIR); the file itself is synced.
    }
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // Nothing was written through this descriptor; a failed close loses nothing.
      }
    }
  },
  close(fd) {
    closeSync(fd);
  },
  removeIfEmpty(fd, path) {
    try {
      if (fstatSync(fd).size === 0) unlinkSync(path);
    } catch {
      // An empty file left behind costs a directory entry, nothing more.
    }
  },
};

/**
 * Why folders cannot be made under `dir`, from its nearest existing ancestor: a recursive
 * `mkdir` on a read-only file system reports ENOENT, which sent users looking for a missing
 * folder; `access` names EROFS (or EACCES) plainly. `undefined` when the ancestor is writable.
 */
export function whyNotWritable(dir: string): Error | undefined {
  let d = dir;
  while (!existsSync(d)) {
    const parent = dirname(d);
    if (parent === d) return undefined;
    d = parent;
  }
  try {
    accessSync(d, constants.W_OK);
    return undefined;
  } catch (e: unknown) {
    return e instanceof Error ? e : new Error(String(e));
  }
}
