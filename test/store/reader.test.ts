import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AgentmeterEvent } from '../../src/model/index.js';
import { decodeLine, validateEvent } from '../../src/model/index.js';
import { SegmentWriter, scanEvents, scanSegmentFile, scanSpans } from '../../src/store/index.js';
import { nodeWriterFs } from '../../src/store/writer-fs.js';
import type { SkippedLine } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { readAll, sampleEvent, sampleLine } from './helpers.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'store', 'corrupt');
const CHUNK = 64 * 1024;
const T0 = Date.parse('2025-03-04T10:00:00.000Z');

/** A store with one segment holding exactly `content`. */
function storeWith(content: string | Buffer): { root: string; file: string } {
  const root = tempDir();
  const dir = join(root, 'events', '2025-03-04');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'seg.jsonl');
  writeFileSync(file, content);
  return { root, file };
}

describe('scanEvents on the corrupt fixture store', () => {
  it('reads every valid event and skips exactly the damaged lines, with file:line and reason', async () => {
    const { events, skips, stats } = await readAll(FIXTURE);
    expect(events.map((e) => e.span_id)).toEqual(['s-1', 's-2', 's-3', 's-5', 's-6', 's-8', 's-9', 's-10', 's-11', 's-12']);
    const brief = skips.map((s) => [s.file.slice(FIXTURE.length + 1), s.line, s.reason.replace(/:.*/s, '')]);
    expect(brief).toEqual([
      ['events/2025-01-01/b-torn-tail.jsonl', 2, 'torn tail (no newline)'],
      ['events/2025-01-01/c-invalid-json.jsonl', 2, 'invalid JSON'],
      ['events/2025-01-01/d-schema-invalid.jsonl', 1, 'invalid event'],
      ['events/2025-01-01/d-schema-invalid.jsonl', 2, 'invalid event'],
      ['events/2025-01-01/d-schema-invalid.jsonl', 3, 'invalid event'],
    ]);
    expect(skips[2]!.reason).toContain('/attrs/validated');
    expect(skips[3]!.reason).toContain('unknown event type "nope"');
    expect(skips[4]!.reason).toContain('must be a JSON object');
    expect(stats).toMatchObject({ partitions: 2, segments: 9, events: 10, skipped: 5 });
    // a:2 b:2 c:3 d:4 e:2 f:0 g:3 h:2 (day 2) a:1
    expect(stats.lines).toBe(19);
    expect(stats.samples).toEqual(skips);
  });

  it('accepts bare Infinity and NaN (as Python writes them) and reads them as null', async () => {
    const byId = new Map<string, AgentmeterEvent>();
    await scanEvents({ root: FIXTURE, onEvent: (e) => byId.set(e.span_id, e) });
    expect(byId.get('s-9')!.attrs).toMatchObject({ baseline_latency_ms: null, optimized_latency_ms: 2 });
    expect(byId.get('s-10')!.attrs).toMatchObject({ optimized_latency_ms: null, promoted: null });
  });

  it('opens only the partitions overlapping the window and does not filter events itself', async () => {
    const ids: string[] = [];
    const stats = await scanEvents({ root: FIXTURE, sinceMs: Date.parse('2025-01-02T23:00:00Z'), onEvent: (e) => ids.push(e.span_id) });
    expect(ids).toEqual(['s-12']);
    expect(stats).toMatchObject({ partitions: 1, segments: 1, skipped: 0 });
    const early: string[] = [];
    await scanEvents({ root: FIXTURE, untilMs: Date.parse('2025-01-01T00:00:00Z'), onEvent: (e) => early.push(e.span_id) });
    expect(early).toHaveLength(9); // s-1's ts is 10:00, after untilMs, and is still passed on
  });

  it('a missing store gives empty stats, not an error', async () => {
    const stats = await scanEvents({ root: join(tempDir(), 'nothing'), onEvent: () => {} });
    expect(stats).toEqual({ partitions: 0, segments: 0, bytes: 0, lines: 0, events: 0, skipped: 0, samples: [] });
  });

  it('onSkip sees every skip; samples keep the first 20', async () => {
    const bad = Array.from({ length: 25 }, (_, i) => `garbage ${i}\n`).join('');
    const { root, file } = storeWith(bad + sampleLine(T0, 0).slice(0, -1));
    const seen: SkippedLine[] = [];
    const stats = await scanEvents({ root, onEvent: () => {}, onSkip: (s) => seen.push(s) });
    expect(stats.skipped).toBe(26);
    expect(seen).toHaveLength(26);
    expect(stats.samples).toEqual(seen.slice(0, 20));
    expect(seen.at(-1)).toEqual({ file, line: 26, reason: 'torn tail (no newline)' });
  });
});

describe('scanEvents across chunk boundaries', () => {
  it('decodes a multi-byte character split across the 64 KiB boundary', async () => {
    const first = sampleLine(T0, 0);
    const probe = JSON.stringify(sampleEvent(T0, 1, 'w0', 'PAD'));
    const padAt = Buffer.byteLength(first) + Buffer.byteLength(probe.slice(0, probe.indexOf('PAD')));
    // ASCII up to two bytes before the boundary, then a 4-byte emoji and a 3-byte euro sign.
    const pad = 'a'.repeat(CHUNK - 2 - padAt) + '😀€' + 'z'.repeat(100);
    const line = sampleLine(T0, 1, 'w0', pad);
    const content = Buffer.from(first + line + sampleLine(T0, 2));
    expect(content.subarray(CHUNK - 2, CHUNK + 2).toString('utf8')).toBe('😀');
    const { root } = storeWith(content);
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    expect(events.map((e) => e.attrs['pad'] ?? null)).toEqual([null, pad, null]);
  });

  it('reads a line longer than several chunks, and newlines on both sides of each boundary', async () => {
    const long = sampleLine(T0, 0, 'w0', 'é'.repeat(150_000));
    const base = Buffer.byteLength(long);
    // Fill so that a newline lands exactly on the last byte of a chunk, then on the first of the next.
    const filler = (n: number): string => {
      const probe = sampleLine(T0, 9, 'w0', 'X');
      return sampleLine(T0, 9, 'w0', 'x'.repeat(n - Buffer.byteLength(probe) + 1));
    };
    const nextBoundary = Math.ceil(base / CHUNK) * CHUNK;
    const a = filler(nextBoundary - base); // ends exactly at the boundary
    const b = filler(CHUNK + 1); // its newline is the first byte of the chunk after next
    const content = long + a + b + sampleLine(T0, 3);
    expect(Buffer.byteLength(long + a) % CHUNK).toBe(0);
    const { root } = storeWith(content);
    const { events, skips, stats } = await readAll(root);
    expect(skips).toEqual([]);
    expect(events).toHaveLength(4);
    expect((events[0]!.attrs['pad'] as string).length).toBe(150_000);
    expect(stats.bytes).toBe(Buffer.byteLength(content));
  });

  it('reports a torn tail that spans a chunk boundary on its own line number', async () => {
    const torn = sampleLine(T0, 1, 'w0', 'y'.repeat(2 * CHUNK)).slice(0, CHUNK + 500);
    const { root, file } = storeWith(sampleLine(T0, 0) + torn);
    const { events, skips } = await readAll(root);
    expect(events).toHaveLength(1);
    expect(skips).toEqual([{ file, line: 2, reason: 'torn tail (no newline)' }]);
  });

  it('skips a line longer than maxLineBytes without keeping it, and carries on', async () => {
    const { root, file } = storeWith(sampleLine(T0, 0) + sampleLine(T0, 1, 'w0', 'q'.repeat(300_000)) + sampleLine(T0, 2));
    const skips: SkippedLine[] = [];
    const ids: unknown[] = [];
    await scanEvents({ root, maxLineBytes: 100_000, onEvent: (e) => ids.push(e.attrs['seq']), onSkip: (s) => skips.push(s) });
    expect(ids).toEqual([0, 2]);
    expect(skips).toEqual([{ file, line: 2, reason: 'line longer than 100000 bytes' }]);
  });
});

describe('scanEvents control', () => {
  it('stops when the signal aborts, rejecting with its reason', async () => {
    const { root } = storeWith(Array.from({ length: 10 }, (_, i) => sampleLine(T0, i)).join(''));
    const ac = new AbortController();
    ac.abort(new Error('enough'));
    await expect(scanEvents({ root, signal: ac.signal, onEvent: () => {} })).rejects.toThrow('enough');
  });

  it('lets an error thrown by onEvent propagate (it is the caller’s)', async () => {
    const { root } = storeWith(sampleLine(T0, 0));
    await expect(
      scanEvents({
        root,
        onEvent: () => {
          throw new Error('caller bug');
        },
      }),
    ).rejects.toThrow('caller bug');
  });
});

describe('scanSpans', () => {
  it('folds starts and ends written by a SegmentWriter into spans, deduping repeated ids', async () => {
    const root = tempDir();
    const w = new SegmentWriter({ root, durability: 'flush', handleSignals: false });
    const start = {
      v: 1, id: '01942f5e-1000-7000-8000-000000000001', ts: '2025-03-04T10:00:00.000Z', type: 'span.start', kind: 'agent',
      span_id: 'a1', run_id: 'r1', env: 'test', name: 'coding', parent_id: null, attrs: { 'gen_ai.agent.name': 'coding' },
    };
    const end = {
      v: 1, id: '01942f5e-1000-7000-8000-000000000002', ts: '2025-03-04T10:00:02.000Z', type: 'span.end', kind: 'agent',
      span_id: 'a1', run_id: 'r1', env: 'test', start_ts: '2025-03-04T10:00:00.000Z', duration_ms: 2000, status: 'success', attrs: {},
    };
    for (const e of [start, end, end]) w.append(JSON.stringify(e) + '\n', T0);
    w.close();
    const spans: { spanId: string; state: string; durationMs: number | null }[] = [];
    const { read, fold } = await scanSpans({ root, onSpan: (s) => spans.push(s) });
    expect(spans).toEqual([expect.objectContaining({ spanId: 'a1', state: 'ended', durationMs: 2000 })]);
    expect(read.events).toBe(3);
    expect(fold.duplicates).toBe(1);
  });
});

describe('symlinks and byte order marks', () => {
  it('a symlink planted at a segment path is not followed: the events it points to are not read', async () => {
    const outside = join(tempDir(), 'elsewhere.jsonl');
    writeFileSync(outside, sampleLine(T0, 99));
    const { root, file } = storeWith(sampleLine(T0, 1));
    const planted = join(dirname(file), 'planted.jsonl');
    symlinkSync(outside, planted);
    const seen: unknown[] = [];
    const skipped: SkippedLine[] = [];
    const stats = await scanSegmentFile(planted, { onEvent: (e) => seen.push(e), onSkip: (s) => skipped.push(s) });
    expect(seen).toEqual([]);
    expect(stats.events).toBe(0);
    expect(skipped[0]?.reason).toMatch(/ELOOP/);
    // The store's own scan reads its segment and leaves the link alone.
    const { events } = await readAll(root);
    expect(events.map((e) => e.attrs['seq'])).toEqual([1]);
  });

  it('the writer never writes through a symlink at a new segment path', () => {
    const target = join(tempDir(), 'target');
    writeFileSync(target, 'keep');
    const link = join(tempDir(), 'seg.jsonl');
    symlinkSync(target, link);
    expect(() => nodeWriterFs.openNew(link)).toThrow(/EEXIST|ELOOP/);
    expect(readFileSync(target, 'utf8')).toBe('keep');
  });

  it('a UTF-8 byte order mark at the start of a segment costs no event', async () => {
    const { root } = storeWith(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sampleLine(T0, 1) + sampleLine(T0, 2))]));
    const { events, skips } = await readAll(root);
    expect(skips).toEqual([]);
    expect(events.map((e) => e.attrs['seq'])).toEqual([1, 2]);
  });
});

describe('scanSegmentFileSync (the fold workers\' blocking reads)', () => {
  it('reads the same events and skips the same lines as scanSegmentFile, across its 1 MiB chunks', async () => {
    const MIB = 1024 * 1024;
    // Lines of multi-byte characters whose bytes straddle the 1 MiB and 64 KiB chunk edges,
    // an invalid line, a line past the length limit, a blank and a CRLF line, a torn tail.
    const lines: string[] = [];
    let bytes = 0;
    for (let i = 0; bytes < 2.5 * MIB; i++) {
      const e = sampleEvent(T0, i);
      e.attrs['note'] = `é漢🙂${'x'.repeat(i % 97)}`.repeat(1 + (i % 7));
      const line = i % 501 === 7 ? '{"v":1,"broken":' : i % 733 === 5 ? JSON.stringify(e) + '\r' : i % 877 === 3 ? '' : JSON.stringify(e);
      lines.push(line);
      bytes += Buffer.byteLength(line) + 1;
    }
    lines.push(JSON.stringify({ ...sampleEvent(T0, -1), attrs: { pad: 'p'.repeat(300_000) } }));
    const { file } = storeWith(`${lines.join('\n')}\n{"v":1,"torn`);
    const { scanSegmentFileSync } = await import('../../src/store/reader.js');
    const read = async (sync: boolean): Promise<{ seqs: unknown[]; skips: [number, string][]; stats: object }> => {
      const seqs: unknown[] = [];
      const skips: [number, string][] = [];
      const opts = { onEvent: (e: AgentmeterEvent) => seqs.push(e.attrs['seq']), onSkip: (s: SkippedLine) => skips.push([s.line, s.reason]), maxLineBytes: 200_000 };
      const stats = sync ? scanSegmentFileSync(file, opts) : await scanSegmentFile(file, opts);
      return { seqs, skips, stats };
    };
    const sync = await read(true);
    const plain = await read(false);
    expect(sync).toEqual(plain);
    expect(sync.seqs.length).toBeGreaterThan(1000);
    expect(sync.skips.map(([, r]) => r.replace(/:.*/s, ''))).toEqual([
      ...lines.flatMap((l) => (l.startsWith('{"v":1,"broken"') ? ['invalid JSON'] : [])),
      'line longer than 200000 bytes',
      'torn tail (no newline)',
    ]);
  });
});

describe('decoding a chunk of lines at once', () => {
  it('reads each line as decoding it alone would, invalid UTF-8 at its ends included', async () => {
    // Truncated and stray UTF-8 sequences at the end of a line (before its newline), at the
    // start of one (after a newline) and inside a string.
    const bad = [[0xf0, 0x9f], [0xe6], [0x80], [0xc3], [0xed, 0xa0, 0x80], [0xff]].map((b) => Buffer.from(b));
    const valid = (i: number, inner = Buffer.alloc(0)): Buffer => {
      const [head, tail] = JSON.stringify({ ...sampleEvent(T0, i), name: '@@' }).split('@@') as [string, string];
      return Buffer.concat([Buffer.from(head), inner, Buffer.from(`x${tail}`)]);
    };
    const lines = bad.flatMap((b, i) => [valid(10 * i, b), Buffer.concat([Buffer.from('{"v":1'), b]), Buffer.concat([b, valid(10 * i + 1)]), valid(10 * i + 2, Buffer.concat([b, b]))]);
    const { file } = storeWith(Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const seen: unknown[] = [];
    const skipped: string[] = [];
    await scanSegmentFile(file, { onEvent: (e) => seen.push(e), onSkip: (s) => skipped.push(`${s.line} ${s.reason}`) });
    // Each line decoded alone, then parsed and validated as the reader does.
    const alone: unknown[] = [];
    const aloneSkipped: string[] = [];
    lines.forEach((l, i) => {
      const d = decodeLine(l.toString('utf8'));
      const v = d.ok ? validateEvent(d.value) : undefined;
      if (v?.ok === true) alone.push(v.event);
      else aloneSkipped.push(`${i + 1} ${d.ok ? `invalid event: ${(v as { error: string }).error}` : `invalid JSON: ${d.error}`}`);
    });
    expect(seen).toEqual(alone);
    expect(skipped).toEqual(aloneSkipped);
    expect(seen.length).toBe(12);
    expect(seen.every((e) => (e as { name: string }).name.includes('\ufffd'))).toBe(true);
  });
});
