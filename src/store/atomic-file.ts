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

/** Options of `writeFileAtomic` and `writeFileAtomicSoon`. */
export interface AtomicWriteOptions {
  /**
   * Fsync the folder after the rename, so the new name survives a power loss (default true).
   * A file that is only a cache (a span digest) skips it: if the rename is lost, the file is
   * missing and rebuilt; its bytes are synced before the rename either way, so a name that
   * survives never points to a torn file. Over 120 digests in 8 folders, the folder syncs
   * were about 5 % of a cold report (docs/performance.md, "Cold reads, tenth pass").
   */
  syncFolder?: boolean;
}

/**
 * Temp file beside `path`, fsync, rename over `path`, then fsync of the folder so the rename
 * itself survives a power loss (some filesystems refuse a directory fsync; the rename is
 * still atomic there; `o.syncFolder` false skips it). Creates the folder. The temp file is
 * removed when the rename fails.
 *
 * @example
 * await writeFileAtomic('logs/automation_metrics.jsonl', lines);
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): Promise<void> {
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
  await renameSynced(tmp, path, dir, o.syncFolder ?? true);
}

/**
 * `writeFileAtomic` whose bytes are in the temp file when it returns, so `data` may be reused
 * or handed to another thread at once; the promise settles once they are synced and renamed
 * into place. A fold worker hands a digest back this way before waiting for its disk
 * (fold-worker.ts). Never throws: a failure rejects the promise, and removes the temp file.
 */
export function writeFileAtomicSoon(path: string, data: Uint8Array, o: AtomicWriteOptions = {}): Promise<void> {
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
  return syncAndRename(fd, tmp, path, dir, o.syncFolder ?? true);
}

async function syncAndRename(fd: number, tmp: string, path: string, dir: string, syncFolder: boolean): Promise<void> {
  try {
    await fsyncFd(fd);
  } catch (e: unknown) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  } finally {
    await closeFdAsync(fd);
  }
  await renameSynced(tmp, path, dir, syncFolder);
}

function tempBeside(path: string): string {
  return `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
}

/** Rename a synced temp file over `path` (removing it when that fails), then fsync the folder if asked. */
async function renameSynced(tmp: string, path: string, dir: string, syncFolder: boolean): Promise<void> {
  try {
    await rename(tmp, path);
  } catch (e: unknown) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  if (!syncFolder) return;
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // EINVAL/EISDIR on filesystems without directory fsync: the file itself is synced.
  } finally {
    await d.close();
  }
}
