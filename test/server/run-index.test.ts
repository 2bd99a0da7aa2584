import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunIndex } from '../../src/server/dashboard/run-index.js';
import { readMatchingLines } from '../../src/server/dashboard/segment-lines.js';
import { readStoreState } from '../../src/server/dashboard/store-state.js';
import { tempDir } from '../helpers.js';

const T = '2026-03-01T10:00:00.000Z';

function runStart(id: string, name: string): string {
  return JSON.stringify({ v: 1, id: `${id.slice(0, -1)}a`, ts: T, type: 'span.start', span_id: id, kind: 'run', name, parent_id: null, run_id: id, env: 'dev', attrs: { project: name } }) + '\n';
}

function runEnd(id: string): string {
  return JSON.stringify({ v: 1, id: `${id.slice(0, -1)}b`, ts: '2026-03-01T10:05:00.000Z', type: 'span.end', span_id: id, kind: 'run', run_id: id, env: 'dev', start_ts: T, duration_ms: 300000, status: 'success', attrs: {} }) + '\n';
}

const ID1 = '01950000-0000-7000-8000-000000000001';
const ID2 = '01950000-0000-7000-8000-000000000002';

describe('run index', () => {
  it('reads only complete lines and resumes an appended segment where it stopped', async () => {
    const dir = tempDir();
    const day = join(dir, 'events', '2026-03-01');
    mkdirSync(day, { recursive: true });
    const seg = join(day, 'a.jsonl');
    // A torn last line (no newline yet) is left for the next read.
    writeFileSync(seg, runStart(ID1, 'one') + runStart(ID2, 'two').slice(0, 40));
    const first = await readMatchingLines(seg, 0, '"kind":"run"');
    expect(first.events.map((e) => e.type)).toEqual(['span.start']);
    expect(first.end).toBe(Buffer.byteLength(runStart(ID1, 'one')));

    const index = new RunIndex();
    await index.refresh((await readStoreState(dir)).segments, Date.parse(T) + 60_000);
    expect(index.runs.map((r) => [r.name, r.state])).toEqual([['one', 'open']]);

    // The writer finishes the torn line and ends the first run.
    appendFileSync(seg, runStart(ID2, 'two').slice(40) + runEnd(ID1) + '{"not json\n');
    await index.refresh((await readStoreState(dir)).segments, Date.parse(T) + 60_000);
    expect(index.runs.map((r) => [r.name, r.state, r.status]).sort()).toEqual([
      ['one', 'ended', 'success'],
      ['two', 'open', null],
    ]);
  });

  it('forgets segments deleted by retention', async () => {
    const dir = tempDir();
    const day = join(dir, 'events', '2026-03-01');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, 'a.jsonl'), runStart(ID1, 'one') + runEnd(ID1));
    const index = new RunIndex();
    await index.refresh((await readStoreState(dir)).segments, Date.parse(T));
    expect(index.runs).toHaveLength(1);
    await index.refresh([], Date.parse(T));
    expect(index.runs).toHaveLength(0);
  });
});
