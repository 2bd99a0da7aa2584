/**
 * Derived files (span digests, sync cursors, the seed systems' report files) are rebuildable
 * from events and written atomically (docs/durability.md, "Derived files"): a reader sees the old
 * file or the new one, never half of either.
 */
import { close as closeFd, closeSync, fsync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const fsyncFd = promisify(fsync);
const closeFdAsync = promisify(closeFd);

/**
 * Temp file beside `path`, fsync, rename over `path`, then fsync of the folder so the rename
 * itself survives a power loss (some filesystems refuse a directory fsync; the rename is
 * still atomic there). Creates the folder. The temp file is removed when the rename fails.
 *
 * @example
 * await writeFileAtomic('logs/automation_metrics.jsonl', lines);
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = tempBeside(path);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await renameSynced(tmp, path, dir);
}

/**
 * `writeFileAtomic` whose bytes are in the temp file when it returns, so `data` may be reused
 * or handed to another thread at once; the promise settles once they are synced and renamed
 * into place. A fold worker hands a digest back this way before waiting for its disk
 * (fold-worker.ts). Never throws: a failure rejects the promise, and removes the temp file.
 */
export function writeFileAtomicSoon(path: string, data: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = tempBeside(path);
  let fd: number;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(tmp, 'w');
  } catch (e: unknown) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
  try {
    for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
  } catch (e: unknown) {
    for (const undo of [() => closeSync(fd), () => unlinkSync(tmp)]) {
      try {
        undo();
      } catch {
        // Closed or gone already.
      }
    }
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
  return syncAndRename(fd, tmp, path, dir);
}

async function syncAndRename(fd: number, tmp: string, path: string, dir: string): Promise<void> {
  try {
    await fsyncFd(fd);
  } catch (e: unknown) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  } finally {
    await closeFdAsync(fd);
  }
  await renameSynced(tmp, path, dir);
}

function tempBeside(path: string): string {
  return `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
}

/** Rename a synced temp file over `path` (removing it when that fails), then fsync the folder. */
async function renameSynced(tmp: string, path: string, dir: string): Promise<void> {
  try {
    await rename(tmp, path);
  } catch (e: unknown) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // EINVAL/EISDIR on filesystems without directory fsync: the file itself is synced.
  } finally {
    await d.close();
  }
}
