import { describe, expect, it } from 'vitest';
import type { AgentmeterEvent, Diagnostic } from '../../src/model/index.js';
import { SegmentWriter, createLocalSink, scanEvents } from '../../src/store/index.js';
import { nodeWriterFs } from '../../src/store/writer-fs.js';
import type { WriterFs } from '../../src/store/writer-fs.js';
import { tempDir } from '../helpers.js';

function ev(i: number, day = '2025-03-04'): AgentmeterEvent {
  const id = `01934a2b-0000-7000-8000-${String(i).padStart(12, '0')}`;
  return { v: 1, id, ts: `${day}T10:00:00.000Z`, type: 'feedback', span_id: id, run_id: null, env: 'test', success: true, rating: null, source: 'human', attrs: {} };
}

describe('local sink', () => {
  it('one write per day partition of a batch; the fsync is off the event loop, not per event', async () => {
    const root = tempDir();
    let writes = 0;
    let fsyncs = 0;
    const fs: WriterFs = {
      ...nodeWriterFs,
      writeString: (fd, t) => (writes++, nodeWriterFs.writeString(fd, t)),
      fsync: (fd) => (fsyncs++, nodeWriterFs.fsync(fd)),
    };
    const sink = createLocalSink({ root, fs });
    const batch = [ev(1), ev(2), ev(3, '2025-03-05'), ev(4)];
    expect(await sink.export(batch)).toEqual({ ok: true });
    expect(writes).toBe(2);
    expect(fsyncs).toBe(0);
    expect(sink.stats).toMatchObject({ appended: 4, written: 4, dropped: 0 });
    const ids: string[] = [];
    await scanEvents({ root, onEvent: (e) => ids.push(e.id) });
    expect(ids.sort()).toEqual(batch.map((e) => e.id).sort());
    await sink.shutdown();
  });

  it('concurrent exports share fsyncs (group commit) and every one of them is stored', async () => {
    const root = tempDir();
    const sink = createLocalSink({ root });
    const results = await Promise.all(Array.from({ length: 20 }, (_, k) => sink.export([ev(100 + 2 * k), ev(101 + 2 * k, '2025-03-05')])));
    expect(results.every((r) => r.ok)).toBe(true);
    await sink.shutdown();
    let n = 0;
    await scanEvents({ root, onEvent: () => n++ });
    expect(n).toBe(40);
  });

  it('a failed write is a retryable failure, counted, reported once', async () => {
    const root = tempDir();
    const diags: Diagnostic[] = [];
    const fs: WriterFs = {
      ...nodeWriterFs,
      writeString: () => {
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
    };
    const sink = createLocalSink({ root, fs, onDiagnostic: (d) => diags.push(d) });
    const r = await sink.export([ev(1), ev(2)]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.retryable).toBe(true);
    expect(sink.stats.dropped).toBe(2);
    expect(diags.map((d) => d.code)).toEqual(['E_STORE_WRITE_FAILED']);
    await sink.shutdown();
    const after = await sink.export([ev(3)]);
    expect(after.ok === false && after.retryable === false).toBe(true);
    expect(() => createLocalSink({ root, durability: 'buffered' as 'sync' })).toThrow(/sync or flush/);
  });
});

describe('SegmentWriter.appendLines', () => {
  it('counts every event of a unit, and rejects a unit that does not end in a newline', () => {
    const root = tempDir();
    const diags: Diagnostic[] = [];
    const w = new SegmentWriter({ root, durability: 'flush', handleSignals: false, onDiagnostic: (d) => diags.push(d) });
    expect(w.appendLines('{"a":1}\n{"a":2}\n', 2, Date.parse('2025-03-04T00:00:00Z'))).toBe(true);
    expect(w.appendLines('{"a":3}', 1, Date.parse('2025-03-04T00:00:00Z'))).toBe(false);
    expect(w.appendLines('', 0, 0)).toBe(false);
    w.close();
    expect(w.appendLines('{"a":4}\n{"a":5}\n', 2, 0)).toBe(false);
    expect(w.stats).toMatchObject({ appended: 5, written: 2, dropped: 3 });
    expect(diags.map((d) => d.code)).toEqual(['E_STORE_BAD_LINE', 'E_STORE_CLOSED']);
  });
});
