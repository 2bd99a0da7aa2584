/**
 * The line scanner (WebAssembly, `wasm/line-scan.ts`) is only a fast path: a read that counts
 * events without decoding them (`validate`) must count and skip exactly what the ordinary
 * path does, on any bytes: torn and bad lines, numbers as strings, unicode split across
 * chunks, bytes that are not UTF-8. (Its COPY rows are held to the ordinary path by
 * test/sinks/copy-scan.test.ts.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLine, validateEvent } from '../../src/model/index.js';
import { scanEvents } from '../../src/store/index.js';
import type { ReadStats, SkippedLine } from '../../src/store/index.js';
import { packUuid } from '../../src/model/packed-uuid.js';
import { ENTRY, ENTRY_NUMBER, F_ENV, F_RUN_ID, F_SPAN_ID, PACKED_AT, REC, WANTED, lineScanner } from '../../src/store/line-scan.js';
import type { ChunkSource } from '../../src/store/line-scan.js';
import { tempDir } from '../helpers.js';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const uuid = (i: number): string => `0190a001-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;

/** Lines as agentmeter writes them (JSON.stringify, the SDK's key order), of every type. */
function writerLines(i: number, value: unknown, text: string): string[] {
  const span = uuid(i);
  const base = { v: 1, id: uuid(1000 + i), ts: iso(T0 + i) };
  return [
    { ...base, type: 'span.start', span_id: span, kind: 'agent', name: text, parent_id: null, run_id: span, env: 'prod', attrs: { 'gen_ai.agent.name': text, 'agent.attempt': value, x: value } },
    { ...base, type: 'span.end', span_id: span, kind: 'agent', run_id: span, env: 'prod', start_ts: iso(T0), duration_ms: 12.5, status: 'success', attrs: { cost_usd: value, files_modified: [text] } },
    { ...base, type: 'span', span_id: span, kind: 'pipeline', name: 'ci', parent_id: span, run_id: span, env: 'prod', start_ts: iso(T0), duration_ms: value, status: 'failure', attrs: { 'pipeline.attempt': 2 } },
    { ...base, type: 'span.event', span_id: span, run_id: span, env: 'prod', name: 'debug.attempt', attrs: { note: text } },
    { ...base, type: 'feedback', span_id: span, run_id: null, env: 'prod', success: true, rating: value, source: 'human', attrs: { 'target.kind': 'agent' } },
  ].map((e) => JSON.stringify(e));
}

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('plain', 'é😀', 'a "b" \\ c', '\\u0000', ''),
);
const value = fc.oneof(fc.integer(), fc.double(), fc.constantFrom('3', '0.5', null, true, 1e21, 0.1 + 0.2, -0));
// Bytes no UTF-8 decoder accepts as they are: a stray continuation, a lead without its tail,
// an overlong slash, an encoded surrogate, past U+10FFFF.
const badUtf8 = fc.constantFrom([0x80], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff]);
const line = fc
  .record({
    i: fc.nat({ max: 50 }),
    which: fc.nat({ max: 4 }),
    value,
    text,
    op: fc.constantFrom('none', 'none', 'delete', 'insert', 'bytes', 'cut', 'long', 'crlf', 'bom'),
    at: fc.nat(),
    piece: fc.constantFrom('"', '\\', '{', '}', ',', ':', ' ', '0', '-', 'é', '\t', 'null', '"x":1,'),
    bytes: badUtf8,
  })
  .map(({ i, which, value: v, text: t, op, at, piece, bytes }) => {
    const l = Buffer.from(writerLines(i, v, t)[which] as string, 'utf8');
    const k = at % (l.length + 1);
    switch (op) {
      case 'delete':
        return Buffer.concat([l.subarray(0, k), l.subarray(k + 1)]);
      case 'insert':
        return Buffer.concat([l.subarray(0, k), Buffer.from(piece, 'utf8'), l.subarray(k)]);
      case 'bytes':
        return Buffer.concat([l.subarray(0, k), Buffer.from(bytes), l.subarray(k)]);
      case 'cut':
        return l.subarray(0, k);
      case 'long':
        // Across the reader's 64 KiB chunks, multi-byte characters cut between them.
        return Buffer.from(writerLines(i, v, 'é😀'.repeat(9000) + t)[which] as string, 'utf8');
      case 'crlf':
        return Buffer.concat([l, Buffer.from('\r')]);
      case 'bom':
        return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), l]);
      default:
        return l;
    }
  });

async function read(root: string, decode: boolean): Promise<{ stats: ReadStats; skips: SkippedLine[] }> {
  const skips: SkippedLine[] = [];
  const stats = await scanEvents({ root, ...(decode ? { onEvent: () => undefined } : {}), onSkip: (s) => skips.push(s) });
  return { stats, skips };
}


/** A chunk source of `bytes` in one read. */
const whole = (bytes: Uint8Array): ChunkSource => ({
  read: (into) => {
    into.set(bytes);
    return bytes.length;
  },
});

describe('the line scanner', () => {
  it('counts and skips what the ordinary path does, on any segment', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 24 }), fc.boolean(), async (lines, torn) => {
        const root = tempDir();
        const day = join(root, 'events', '2025-03-01');
        mkdirSync(day, { recursive: true });
        const parts = lines.flatMap((l) => [l, Buffer.from('\n')]);
        if (torn) parts.push(Buffer.from('{"v":1,"id":"x'));
        writeFileSync(join(day, `20250301T000000000Z-1-${n++}.jsonl`), Buffer.concat(parts));
        const counted = await read(root, false);
        const decoded = await read(root, true);
        expect(counted).toEqual(decoded);
      }),
      { numRuns: 300 },
    );
  });

  it('takes a line only if the ordinary path accepts it, and takes every line agentmeter writes', () => {
    const scan = lineScanner();
    let taken = 0;
    fc.assert(
      fc.property(line, (l) => {
        scan.load(l);
        if (scan.line(0, l.length, false, true) === -1) return;
        taken++;
        const d = decodeLine(l.toString('utf8'));
        expect(d.ok && validateEvent(d.value).ok, l.toString('utf8')).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(taken).toBeGreaterThan(100);
    for (const l of writerLines(7, 3, 'plain é😀')) {
      const b = Buffer.from(l, 'utf8');
      scan.load(b);
      expect(scan.line(0, b.length, false, true), l).not.toBe(-1);
    }
  });

  it('takes a timestamp with any byte replaced only if the ordinary path accepts it, and every one a writer writes', () => {
    const scan = lineScanner();
    const l = writerLines(3, 1, 'x')[1] as string;
    let taken = 0;
    for (const field of ['"ts":"', '"start_ts":"']) {
      const at = l.indexOf(field) + field.length;
      for (let k = 0; k < 24; k++) {
        for (const c of '0123456789-:.TZ/ t\x7fé') {
          const b = Buffer.from(l.slice(0, at + k) + c + l.slice(at + k + 1), 'utf8');
          scan.load(b);
          const d = decodeLine(b.toString('utf8'));
          const valid = d.ok && validateEvent(d.value).ok;
          const took = scan.line(0, b.length, false, true) !== -1;
          if (took) taken++;
          // Taken only in the form a writer writes (`toISOString` of an instant since 1970), which
          // the scanner reads as `Date.parse` does; the ordinary path takes any text from 1970 on.
          const ts = b.toString('utf8', at, at + 24 + (c === 'é' ? 1 : 0));
          const written = Date.parse(ts) >= 0 && new Date(Date.parse(ts)).toISOString() === ts;
          expect(!took || (valid && written), ts).toBe(true);
          // A digit for a digit keeps the form: taken whenever that is still an instant.
          if (/^[0-9]{2}$/.test(c + (l[at + k] as string))) expect(took, ts).toBe(valid && written);
        }
      }
    }
    expect(taken).toBeGreaterThan(200);
  });

  it('records a text by one id wherever it lies and whatever follows it, and different texts by different ids', () => {
    const scan = lineScanner();
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '-', '0', 'é'), maxLength: 20 }), { minLength: 1, maxLength: 12 }), (texts) => {
        // Each text as a span id, a run id and an env, each followed by other bytes.
        const lines = texts.map((t, i) => JSON.stringify({ v: 1, id: `e${i}`, ts: iso(T0 + i), type: 'span.event', span_id: t, run_id: texts[(i + 1) % texts.length], env: t, name: 'x', attrs: {} }));
        const bytes = Buffer.from(lines.join('\n') + '\n', 'utf8');
        expect(scan.startRecord(bytes.length)).toBe(true);
        const chunk = scan.nextChunk(0, whole(bytes));
        const ids = new Map<string, number>();
        let s = 0;
        for (let i = 0; i < texts.length; i++) {
          const t = texts[i] as string;
          const nl = chunk.indexOf(10, s);
          expect(scan.record(s)).toBe(3);
          // The scanner finds the line's newline itself.
          expect(scan.offset(scan.rec[REC.end] as number)).toBe(nl);
          for (const [field, text] of [[F_SPAN_ID, t], [F_ENV, t], [F_RUN_ID, texts[(i + 1) % texts.length] as string]] as const) {
            const id = scan.rec[REC.ids + field] as number;
            expect(scan.stringOf(id)).toBe(text);
            expect(ids.get(text) ?? id).toBe(id);
            ids.set(text, id);
          }
          s = nl + 1;
        }
        expect(new Set(ids.values()).size).toBe(ids.size);
      }),
      { numRuns: 300 },
    );
  });

  it('records the keys only detail reads unless told the fold keeps no detail; the rest alike either way', () => {
    const scan = lineScanner();
    // `error.message` is a detail key of an agent span, `gen_ai.request.model` a summary one,
    // `duration.unknown` read by every fold.
    const line = JSON.stringify({
      v: 1, id: 'e', ts: iso(T0), type: 'span', span_id: uuid(1), kind: 'agent', name: 'coder', parent_id: null, run_id: uuid(2), env: 'prod',
      start_ts: iso(T0), duration_ms: 5, status: 'failure', attrs: { 'error.message': 'boom', 'gen_ai.request.model': 'gpt-5', 'duration.unknown': false },
    });
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    const keys = (detail: boolean): string[] => {
      expect(scan.startRecord(bytes.length, detail)).toBe(true);
      scan.nextChunk(0, whole(bytes));
      expect(scan.record(0)).toBe(2);
      const n = scan.rec[REC.entries] as number;
      return Array.from({ length: n }, (_, k) => WANTED[scan.ent[k * ENTRY.size + ENTRY.key] as number]?.[0] as string);
    };
    expect(keys(true)).toEqual(['error.message', 'gen_ai.request.model', 'duration.unknown']);
    expect(keys(false)).toEqual(['gen_ai.request.model', 'duration.unknown']);
    // And back: the next segment with detail records them again.
    expect(keys(true)).toEqual(['error.message', 'gen_ai.request.model', 'duration.unknown']);
  });

  it("records each kept attribute of a line whatever the order of its keys, the line before's or another", () => {
    const scan = lineScanner();
    // Kept keys (`gen_ai.request.model` and `project` profile ones, `agent.attempt` a number
    // one, `error.message` a detail one), keys that begin as they do and go on, and keys the
    // scanner keeps none of: the scanner tries first the key that came next last time.
    const keys = ['gen_ai.request.model', 'project', 'agent.attempt', 'error.message', 'project.id', 'gen_ai.request.model2', 'projec', 'note'];
    const value = (k: string, i: number): string | number => (k === 'agent.attempt' ? i : `${k}-${i % 3}`);
    const wanted = new Set(WANTED.map(([k]) => k));
    const line = fc.tuple(fc.shuffledSubarray(keys), fc.nat(20));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), (lines) => {
        const texts = lines.map(([ks, i], n) =>
          JSON.stringify({
            v: 1, id: `e${n}`, ts: iso(T0 + n), type: 'span.start', span_id: uuid(n), kind: 'agent', name: 'coder', parent_id: null, run_id: uuid(100), env: 'prod',
            attrs: Object.fromEntries(ks.map((k) => [k, value(k, i)])),
          }),
        );
        const bytes = Buffer.from(texts.join('\n') + '\n', 'utf8');
        expect(scan.startRecord(bytes.length)).toBe(true);
        scan.nextChunk(0, whole(bytes));
        let s = 0;
        lines.forEach(([ks, i]) => {
          expect(scan.record(s)).toBe(0);
          const n = scan.rec[REC.entries] as number;
          const got = Array.from({ length: n }, (_, k) => {
            const at = k * ENTRY.size;
            const key = WANTED[scan.ent[at + ENTRY.key] as number]?.[0] as string;
            const id = scan.ent[at + ENTRY.string] as number;
            return [key, id >= 0 ? scan.stringOf(id) : scan.entf[k * 4 + ENTRY_NUMBER]] as const;
          });
          expect(got).toEqual(ks.filter((k) => wanted.has(k)).map((k) => [k, value(k, i)]));
          s = scan.offset(scan.rec[REC.end] as number) + 1;
        });
      }),
      { numRuns: 300 },
    );
  });

  it('packs an interned text as packUuid does, and only a lowercase canonical UUID', () => {
    const scan = lineScanner();
    const hex = fc.constantFrom(...'0123456789abcdef');
    const uuid = fc.tuple(...[8, 4, 4, 4, 12].map((n) => fc.string({ unit: hex, minLength: n, maxLength: n }))).map((parts) => parts.join('-'));
    // A UUID, or one with a character replaced by another near the ranges.
    const text = fc.oneof(uuid, fc.tuple(uuid, fc.nat(35), fc.constantFrom(...'/:`gGAF-x0af')).map(([u, p, c]) => u.slice(0, p) + c + u.slice(p + 1)));
    const want = new Uint8Array(16);
    let packed = 0;
    fc.assert(
      fc.property(text, (t) => {
        const bytes = Buffer.from(`${JSON.stringify({ v: 1, id: 'e', ts: iso(T0), type: 'span.event', span_id: t, run_id: 'r', env: 'prod', name: 'x', attrs: {} })}\n`, 'utf8');
        expect(scan.startRecord(bytes.length)).toBe(true);
        scan.nextChunk(0, whole(bytes));
        expect(scan.record(0)).toBe(3);
        const ok = packUuid(t, want, 0);
        expect(scan.packId(scan.rec[REC.ids + F_SPAN_ID] as number), t).toBe(ok);
        if (ok) {
          packed++;
          expect([...scan.recBytes.subarray(PACKED_AT, PACKED_AT + 16)], t).toEqual([...want]);
        }
      }),
      { numRuns: 2000 },
    );
    // Not vacuous: about half are UUIDs.
    expect(packed).toBeGreaterThan(500);
  });

  it('declines a line past ASCII that is not UTF-8 when asked to check it', () => {
    const scan = lineScanner();
    const good = Buffer.from(writerLines(1, 1, 'é')[3] as string, 'utf8');
    const at = good.indexOf('é');
    for (const bytes of [[0x80], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff]]) {
      const bad = Buffer.concat([good.subarray(0, at), Buffer.from(bytes), good.subarray(at)]);
      scan.load(bad);
      expect(scan.line(0, bad.length, false, true)).toBe(-1);
      expect(scan.line(0, bad.length, false, false)).not.toBe(-1);
    }
    scan.load(good);
    expect(scan.line(0, good.length, false, true)).not.toBe(-1);
  });
});
