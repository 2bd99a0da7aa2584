/**
 * Which writes sync their folder after the rename: derived files by default (the new name
 * survives a power loss), not a cache's (`syncFolder: false`: a lost rename only loses a
 * digest, rebuilt by the next read). The file's own bytes are synced before the rename either way.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../helpers.js';

/** What was synced: paths opened with `node:fs/promises` `open`, or `fd:N` for `fsync`. */
const synced: string[] = [];
vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fsp,
    open: async (path: string, flags?: string) => {
      const fh = await fsp.open(path, flags);
      const sync = fh.sync.bind(fh);
      fh.sync = async () => {
        synced.push(path);
        await sync();
      };
      return fh;
    },
  };
});
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    fsync: (fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      synced.push(`fd:${fd}`);
      fs.fsync(fd, cb);
    },
  };
});
const { writeFileAtomic, writeFileAtomicSoon } = await import('../../src/store/atomic-file.js');
const { CACHE_DIR, scanSummaries } = await import('../../src/store/index.js');
const { generateDemo } = await import('../../src/integrations/demo.js');

beforeEach(() => {
  synced.length = 0;
});

describe('the folder of an atomic write', () => {
  it('is synced after the rename by default, not with syncFolder false; the file is synced either way', async () => {
    const dir = tempDir();
    const path = join(dir, 'day', 'a.json');
    await writeFileAtomic(path, 'derived');
    expect(synced).toContain(dirname(path));
    // The temp file, then the folder.
    expect(synced.filter((p) => p !== dirname(path))).toHaveLength(1);

    synced.length = 0;
    await writeFileAtomic(join(dir, 'day', 'b.digest'), 'cache', { syncFolder: false });
    expect(synced).not.toContain(dirname(path));
    expect(synced).toHaveLength(1);
    expect(readFileSync(join(dir, 'day', 'b.digest'), 'utf8')).toBe('cache');
  });

  it('writeFileAtomicSoon alike: its file synced by descriptor, its folder only by default', async () => {
    const dir = tempDir();
    const path = join(dir, 'day', 'c.digest');
    await writeFileAtomicSoon(path, Buffer.from('one'));
    expect(synced.filter((p) => p.startsWith('fd:'))).toHaveLength(1);
    expect(synced).toContain(dirname(path));

    synced.length = 0;
    await writeFileAtomicSoon(path, Buffer.from('two'), { syncFolder: false });
    expect(synced.filter((p) => p.startsWith('fd:'))).toHaveLength(1);
    expect(synced).not.toContain(dirname(path));
    expect(readFileSync(path, 'utf8')).toBe('two');
  });

  it('a report writes its span digests with their bytes synced and their folders not', async () => {
    const root = tempDir();
    await generateDemo({ dir: root, days: 2, seed: 3, runsPerDay: 10, now: Date.now() - 3_600_000 });
    synced.length = 0;
    const st = await scanSummaries({ root, threads: 0, onSpan: () => undefined });
    expect(st.cache.writes).toBeGreaterThan(1);
    const cache = join(root, CACHE_DIR);
    // One sync per digest, of its temp file; none of a folder.
    expect(synced).toHaveLength(st.cache.writes);
    expect(synced.every((p) => p.startsWith(cache) && p.endsWith('.tmp'))).toBe(true);
  });
});
