/**
 * The writer thread of buffered `SegmentWriter`s. A thread runs a compiled script, so this
 * test drives `dist/` (built before the tests, as for the CLI tests).
 */
import { openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/model/index.js';
import type * as StoreApi from '../../src/store/index.js';
import type { Durability } from '../../src/store/index.js';
import type * as WriterFsApi from '../../src/store/writer-fs.js';
import type { WriterFs } from '../../src/store/writer-fs.js';
import { tempDir } from '../helpers.js';
import { readAll, sampleLine, segmentFiles, testWriter, waitFor } from './helpers.js';

const DIST = resolve(import.meta.dirname, '../../dist/store');
const { SegmentWriter } = (await import(pathToFileURL(join(DIST, 'index.js')).href)) as typeof StoreApi;
const { nodeWriterFs } = (await import(pathToFileURL(join(DIST, 'writer-fs.js')).href)) as typeof WriterFsApi;

const T0 = Date.parse('2025-03-04T10:00:00.000Z');

const writer = (root: string, durability: Durability, extra: Parameters<typeof testWriter>[2] = {}): ReturnType<typeof testWriter> =>
  testWriter(root, durability, extra, SegmentWriter);

describe('SegmentWriter writer thread (buffered mode)', () => {
  it('hands full batches to the writer thread, which writes them while the host does nothing', async () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    let hostWrites = 0;
    const fs: WriterFs = { ...nodeWriterFs, writeString: (fd, text) => (hostWrites++, nodeWriterFs.writeString(fd, text)) };
    const { w, diags } = writer(root, 'buffered', { maxBufferBytes: line.length * 4, flushIntervalMs: 60_000, fs, backgroundWrites: true });
    for (let i = 0; i < 4; i++) w.append(sampleLine(T0, i), T0);
    // The batch is queued, not written by the host: the file fills while this test only waits.
    const [file] = await segmentFiles(root);
    await waitFor(() => readFileSync(file!).length === line.length * 4);
    expect(hostWrites).toBe(0);
    expect(w.stats.written).toBe(4);
    for (let i = 4; i < 400; i++) w.append(sampleLine(T0, i), T0);
    w.close();
    expect(w.stats).toMatchObject({ appended: 400, written: 400, dropped: 0, segments: 1 });
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    // In order, whoever wrote each batch (the thread, or the host when the thread was behind).
    expect(events.map((e) => e.attrs['seq'])).toEqual([...Array(400).keys()]);
    expect(diags).toEqual([]);
  });

  it('writes queued batches itself, in order, when the thread is behind or not started', async () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    const { w } = writer(root, 'buffered', { maxBufferBytes: line.length, flushIntervalMs: 60_000 });
    // One batch per event: far more than the ring's four slots, in one synchronous burst.
    for (let i = 0; i < 3000; i++) w.append(sampleLine(T0, i), T0);
    w.flushSync();
    expect(w.stats).toMatchObject({ appended: 3000, written: 3000, dropped: 0 });
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    expect(events.map((e) => e.attrs['seq'])).toEqual([...Array(3000).keys()]);
    w.close();
  });

  it('drops and counts a batch the thread fails to write; queued batches of that segment go to a new one', async () => {
    const root = tempDir();
    const line = sampleLine(T0, 0);
    let opened = 0;
    // The first segment is /dev/full: every write to it fails with ENOSPC.
    const fs: WriterFs = {
      ...nodeWriterFs,
      openNew: (path) => (opened++ === 0 ? openSync('/dev/full', 'w') : nodeWriterFs.openNew(path)),
    };
    const diags: Diagnostic[] = [];
    const { w } = writer(root, 'buffered', { maxBufferBytes: line.length * 2, flushIntervalMs: 60_000, fs, backgroundWrites: true, onDiagnostic: (d: Diagnostic) => diags.push(d) });
    // Two batches queued for the failing segment before anyone learns of the failure.
    for (let i = 0; i < 4; i++) w.append(sampleLine(T0, i), T0);
    w.flushSync();
    expect(w.stats).toMatchObject({ appended: 4, written: 2, dropped: 2, segments: 2 });
    expect(diags.map((d) => d.code)).toEqual(['E_STORE_WRITE_FAILED']);
    expect(diags[0]!.message).toContain('ENOSPC');
    for (let i = 4; i < 7; i++) w.append(sampleLine(T0, i), T0);
    w.close();
    expect(w.stats).toMatchObject({ appended: 7, written: 5, dropped: 2, segments: 2 });
    const { events } = await readAll(root);
    expect(events.map((e) => e.attrs['seq'])).toEqual([2, 3, 4, 5, 6]);
  });
});
