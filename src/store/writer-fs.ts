/**
 * The synchronous file calls a segment writer makes, behind one small interface: the real one
 * maps onto `node:fs`; tests substitute one that fails with ENOSPC or writes short, which a
 * real disk only does when it is full.
 */
import { closeSync, constants, fsyncSync, mkdirSync, openSync, write, writeSync } from 'node:fs';

export interface WriterFs {
  /** Create `dir` and its parents if missing. */
  mkdirp(dir: string): void;
  /**
   * Create a new, empty segment for appending; fails with EEXIST if `path` exists. With
   * `positional`, the file is opened without O_APPEND, for `writeAt`/`writeAtAsync`.
   */
  openNew(path: string, positional?: boolean): number;
  /** Write a string; returns the bytes written (may be fewer than its UTF-8 length). */
  writeString(fd: number, text: string): number;
  /** Write `length` bytes of `bytes` from `offset`; returns the bytes written. */
  writeBytes(fd: number, bytes: Uint8Array, offset: number, length: number): number;
  fsync(fd: number): void;
  /** Persist a directory's entries (a new file's name) where the platform allows it. */
  fsyncDir(dir: string): void;
  close(fd: number): void;
  /**
   * Optional, both or neither: write at a file offset (pwrite), synchronously or on libuv's
   * thread pool. With them, a buffered writer hands full batches to the thread pool.
   */
  writeAt?(fd: number, bytes: Uint8Array, offset: number, length: number, position: number): number;
  writeAtAsync?(fd: number, bytes: Uint8Array, offset: number, length: number, position: number, done: (err: Error | null, written: number) => void): void;
}

// O_EXCL: a segment is never shared, not even by accident of two equal random names.
const NEW_SEGMENT_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND;
// Positional writes need a descriptor without O_APPEND (Linux appends a pwrite on one).
const NEW_POSITIONAL_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;

export const nodeWriterFs: WriterFs = {
  mkdirp(dir) {
    mkdirSync(dir, { recursive: true });
  },
  openNew(path, positional) {
    return openSync(path, positional === true ? NEW_POSITIONAL_FLAGS : NEW_SEGMENT_FLAGS, 0o644);
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
};

/** The default: `nodeWriterFs` plus positional writes, so buffered batches go to the thread pool. */
export const positionalWriterFs: WriterFs = {
  ...nodeWriterFs,
  writeAt(fd, bytes, offset, length, position) {
    return writeSync(fd, bytes, offset, length, position);
  },
  writeAtAsync(fd, bytes, offset, length, position, done) {
    write(fd, bytes, offset, length, position, (err, n) => done(err, n));
  },
};
