import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeedbackEvent } from '../../src/model/index.js';
import type { Feedback } from '../../src/model/index.js';
import { SpanFolder } from '../../src/model/index.js';
import { hashId } from '../../src/model/fold.js';
import { packUuid, unpackUuid } from '../../src/model/packed-uuid.js';
import { FeedbackColumnsBuilder } from '../../src/store/digest-feedback.js';
import type { FeedbackColumns } from '../../src/store/digest-feedback.js';
import { FeedbackTable } from '../../src/store/feedback-table.js';

const U = (n: number): string => `01a23454-bbae-7380-b8ac-${n.toString(16).padStart(12, '0')}`;

function fb(id: string, span: string, ts: string, o: Partial<FeedbackEvent> = {}): FeedbackEvent {
  return { v: 1, id, ts, type: 'feedback', span_id: span, run_id: U(999), env: 'prod', success: true, rating: 4, source: 'human', attrs: { 'target.kind': 'agent' }, ...o };
}

/** What the fold emits for the same events: the reference behaviour. */
function viaFolder(events: FeedbackEvent[]): { out: Feedback[]; duplicates: number; events: number } {
  const out: Feedback[] = [];
  const folder = new SpanFolder({ onSpan: () => undefined, onFeedback: (f) => out.push(f) });
  for (const e of events) folder.add(e);
  folder.finish();
  return { out, duplicates: folder.stats.duplicates, events: folder.stats.events };
}

function viaTable(events: FeedbackEvent[]): { out: Feedback[]; duplicates: number; events: number } {
  const stats = { events: 0, duplicates: 0, orphanEnds: 0, orphanPoints: 0 };
  const table = new FeedbackTable(stats);
  for (const e of events) table.add(e);
  const out: Feedback[] = [];
  table.emit((f) => out.push(f));
  return { out, duplicates: stats.duplicates, events: stats.events };
}

describe('FeedbackTable', () => {
  it('keeps the last feedback per span exactly as the fold does, UUIDs and other ids alike', () => {
    const events: FeedbackEvent[] = [
      fb(U(1), U(10), '2026-01-01T00:00:01.000Z'),
      fb(U(2), U(11), '2026-01-01T00:00:02.000Z', { run_id: null, success: null, rating: null, source: 'automated_tests', env: 'dev' }),
      // Later feedback on U(10) wins; an earlier one afterwards does not; a repeat is a duplicate.
      fb(U(3), U(10), '2026-01-01T00:00:05.000Z', { success: false, rating: 1 }),
      fb(U(4), U(10), '2026-01-01T00:00:03.000Z'),
      fb(U(3), U(10), '2026-01-01T00:00:05.000Z', { success: false, rating: 1 }),
      // Ids that are not canonical UUIDs (upper case, free text) come back unchanged.
      fb('F-7', 'span-x', '2026-01-01T00:00:06.000Z', { run_id: 'RUN-1', attrs: { 'feedback.notes': 'ok' } }),
      fb(U(5).toUpperCase(), U(12).toUpperCase(), '2026-01-01T00:00:07.000Z'),
      // Equal timestamps: the one read last wins.
      fb(U(6), U(11), '2026-01-01T00:00:02.000Z', { success: true }),
    ];
    const want = viaFolder(events);
    const got = viaTable(events);
    expect(got.out).toHaveLength(4);
    expect(got).toEqual(want);
    expect(got.out[0]).toMatchObject({ id: U(3), spanId: U(10), runId: U(999), success: false, rating: 1 });
    expect(got.out[1]).toMatchObject({ id: U(6), spanId: U(11), runId: U(999) });
  });

  it('keeps one object per attribute content: equal attributes from separate events are shared, -0 and key order are not merged', () => {
    const attrsOf: FeedbackEvent['attrs'][] = [
      { 'target.kind': 'agent', project: 'payments-api', tags: ['a', 'b'] },
      { 'target.kind': 'agent', project: 'payments-api', tags: ['a', 'b'] },
      { project: 'payments-api', 'target.kind': 'agent', tags: ['a', 'b'] },
      { 'target.kind': 'agent', score: -0 },
      { 'target.kind': 'agent', score: 0 },
      { 'target.kind': 'agent', score: -0 },
    ];
    // Parsed, as a scan reads them: each event its own attribute object.
    const events = attrsOf.map((a, i) => JSON.parse(JSON.stringify(fb(U(100 + i), U(200 + i), '2026-01-01T00:00:01.000Z', { attrs: a }))) as FeedbackEvent);
    events[3] = { ...(events[3] as FeedbackEvent), attrs: { 'target.kind': 'agent', score: -0 } };
    events[5] = { ...(events[5] as FeedbackEvent), attrs: { 'target.kind': 'agent', score: -0 } };
    const { out } = viaTable(events);
    expect(out.map((f) => f.attrs)).toEqual(viaFolder(events).out.map((f) => f.attrs));
    const [a0, a1, a2, a3, a4, a5] = out.map((f) => f.attrs);
    expect(a1).toBe(a0);
    expect(a2).not.toBe(a0);
    expect(Object.keys(a2 as object)).toEqual(['project', 'target.kind', 'tags']);
    expect(Object.is(a3?.['score'], -0)).toBe(true);
    expect(Object.is(a4?.['score'], 0)).toBe(true);
    expect(a4).not.toBe(a3);
    expect(a5).not.toBe(a3);
    expect(Object.is(a5?.['score'], -0)).toBe(true);
  });

  it('grows past its first columns without losing any', () => {
    const events = Array.from({ length: 3000 }, (_, i) => fb(U(i), U(100_000 + i), new Date(Date.UTC(2026, 0, 1) + i).toISOString(), { run_id: i % 2 ? null : U(7) }));
    expect(viaTable(events)).toEqual(viaFolder(events));
  });

  it('takes digest columns as it takes events, with the ids 4 bytes at a time or byte by byte, and hands feedback over with or without its ids', () => {
    // Spans with feedback twice (later and earlier), a run id or none, over the columns' first growth.
    const events = Array.from({ length: 3000 }, (_, i) =>
      fb(U(i), U(100_000 + (i % 2200)), new Date(Date.UTC(2026, 0, 1) + (i % 7) * 1000 + i).toISOString(), {
        run_id: i % 3 ? U(7 + (i % 5)) : null,
        success: i % 4 === 0 ? null : i % 4 === 1,
        rating: i % 5 === 0 ? null : i % 5,
        attrs: { 'target.kind': i % 2 ? 'agent' : 'task', project: `p${i % 9}` },
      }),
    );
    const want = viaFolder(events).out;
    // In chunks, as digests bring them; every other chunk's ids start on an odd byte.
    const chunks: FeedbackColumns[] = [];
    for (let at = 0; at < events.length; at += 700) {
      const rows = new FeedbackColumnsBuilder(700);
      for (const e of events.slice(at, at + 700)) {
        expect(rows.add(e.id, e.span_id, e.run_id, Date.parse(e.ts), e.rating ?? NaN, e.success, e.env, e.source, () => JSON.stringify(e.attrs))).toBe(true);
      }
      const c = rows.columns();
      if (chunks.length % 2 === 1) {
        const odd = new Uint8Array(c.uuids.length + 1).subarray(1);
        odd.set(c.uuids);
        chunks.push({ ...c, uuids: odd });
      } else chunks.push(c);
    }
    const stats = { events: 0, duplicates: 0, orphanEnds: 0, orphanPoints: 0 };
    const withIds: Feedback[] = [];
    const table = new FeedbackTable(stats);
    for (const c of chunks) table.addColumns(c);
    table.emit((f) => withIds.push(f));
    expect(withIds).toEqual(want);
    expect(stats.events).toBe(events.length);
    const wantSummaries = want.map((f) => ({ env: f.env, tsMs: f.tsMs, success: f.success, rating: f.rating, source: f.source, attrs: f.attrs }));
    const summaries: unknown[] = [];
    const again = new FeedbackTable({ ...stats, events: 0 });
    for (const c of chunks) again.addColumns(c);
    again.emitSummaries((f) => summaries.push(f));
    expect(summaries).toEqual(wantSummaries);
    // Without ids, sized for fewer rows than come (it grows) and for more (it never does): the same summaries, and no `emit`.
    for (const rows of [100, 100_000]) {
      const counted = { ...stats, events: 0, duplicates: 0 };
      const bare = new FeedbackTable(counted, { ids: false, rows });
      for (const c of chunks) bare.addColumns(c);
      for (const e of events.slice(0, 50)) bare.add(e);
      const got: unknown[] = [];
      bare.emitSummaries((f) => got.push(f));
      const refCounted = { ...stats, events: 0, duplicates: 0 };
      const withEvents = new FeedbackTable(refCounted);
      for (const c of chunks) withEvents.addColumns(c);
      for (const e of events.slice(0, 50)) withEvents.add(e);
      const ref: unknown[] = [];
      withEvents.emitSummaries((f) => ref.push(f));
      expect(got).toEqual(ref);
      expect(counted).toEqual(refCounted);
      expect(counted.events).toBe(events.length + 50);
      expect(counted.duplicates).toBeGreaterThan(0);
      expect(() => bare.emit(() => undefined)).toThrow(/keeps no ids/);
    }
  });

  it("finds digests' attribute texts by their hash, tells two texts of one hash apart by their text, and looks a damaged hash up by the text", () => {
    const events = Array.from({ length: 400 }, (_, i) => fb(U(i), U(10_000 + i), '2026-01-01T00:00:01.000Z', { attrs: { 'target.kind': 'agent', project: `p${i % 7}`, note: 'é'.repeat(i % 3) } }));
    const want = viaFolder(events).out;
    const chunk = (from: number, to: number): FeedbackColumns => {
      const rows = new FeedbackColumnsBuilder(10);
      for (const e of events.slice(from, to)) rows.add(e.id, e.span_id, e.run_id, Date.parse(e.ts), e.rating ?? NaN, e.success, e.env, e.source, () => JSON.stringify(e.attrs));
      return rows.columns();
    };
    const plain = [chunk(0, 100), chunk(100, 200)];
    for (const c of plain) expect([...c.attrHash]).toEqual(c.attrText.map(hashId));
    // Every text of one chunk under one hash, and hashes no table can hold in another.
    const collide = chunk(200, 300);
    collide.attrHash.fill(plain[0]?.attrHash[0] as number);
    const damaged = chunk(300, 400);
    damaged.attrHash.set([NaN, -1, 1.5, 2 ** 60].slice(0, damaged.attrHash.length));
    const stats = { events: 0, duplicates: 0, orphanEnds: 0, orphanPoints: 0 };
    const table = new FeedbackTable(stats);
    for (const c of [...plain, collide, damaged]) table.addColumns(c);
    const out: Feedback[] = [];
    table.emit((f) => out.push(f));
    expect(out).toEqual(want);
    // One object per content across digests, whichever way its text was found.
    const byText = new Map<string, unknown>();
    for (const f of out) {
      const text = JSON.stringify(f.attrs);
      if (!byText.has(text)) byText.set(text, f.attrs);
      expect(f.attrs).toBe(byText.get(text));
    }
    expect(byText.size).toBe(21);
  });
});

describe('packed UUIDs', () => {
  it('pack and unpack every canonical lowercase UUID exactly, as one flat string', () => {
    fc.assert(
      fc.property(fc.uuid(), (u) => {
        const bytes = new Uint8Array(20);
        expect(packUuid(u, bytes, 2)).toBe(true);
        expect(unpackUuid(bytes, 2)).toBe(u);
        expect(Buffer.from(bytes.subarray(2, 18)).toString('hex')).toBe(u.replaceAll('-', ''));
      }),
      { numRuns: 500 },
    );
  });

  it('refuse any other text: upper case, other dashes, other lengths, non-hex and non-ASCII digits', () => {
    const u = '01a23454-bbae-7380-b8ac-00000000abcd';
    const bytes = new Uint8Array(16);
    expect(packUuid(u, bytes, 0)).toBe(true);
    for (const bad of [u.toUpperCase(), u.replace('-', '_'), u.slice(1), `${u}0`, u.replace('a', 'g'), u.replace('a', 'ａ'), u.replace('0', '\u0130'), `${u.slice(0, 35)}\u0100`]) {
      expect(packUuid(bad, bytes, 0)).toBe(false);
    }
  });
});
