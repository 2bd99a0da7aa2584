/**
 * An encoding sink gets two batches at once; their cursors still move in order, each only
 * once it and every earlier batch are acknowledged, and never past a failed one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentmeterError, encodeLine, uuidv7 } from '../../src/model/index.js';
import type { ExportResult } from '../../src/model/index.js';
import { cursorPath, loadCursor, syncStore } from '../../src/sinks/index.js';
import type { EncodedBatch, EncodingSink, SyncProgress } from '../../src/sinks/index.js';
import { tempDir, waitFor } from '../helpers.js';

const T0 = Date.parse('2025-02-20T00:00:00.000Z');

/** Three segments of one day, one chunk (so, with batch size 1, one batch) each. */
function store(): string {
  const root = tempDir();
  const folder = join(root, 'events', '2025-02-20');
  mkdirSync(folder, { recursive: true });
  for (const name of ['a', 'b', 'c']) {
    let text = '';
    for (let i = 0; i < 10; i++) {
      const ms = T0 + i;
      text += encodeLine({ v: 1, id: uuidv7(ms), ts: new Date(ms).toISOString(), type: 'span.event', span_id: `${name}${i}`, run_id: 'r', env: 'prod', name: 'n', attrs: { i } });
    }
    writeFileSync(join(folder, `${name}.jsonl`), text);
  }
  return root;
}

class HeldSink implements EncodingSink {
  readonly encoder = { module: new URL('../../src/sinks/postgres/copy-rows.ts', import.meta.url).href, exportName: 'encodeEvents', chunkExportName: 'encodeChunk' };
  readonly held: { batch: EncodedBatch; resolve: (r: ExportResult) => void; acked: boolean; ackedBefore: number }[] = [];
  export(): Promise<ExportResult> {
    return Promise.resolve({ ok: true });
  }
  exportEncoded(batch: EncodedBatch): Promise<ExportResult> {
    // How many earlier batches were acknowledged when this one was asked for.
    const ackedBefore = this.held.filter((h) => h.acked).length;
    return new Promise((resolve) => {
      const entry = { batch, ackedBefore, acked: false, resolve: (r: ExportResult) => ((entry.acked = true), resolve(r)) };
      this.held.push(entry);
    });
  }
  async flush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

const until = (check: () => boolean): Promise<void> => waitFor(check, 'the sync to ask for the next batch');

/** Let every promise reaction and I/O callback already due run (a few event-loop turns, no timer). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

describe('syncStore with an encoding sink', () => {
  it('exports two batches at once and moves the cursor in order', async () => {
    const root = store();
    const sink = new HeldSink();
    const seen: (SyncProgress & { firstAcked: boolean })[] = [];
    const run = syncStore({ root, sink, sinkId: 't', destination: 't', batchSize: 1, onProgress: (p) => seen.push({ ...p, firstAcked: sink.held[0]?.acked === true }) });
    await until(() => sink.held.length === 2);
    // The second acknowledged first: nothing is recorded until the first is.
    sink.held[1]?.resolve({ ok: true });
    await settle();
    sink.held[0]?.resolve({ ok: true });
    await until(() => sink.held.length === 3);
    // Never a third before the first is acknowledged (checked when the third was asked for).
    expect(sink.held.map((h) => h.ackedBefore)).toEqual([0, 0, 2]);
    sink.held[2]?.resolve({ ok: true });
    const r = await run;
    expect(r).toMatchObject({ ok: true, batches: 3, events: 30 });
    expect(seen.map((p) => [p.events, p.firstAcked])).toEqual([[10, true], [20, true], [30, true]]);
    expect(Object.keys((await loadCursor(cursorPath(root, 't'), 't')).segments).sort()).toEqual(['2025-02-20/a.jsonl', '2025-02-20/b.jsonl', '2025-02-20/c.jsonl']);
  });

  it('records no batch after a failed one, though it was acknowledged', async () => {
    const root = store();
    const sink = new HeldSink();
    const run = syncStore({ root, sink, sinkId: 't', destination: 't', batchSize: 1 });
    await until(() => sink.held.length === 2);
    sink.held[1]?.resolve({ ok: true });
    sink.held[0]?.resolve({ ok: false, error: new AgentmeterError('E_TEST', 'refused'), retryable: false });
    const r = await run;
    expect(r).toMatchObject({ ok: false, retryable: false, batches: 0, events: 0 });
    expect(sink.held).toHaveLength(2);
    expect((await loadCursor(cursorPath(root, 't'), 't')).segments).toEqual({});
  });
});
