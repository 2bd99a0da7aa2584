import { appendFileSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMeter } from '../../src/sdk/index.js';
import { generateDemo } from '../../src/integrations/demo.js';
import type { Feedback, SpanSummary } from '../../src/model/index.js';
import { SPAN_KINDS, SUMMARY_NUMBER_KEYS, SUMMARY_PROFILE_KEYS } from '../../src/model/index.js';
import { CACHE_DIR, scanSpans, scanSummaries } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

/** Age every segment, as if written a minute ago (the cache does not depend on it). */
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

// One "now" for every scan, so a span near the open timeout cannot turn abandoned between two.
const NOW = Date.now();

async function summaries(root: string, cache: boolean): Promise<{ keys: string[]; hits: number; writes: number }> {
  const keys: string[] = [];
  const st = await scanSummaries({ root, cache, nowMs: NOW, onSpan: (s) => keys.push(key(s)) });
  return { keys: keys.sort(), hits: st.cache.hits, writes: st.cache.writes };
}

async function rawSpans(root: string): Promise<string[]> {
  const keys: string[] = [];
  await scanSpans({ root, nowMs: NOW, onSpan: (s) => keys.push(key(s)) });
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

  it('counts the attempts of a cycle that crossed midnight, its start and end in two days\' segments', async () => {
    const root = tempDir();
    const ev = (o: Record<string, unknown>): string => `${JSON.stringify({ v: 1, env: 'dev', attrs: {}, ...o })}\n`;
    const id = (n: number): string => `0190a000-0000-7000-8000-00000000000${n}`;
    const day1 = join(root, 'events', '2025-03-04');
    const day2 = join(root, 'events', '2025-03-05');
    mkdirSync(day1, { recursive: true });
    mkdirSync(day2, { recursive: true });
    writeFileSync(join(day1, 'a.jsonl'), ev({ id: id(1), ts: '2025-03-04T23:59:50.000Z', type: 'span.start', span_id: 'd1', kind: 'debug', name: 'debug x', parent_id: null, run_id: 'd1' }));
    writeFileSync(
      join(day2, 'b.jsonl'),
      ev({ id: id(2), ts: '2025-03-05T00:00:05.000Z', type: 'span.event', span_id: 'd1', run_id: 'd1', name: 'debug.attempt' }) +
        ev({ id: id(3), ts: '2025-03-05T00:00:09.000Z', type: 'span.event', span_id: 'd1', run_id: 'd1', name: 'debug.attempt' }) +
        ev({ id: id(4), ts: '2025-03-05T00:00:10.000Z', type: 'span.end', span_id: 'd1', kind: 'debug', run_id: 'd1', start_ts: '2025-03-04T23:59:50.000Z', duration_ms: 20_000, status: 'success' }),
    );
    settle(root);
    const points: number[] = [];
    await scanSpans({ root, nowMs: NOW, onSpan: (s) => points.push(s.pointEvents) });
    for (const cache of [true, true, false]) await scanSummaries({ root, cache, nowMs: NOW, onSpan: (s) => points.push(s.pointEvents) });
    expect(points).toEqual([2, 2, 2, 2]);
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

  it('folds a segment again for a read that asks for detail when its digest\'s detail is damaged; reports still use the digest', async () => {
    const root = tempDir();
    await generateDemo({ dir: root, days: 1, seed: 5, runsPerDay: 10, now: Date.now() - 3_600_000 });
    settle(root);
    const detailKeys = async (): Promise<{ keys: string[]; hits: number }> => {
      const keys: string[] = [];
      const st = await scanSummaries({ root, nowMs: NOW, detail: true, onSpan: (s) => (s.spanId !== undefined ? keys.push(`${s.spanId} ${s.name} ${s.endMs} ${String(s.attrs['error.message'])}`) : undefined) });
      return { keys: keys.sort(), hits: st.cache.hits };
    };
    const first = await detailKeys();
    expect(first.keys.length).toBeGreaterThan(10);
    // The detail's JSON ends each digest but for the feedback attributes' texts, a part per
    // span kind (their lengths in the header's `nMore`, the texts' in `fbAttrLen`): overwrite
    // the last bytes of the agents' part (the length stays).
    let damaged = 0;
    const agent = SPAN_KINDS.indexOf('agent');
    for (const day of readdirSync(join(root, CACHE_DIR))) {
      for (const f of readdirSync(join(root, CACHE_DIR, day))) {
        const path = join(root, CACHE_DIR, day, f);
        const bytes = readFileSync(path);
        const { nMore, fbAttrLen } = JSON.parse(bytes.toString('utf8', 8, 8 + bytes.readUInt32LE(4))) as { nMore: number[]; fbAttrLen: number[] };
        const end = bytes.length - [...nMore.slice(agent + 1), ...fbAttrLen].reduce((a, b) => a + b, 0);
        if (bytes[end - 1] !== 0x7d) continue; // ends with the JSON's `}`
        bytes.fill(0x5b, end - 3, end);
        writeFileSync(path, bytes);
        damaged++;
      }
    }
    expect(damaged).toBeGreaterThan(0);
    // A report does not read the detail: the damaged digests still serve it.
    expect((await summaries(root, true)).hits).toBeGreaterThanOrEqual(damaged);
    const again = await detailKeys();
    expect(again.keys).toEqual(first.keys);
    expect((await detailKeys()).hits).toBe(again.hits + damaged);
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

  it('keeps every feedback field through the cache, the last feedback per span winning across segments', async () => {
    const root = tempDir();
    const day = new Date().toISOString().slice(0, 10);
    const dir = join(root, 'events', day);
    mkdirSync(dir, { recursive: true });
    const t = (s: number): string => new Date(Date.now() - 600_000 + s * 1000).toISOString();
    const fb = (id: string, ts: string, span: string, extra: string): string =>
      `{"v":1,"id":"${id}","ts":"${ts}","type":"feedback","span_id":"${span}","run_id":"r1","env":"dev",${extra}}\n`;
    writeFileSync(join(dir, 'a.jsonl'),
      fb('f1', t(1), 's1', '"success":true,"rating":4,"source":"human","attrs":{"target.kind":"agent","gen_ai.agent.name":"coding"}') +
      fb('f2', t(2), 's2', '"success":null,"rating":null,"source":"automated_tests","attrs":{"feedback.notes":"fine"}') +
      fb('f3', t(3), 's3', '"success":false,"rating":2,"source":"human","attrs":{}'));
    writeFileSync(join(dir, 'b.jsonl'),
      // Later feedback on s1 replaces the earlier; a repeated id is a duplicate.
      fb('f4', t(4), 's1', '"success":false,"rating":1,"source":"human","attrs":{"target.kind":"agent"}') +
      fb('f2', t(2), 's2', '"success":null,"rating":null,"source":"automated_tests","attrs":{"feedback.notes":"fine"}'));
    settle(root);
    const runs: { feedback: Feedback[]; hits: number; duplicates: number }[] = [];
    for (const cache of [true, true, false]) {
      const feedback: Feedback[] = [];
      const st = await scanSummaries({ root, cache, onSpan: () => undefined, onFeedback: (f) => feedback.push(f) });
      runs.push({ feedback: feedback.sort((a, b) => a.spanId.localeCompare(b.spanId)), hits: st.cache.hits, duplicates: st.fold.duplicates });
    }
    expect(runs[1]?.hits).toBe(2);
    const [cold, warm, off] = runs;
    expect(cold?.feedback.map((f) => [f.id, f.spanId, f.success, f.rating, f.source])).toEqual([
      ['f4', 's1', false, 1, 'human'],
      ['f2', 's2', null, null, 'automated_tests'],
      ['f3', 's3', false, 2, 'human'],
    ]);
    expect(cold?.feedback[1]?.attrs).toEqual({ 'feedback.notes': 'fine' });
    expect(warm?.feedback).toEqual(cold?.feedback);
    expect(off?.feedback).toEqual(cold?.feedback);
    expect(runs.map((r) => r.duplicates)).toEqual([1, 1, 1]);
  });

  it('a read that takes no feedback keeps none, but counts its events as the fold does, from the cache and uncached', async () => {
    const root = tempDir();
    const day = new Date().toISOString().slice(0, 10);
    const dir = join(root, 'events', day);
    mkdirSync(dir, { recursive: true });
    const t = (s: number): string => new Date(Date.now() - 600_000 + s * 1000).toISOString();
    // Canonical ids, so the digest keeps the feedback in its columns; one odd id, kept whole.
    const id = (n: number): string => `0190a1b2-c3d4-7e5f-8a6b-${String(n).padStart(12, '0')}`;
    const fb = (eid: string, span: string, s: number): string =>
      `{"v":1,"id":"${eid}","ts":"${t(s)}","type":"feedback","span_id":"${span}","run_id":"${id(99)}","env":"dev","success":true,"rating":4,"source":"human","attrs":{}}\n`;
    writeFileSync(join(dir, 'a.jsonl'), fb(id(1), id(11), 1) + fb(id(2), id(12), 2) + fb('odd', id(13), 3));
    writeFileSync(join(dir, 'b.jsonl'), fb(id(3), id(11), 4) + fb(id(2), id(12), 2));
    settle(root);
    const kept = await scanSummaries({ root, onSpan: () => undefined, onFeedback: () => undefined });
    expect(kept.fold.events).toBe(5);
    for (const cache of [true, true, false]) {
      const st = await scanSummaries({ root, cache, onSpan: () => undefined });
      expect(st.fold.events, `cache ${cache}`).toBe(5);
      // A repeated feedback id is a duplicate only where feedback is kept.
      expect(st.fold.duplicates).toBe(0);
    }
    expect(kept.fold.duplicates).toBe(1);
  });
});
