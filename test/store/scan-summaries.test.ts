import { appendFileSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMeter } from '../../src/sdk/index.js';
import { generateDemo } from '../../src/integrations/demo.js';
import type { SpanSummary } from '../../src/model/index.js';
import { SUMMARY_NUMBER_KEYS, SUMMARY_PROFILE_KEYS } from '../../src/model/index.js';
import { CACHE_DIR, scanSpans, scanSummaries } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

/** Age every segment past the cache's quiet period, as if written a minute ago. */
function settle(root: string): void {
  const past = new Date(Date.now() - 60_000);
  for (const day of readdirSync(join(root, 'events'))) {
    for (const f of readdirSync(join(root, 'events', day))) utimesSync(join(root, 'events', day, f), past, past);
  }
}

/** A stable, comparable text for a summary (attrs restricted to the summary keys). */
function key(s: SpanSummary): string {
  const attrs: Record<string, unknown> = {};
  for (const k of [...SUMMARY_PROFILE_KEYS, ...SUMMARY_NUMBER_KEYS].sort()) {
    const v = s.attrs[k];
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) attrs[k] = v;
  }
  return JSON.stringify([s.kind, s.env, s.startMs, s.durationMs, s.status, s.state, s.pointEvents, attrs]);
}

async function summaries(root: string, cache: boolean): Promise<{ keys: string[]; hits: number; writes: number }> {
  const keys: string[] = [];
  const st = await scanSummaries({ root, cache, onSpan: (s) => keys.push(key(s)) });
  return { keys: keys.sort(), hits: st.cache.hits, writes: st.cache.writes };
}

async function rawSpans(root: string): Promise<string[]> {
  const keys: string[] = [];
  await scanSpans({ root, onSpan: (s) => keys.push(key(s)) });
  return keys.sort();
}

describe('scanSummaries (span cache)', () => {
  it('gives the same spans cold, warm and uncached as the raw fold', async () => {
    const root = tempDir();
    await generateDemo({ dir: root, days: 4, seed: 3, runsPerDay: 20, now: Date.now() - 3_600_000 });
    settle(root);
    const raw = await rawSpans(root);
    const cold = await summaries(root, true);
    const warm = await summaries(root, true);
    const off = await summaries(root, false);
    expect(raw.length).toBeGreaterThan(500);
    expect(cold.writes).toBeGreaterThan(0);
    expect(warm.hits).toBe(cold.writes);
    expect(warm.writes).toBe(0);
    expect(cold.keys).toEqual(raw);
    expect(warm.keys).toEqual(raw);
    expect(off.keys).toEqual(raw);
  });

  it('reads a segment again when it grew after being cached', async () => {
    const root = tempDir();
    const meter = createMeter({ dir: root, durability: 'flush' });
    meter.startRun({ project: 'p' }).end({ status: 'completed' });
    await meter.close();
    settle(root);
    expect((await summaries(root, true)).keys).toHaveLength(1);
    const day = readdirSync(join(root, 'events'))[0]!;
    const seg = join(root, 'events', day, readdirSync(join(root, 'events', day))[0]!);
    const now = new Date().toISOString();
    appendFileSync(seg, `{"v":1,"id":"0190a000-0000-7000-8000-000000000001","ts":"${now}","type":"span","span_id":"s2","kind":"task","name":"t","parent_id":null,"run_id":"s2","env":"dev","start_ts":"${now}","duration_ms":5,"status":"success","attrs":{}}\n`);
    settle(root);
    const after = await summaries(root, true);
    expect(after.keys).toHaveLength(2);
    expect(after.hits).toBe(0);
  });

  it('rebuilds a corrupt or truncated digest instead of trusting it', async () => {
    const root = tempDir();
    await generateDemo({ dir: root, days: 1, seed: 5, runsPerDay: 10, now: Date.now() - 3_600_000 });
    settle(root);
    const first = await summaries(root, true);
    for (const day of readdirSync(join(root, CACHE_DIR))) {
      const cacheDay = join(root, CACHE_DIR, day);
      for (const f of readdirSync(cacheDay)) writeFileSync(join(cacheDay, f), 'AMSD garbage');
    }
    const again = await summaries(root, true);
    expect(again.hits).toBe(0);
    expect(again.keys).toEqual(first.keys);
  });

  it('folds a span whose start and end are in different segments, and drops a duplicate across segments', async () => {
    const root = tempDir();
    const day = new Date().toISOString().slice(0, 10);
    const dir = join(root, 'events', day);
    mkdirSync(dir, { recursive: true });
    const ts = new Date(Date.now() - 120_000).toISOString();
    const end = new Date(Date.now() - 60_000).toISOString();
    const base = `"run_id":"r1","env":"dev"`;
    writeFileSync(join(dir, 'a.jsonl'),
      `{"v":1,"id":"e1","ts":"${ts}","type":"span.start","span_id":"r1","kind":"run","name":"run","parent_id":null,${base},"attrs":{"project":"p"}}\n` +
      `{"v":1,"id":"e3","ts":"${end}","type":"span","span_id":"t1","kind":"task","name":"t","parent_id":"r1",${base},"start_ts":"${ts}","duration_ms":1,"status":"success","attrs":{}}\n`);
    writeFileSync(join(dir, 'b.jsonl'),
      `{"v":1,"id":"e2","ts":"${end}","type":"span.end","span_id":"r1","kind":"run",${base},"start_ts":"${ts}","duration_ms":60000,"status":"success","attrs":{}}\n` +
      // The same complete task again (at-least-once delivery into another segment).
      `{"v":1,"id":"e3","ts":"${end}","type":"span","span_id":"t1","kind":"task","name":"t","parent_id":"r1",${base},"start_ts":"${ts}","duration_ms":1,"status":"success","attrs":{}}\n`);
    settle(root);
    for (const pass of [1, 2]) {
      const spans: SpanSummary[] = [];
      const st = await scanSummaries({ root, onSpan: (s) => spans.push({ ...s }) });
      expect(spans.map((s) => [s.kind, s.state, s.status]).sort(), `pass ${pass}`).toEqual([
        ['run', 'ended', 'success'],
        ['task', 'ended', 'success'],
      ]);
      expect(spans.find((s) => s.kind === 'run')?.attrs['project']).toBe('p');
      expect(st.fold.duplicates).toBe(1);
    }
  });
});
