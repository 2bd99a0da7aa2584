/**
 * Derived files (span digests, sync cursors, the seed systems' report files) are rebuildable
 * from events and written atomically (docs/durability.md, "Derived files"): a reader sees the old file or the new
 * one, never half of either.
 */
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

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
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
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
