// Importing the same files twice leaves the store as it was and says so.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { scanSummaries } from '../../src/store/index.js';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-import-again-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIXTURES = resolve(import.meta.dirname, '../fixtures/seeds');

async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io: Io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, env: { NO_COLOR: '1' }, cwd: dir };
  return { code: await main(args, io), out };
}

function storedLines(): number {
  let n = 0;
  for (const day of readdirSync(join(dir, 'events'))) for (const f of readdirSync(join(dir, 'events', day))) n += readFileSync(join(dir, 'events', day, f), 'utf8').split('\n').filter((l) => l !== '').length;
  return n;
}

for (const [format, from] of [
  ['automation-metrics', join(FIXTURES, 'automation/automation_metrics.jsonl')],
  ['orchestrator-runs', join(FIXTURES, 'orchestrator/runs')],
] as const) {
  it(`${format}: a second import of the same source writes nothing and says so; --again imports it`, async () => {
    const first = await run(['import', format, from, '--dir', dir]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^imported \d+ record/);
    const lines = storedLines();
    expect(lines).toBeGreaterThan(0);
    const second = await run(['import', format, from, '--dir', dir]);
    expect(second.code).toBe(0);
    expect(second.out).toContain('was already imported');
    expect(second.out).toContain('nothing imported');
    expect(storedLines()).toBe(lines);
    const again = await run(['import', format, from, '--dir', dir, '--again']);
    expect(again.out).toMatch(/^imported \d+ record/);
    expect(storedLines()).toBeGreaterThan(lines);
  });
}

it('an import builds the span cache for the segments it wrote: the first report after it folds none; --no-cache leaves it to that report', async () => {
  for (const build of [true, false]) {
    const store = mkdtempSync(join(tmpdir(), 'agentmeter-import-cache-'));
    try {
      const r = await run(['import', 'orchestrator-runs', join(FIXTURES, 'orchestrator/runs'), '--dir', store, '--json', ...(build ? [] : ['--no-cache'])]);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.out) as { span_cache?: { segments: number; written: number } };
      const next = await scanSummaries({ root: store, onSpan: () => undefined });
      expect(next.read.segments).toBeGreaterThan(0);
      if (build) {
        expect(out.span_cache).toEqual({ segments: next.read.segments, written: next.read.segments });
        expect(next.cache).toEqual({ hits: next.read.segments, writes: 0, errors: 0 });
      } else {
        expect(out.span_cache).toBeUndefined();
        expect(next.cache.writes).toBe(next.read.segments);
      }
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  }
});
