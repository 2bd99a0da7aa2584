/**
 * The reading thread's heap settings (`streamingHeap`) must hold once fold workers start: a
 * worker's heap is configured from V8's process-wide flags, which resets the young
 * generation's growth factor, and the reading thread's young generation then grew to 32 MB
 * in every cold read. Fold workers run a compiled script, so this drives `dist/` in a child
 * process of its own (V8's flags are the process's).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

const DIST = resolve(import.meta.dirname, '../../dist');

/**
 * The reading thread's young generation (MB) after a fold on a worker and garbage that partly
 * survives. `early`: the workers start before the command sets the streaming heap, as the CLI
 * starts them (`startFoldPoolEarly`), which sets it while they start (`'starting'`) or once a
 * fold ran on them (`'online'`).
 */
function youngAfterFold(streaming: boolean, early?: 'starting' | 'online'): number {
  const dir = tempDir();
  const segment = join(dir, 'segment.jsonl');
  writeFileSync(segment, `${JSON.stringify({ v: 1, id: 'e1', ts: '2025-03-01T10:00:00.000Z', type: 'span', span_id: 's1', kind: 'agent', name: 'a', parent_id: null, run_id: 'r', env: 'prod', start_ts: '2025-03-01T10:00:00.000Z', duration_ms: 1, status: 'success', attrs: {} })}\n`);
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    const { streamingHeap, streamingSoon } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'store', 'heap.js')).href)});
    const { FoldPool, foldPool, startFoldPoolEarly } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'store', 'fold-pool.js')).href)});
    const early = ${JSON.stringify(early ?? null)};
    const fold = (p) => Promise.all([0, 1].map(() => p.fold(${JSON.stringify(segment)}, 0, 0, undefined)));
    let pool;
    if (early !== null) {
      streamingSoon();
      startFoldPoolEarly(2);
      pool = foldPool(2);
      if (early === 'online') await fold(pool);
    }
    if (${streaming}) streamingHeap();
    pool ??= new FoldPool(2);
    if (early !== 'online') await fold(pool);
    const keep = [];
    for (let i = 0; i < 3e6; i++) {
      const o = { a: i, b: 'x' + i };
      if (i % 10 === 0) keep.push(o);
      if (keep.length > 50000) keep.splice(0, 25000);
    }
    await pool.close();
    console.log(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576);
  `;
  const file = join(dir, 'young.mjs');
  writeFileSync(file, script);
  return Number(execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim());
}

describe('the reading thread’s heap with fold workers', () => {
  it('keeps its young generation small when asked, as without workers', () => {
    // Not vacuous: left alone, V8 grows it under this garbage.
    expect(youngAfterFold(false)).toBeGreaterThanOrEqual(16);
    expect(youngAfterFold(true)).toBeLessThanOrEqual(4);
  });

  it('and when the workers started before the command asked for it, while they started or once they ran', () => {
    expect(youngAfterFold(false, 'starting')).toBeGreaterThanOrEqual(16);
    expect(youngAfterFold(true, 'starting')).toBeLessThanOrEqual(4);
    expect(youngAfterFold(true, 'online')).toBeLessThanOrEqual(4);
  });
});
