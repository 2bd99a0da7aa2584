/**
 * Derived files written atomically: `writeFileAtomicSoon` has the bytes in its temp file when
 * it returns (a fold worker hands the buffer to another thread at once), renames it into
 * place when its promise settles, and leaves no temp file when it fails.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSoon } from '../../src/store/atomic-file.js';
import { tempDir } from '../helpers.js';

describe('writeFileAtomicSoon', () => {
  it('writes the bytes before it returns, so the buffer may change at once; the file appears whole when the promise settles', async () => {
    const dir = tempDir();
    const path = join(dir, 'cache', 'day', 'a.digest');
    const bytes = Buffer.alloc(300_000, 7);
    const done = writeFileAtomicSoon(path, bytes);
    bytes.fill(1);
    await done;
    expect(readFileSync(path).equals(Buffer.alloc(300_000, 7))).toBe(true);
    expect(readdirSync(join(dir, 'cache', 'day'))).toEqual(['a.digest']);
    // Over an older file, as a digest rebuilt after its segment grew.
    await writeFileAtomicSoon(path, Buffer.from('newer'));
    expect(readFileSync(path, 'utf8')).toBe('newer');
    expect(readdirSync(join(dir, 'cache', 'day'))).toEqual(['a.digest']);
  });

  it('rejects, and leaves no temp file, when the folder cannot be made or the name is taken by a folder', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'cache'), '');
    await expect(writeFileAtomicSoon(join(dir, 'cache', 'day', 'a.digest'), Buffer.from('x'))).rejects.toThrow();
    mkdirSync(join(dir, 'taken', 'a.digest'), { recursive: true });
    await expect(writeFileAtomicSoon(join(dir, 'taken', 'a.digest'), Buffer.from('x'))).rejects.toThrow();
    expect(readdirSync(join(dir, 'taken'))).toEqual(['a.digest']);
    expect(readdirSync(dir).sort()).toEqual(['cache', 'taken']);
  });

  it('writes what writeFileAtomic writes', async () => {
    const dir = tempDir();
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    await writeFileAtomic(join(dir, 'a'), bytes);
    await writeFileAtomicSoon(join(dir, 'b'), bytes);
    expect(readFileSync(join(dir, 'b')).equals(readFileSync(join(dir, 'a')))).toBe(true);
  });
});
