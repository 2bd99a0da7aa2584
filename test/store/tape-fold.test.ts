/**
 * A segment folded from the line scanner's records (`foldSegmentBytes`) must give the digest
 * the ordinary fold gives (`foldSegmentLines`: decode, validate, `SpanFolder`), byte for byte,
 * or decline the segment: on fuzzed segments of every event type with duplicates, orphans,
 * point events, feedback, attributes replaced between start and end, summary and detail keys,
 * nested, escaped and unicode values, numbers in every form, and lines it must decline.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashId } from '../../src/model/fold.js';
import { foldSegmentLines } from '../../src/store/fold-segment.js';
import { decodeDigest, digestBufferSize, encodeDigest, parseDetail, replayDigest } from '../../src/store/span-digest.js';
import type { SpanDigest } from '../../src/store/span-digest.js';
import { foldSegmentBytes } from '../../src/store/tape-fold.js';
import { tempDir } from '../helpers.js';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const KINDS = ['run', 'task', 'agent', 'workflow', 'pipeline', 'debug', 'optimization', 'tool', 'llm'] as const;
// Span ids: UUIDs (which the scanner packs and hashes), and ids that are not: ASCII (it
// hashes them), upper case (not packed), not ASCII (hashed from their text).
const spanIdOf = (i: number): string =>
  i % 3 === 2 ? `span-${i}-é` : i % 5 === 4 ? (i % 2 === 0 ? `span-${i}` : `0190A001-0000-7000-8000-${i.toString(16).toUpperCase().padStart(12, '0')}`) : `0190a001-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;

const text = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('claude-sonnet-4', 'gpt-5', 'planner', 'refactor', 'tests failed', '') },
  { weight: 1, arbitrary: fc.constantFrom('é😀', 'a "b" \\ c', 'tab\there', '\u2028', 'x/y') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
);
const number = fc.oneof(
  fc.integer({ min: -5, max: 100_000 }),
  fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.constantFrom(0.1 + 0.2, 1e21, 1e-7, 0.000001, 123456789012345680000, 5e-324, -0),
);
const value = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 4, arbitrary: number },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
  { weight: 1, arbitrary: fc.constantFrom(['a.ts', 'b\\c'], { team: 'x', 'é': 'ü' }, [1, [2, { d: null }]], {}) },
  { weight: 1, arbitrary: number.map(String) },
);
// Summary, detail and other keys, mostly with values of their type; now and then any value
// (a line the schema refuses), or a key JavaScript orders or drops apart.
const plain = fc.constantFrom('claude-sonnet-4', 'gpt-5', 'planner', 'refactor', 'tests failed', '', 'é😀');
const pair = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.constantFrom('gen_ai.request.model', 'gen_ai.agent.name', 'project', 'task.type', 'error.message', 'error.type', 'run.key', 'workflow.id', 'operation', 'note'), text) },
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('gen_ai.usage.input_tokens', 'cost_usd', 'agent.attempt', 'issue_iid'), number) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('note', 'x', 'y', 'z'), value) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('duration.unknown', 'debug.resolved'), fc.boolean()) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('files_modified', 'workflow.agents_executed'), fc.array(plain, { maxLength: 2 })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('ключ', 'a.b'), value) },
);
/** Keys JavaScript orders or drops apart, an escaped key, values the schema refuses. */
const oddPair = fc.tuple(fc.constantFrom('42', '__proto__', 'a\\u0062', 'cost_usd', 'mode', 'files_modified'), value);
const attrs = fc.uniqueArray(pair, { selector: (p) => p[0], maxLength: 6 }).map((a) => a as [string, unknown][]);

const spanArb = fc.record({
  kind: fc.constantFrom(...KINDS),
  form: fc.constantFrom('pair', 'pair', 'pair', 'complete', 'startOnly', 'endOnly', 'endFirst', 'startComplete', 'endComplete'),
  // Where an end without a duration lies from its start (before it: a clock stepped back).
  skew: fc.integer({ min: -5000, max: 5000 }),
  durMs: fc.oneof(fc.integer({ min: 0, max: 3_600_000 }), fc.constant(null)),
  status: fc.constantFrom('success', 'failure', 'partial', 'unknown', 'skipped', 'cancelled'),
  env: fc.constantFrom('prod', 'dev', 'ünï'),
  name: fc.oneof({ weight: 20, arbitrary: plain }, { weight: 1, arbitrary: text }),
  parent: fc.option(fc.nat({ max: 20 }), { nil: null }),
  run: fc.nat({ max: 3 }),
  start: attrs,
  end: attrs,
  unknown: fc.option(fc.boolean(), { nil: undefined }),
  points: fc.nat({ max: 2 }),
  feedback: fc.nat({ max: 2 }),
  // The feedback's attributes (`{}`, or any of the span's), success and rating.
  fbAttrs: fc.oneof({ weight: 3, arbitrary: fc.constant([] as [string, unknown][]) }, { weight: 1, arbitrary: attrs }),
  fbSuccess: fc.constantFrom(true, false, null),
  fbRating: fc.constantFrom(null, 0, 3, 4.5, 0.1 + 0.2, 1e-7, -1, 2.50),
  // Or attributes as text JSON.stringify would not write: an array index key (ordered first
  // when parsed), an escape it would not make, a key twice. (A number in another form than
  // JSON.stringify's declines the line.)
  fbRaw: fc.constantFrom(undefined, undefined, undefined, undefined, undefined, '{"b":1.5,"42":1}', '{"x":"\\u0041","y":{"z":[1,{}]}}', '{"k":1,"k":2}', '{"y":{"b":1,"2":2}}', '{"y":[{"k":1,"k":2}]}', '{"a":{},"b":[]}', '{"x":"\\u0041\\/"}'),
  duplicate: fc.boolean(),
});

/** The raw JSON of an attributes object: keys may repeat, which JSON.stringify cannot write. */
function attrsJson(entries: [string, unknown][]): string {
  return `{${entries.map(([k, v]) => `${k.includes('\\') ? `"${k}"` : JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}

function line(fields: [string, unknown][], a: [string, unknown][]): string {
  return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')},"attrs":${attrsJson(a)}}`;
}

let uid = 0;
/**
 * The segment's lines, span after span; `nested`: every span's first events in order, then
 * the rest of each in reverse (a run's start first and its end last, as nested spans write
 * them), so a start and its end lie far apart, in different chunks.
 */
function segmentLines(spans: (typeof spanArb extends fc.Arbitrary<infer T> ? T : never)[], nested = false): string[] {
  const out: string[] = [];
  const later: string[][] = [];
  spans.forEach((s, i) => {
    const spanId = spanIdOf(i);
    const runId = spanIdOf(100 + s.run);
    const parentId = s.parent === null ? null : spanIdOf(s.parent);
    const at = T0 + i * 1000;
    const id = (): string => `0190a000-0000-7000-8000-${(uid++).toString(16).padStart(12, '0')}`;
    const endAttrs: [string, unknown][] = s.unknown === undefined ? s.end : [...s.end, ['duration.unknown', s.unknown]];
    const start = line([['v', 1], ['id', id()], ['ts', iso(at)], ['type', 'span.start'], ['span_id', spanId], ['kind', s.kind], ['name', s.name], ['parent_id', parentId], ['run_id', runId], ['env', s.env]], s.start);
    const end = line([['v', 1], ['id', id()], ['ts', iso(at + (s.durMs ?? s.skew))], ['type', 'span.end'], ['span_id', spanId], ['kind', s.kind], ['run_id', runId], ['env', s.env], ['start_ts', iso(at)], ['duration_ms', s.durMs], ['status', s.status]], endAttrs);
    const complete = line([['v', 1], ['id', id()], ['ts', iso(at + 9)], ['type', 'span'], ['span_id', spanId], ['kind', s.kind], ['name', s.name], ['parent_id', parentId], ['run_id', runId], ['env', s.env], ['start_ts', iso(at)], ['duration_ms', s.durMs], ['status', s.status]], [...s.start, ...endAttrs]);
    const points = Array.from({ length: s.points }, (_, p) => line([['v', 1], ['id', `point-${i}-${p}`], ['ts', iso(at + p)], ['type', 'span.event'], ['span_id', spanId], ['run_id', runId], ['env', s.env], ['name', 'debug.attempt']], [['note', p]]));
    const feedback = Array.from({ length: s.feedback }, (_, f) => line([['v', 1], ['id', id()], ['ts', iso(at + 100 - f * 50)], ['type', 'feedback'], ['span_id', spanId], ['run_id', f === 0 ? runId : null], ['env', s.env], ['success', f === 0 ? s.fbSuccess : false], ['rating', f === 0 ? s.fbRating : f + 3], ['source', f === 0 ? 'human' : 'automated_tests']], f === 0 ? s.fbAttrs : []))
      .map((l, f) => (f === 0 && s.fbRaw !== undefined ? `${l.slice(0, l.lastIndexOf('"attrs":'))}"attrs":${s.fbRaw}}` : l));
    const forms: Record<string, string[]> = {
      pair: [start, ...points, end],
      complete: [...points, complete],
      startOnly: [start, ...points],
      endOnly: [...points, end],
      endFirst: [end, ...points, start],
      startComplete: [start, ...points, complete],
      endComplete: [end, ...points, complete],
    };
    const events = [...(forms[s.form] as string[]), ...feedback].flatMap((e) => (s.duplicate ? [e, e] : [e]));
    if (nested) {
      out.push(...events.slice(0, 1));
      later.push(events.slice(1));
    } else out.push(...events);
  });
  for (const rest of later.reverse()) out.push(...rest);
  return out;
}

const encoded = (d: SpanDigest): Buffer => Buffer.from(encodeDigest(d, (n) => Buffer.alloc(digestBufferSize(n))));

/**
 * Fold the segment both ways: whether the scanner's fold took it (then the digests must
 * match). It reads `step` bytes at a time, so lines are cut between chunks.
 */
function agree(dir: string, name: string, text: string, step?: number): boolean {
  const file = join(dir, name);
  writeFileSync(file, text);
  const st = statSync(file);
  const fast = foldSegmentBytes(Buffer.from(text, 'utf8'), st.size, st.mtimeMs, step);
  if (fast === undefined) return false;
  expect(encoded(fast).equals(encoded(foldSegmentLines(file, st.size, st.mtimeMs))), text.slice(0, 3000)).toBe(true);
  // Without detail (a read that neither asks for it nor caches the digest): both folds alike
  // again, no detail rows, and the same spans summarised as the digest with detail gives.
  const lean = foldSegmentBytes(Buffer.from(text, 'utf8'), st.size, st.mtimeMs, step, false) as SpanDigest;
  expect(lean).toBeDefined();
  expect(encoded(lean).equals(encoded(foldSegmentLines(file, st.size, st.mtimeMs, undefined, false))), text.slice(0, 3000)).toBe(true);
  expect(lean.dAt.length).toBe(0);
  expect(summaries(lean)).toEqual(summaries(fast));
  const back = decodeDigest(encoded(lean)) as SpanDigest;
  expect(back.detail).toBe(false);
  expect(parseDetail(back, true)).toBe(false);
  expect(parseDetail(back, false)).toBe(true);
  return true;
}

/** Each span a digest replays, without detail, as JSON. */
function summaries(d: SpanDigest): string[] {
  const out: string[] = [];
  replayDigest(d, new Uint8Array(d.hash.length).fill(1), (s) => out.push(JSON.stringify(s)));
  return out;
}

describe('the segment fold over line scanner records', () => {
  it('gives the ordinary fold’s digest, byte for byte, or declines the segment', () => {
    const dir = tempDir();
    let n = 0;
    let taken = 0;
    fc.assert(
      fc.property(fc.array(spanArb, { minLength: 1, maxLength: 30 }), fc.nat(), fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: oddPair }), fc.integer({ min: 1, max: 5000 }), (spans, shuffle, odd, step) => {
        // Sometimes one span has an odd attribute: the segment is declined, or folds alike.
        if (odd !== null) (spans[shuffle % spans.length] as (typeof spans)[number]).end.push(odd);
        const lines = segmentLines(spans, shuffle % 3 === 1);
        // Sometimes the order of lines shuffled: ends before starts, feedback first.
        if (shuffle % 4 === 0) lines.sort((a, b) => ((a.length * 7919 + shuffle) % 97) - ((b.length * 7919 + shuffle) % 97));
        if (agree(dir, `s${n++}.jsonl`, lines.map((l) => `${l}\n`).join(''), step)) taken++;
      }),
      { numRuns: 400 },
    );
    // Not vacuous: a third or more of these segments have no line the scanner declines.
    expect(taken).toBeGreaterThan(100);
  });

  it('keeps one attributes text for feedback whose attributes are the same once made canonical, whichever came first', () => {
    const dir = tempDir();
    const fb = (i: number, attrs: string): string =>
      `{"v":1,"id":"0190a000-0000-7000-8000-${(900 + i).toString(16).padStart(12, '0')}","ts":"${iso(T0 + i)}","type":"feedback","span_id":"0190a001-0000-7000-8000-${(700 + i).toString(16).padStart(12, '0')}","run_id":null,"env":"prod","success":true,"rating":4,"source":"human","attrs":${attrs}}`;
    // Escaped, then plain; plain, then escaped; with another plain one between.
    for (const order of [['{"x":"\\u0041"}', '{"x":"A"}', '{"y":1}', '{"x":"A"}'], ['{"x":"A"}', '{"y":1}', '{"x":"\\u0041"}', '{"y":1}']]) {
      const text = `${order.map((a, i) => fb(i, a)).join('\n')}\n`;
      expect(agree(dir, `fb-${order[0]?.length}.jsonl`, text)).toBe(true);
      const d = foldSegmentBytes(Buffer.from(text, 'utf8'), Buffer.byteLength(text), 0) as SpanDigest;
      expect(d.feedback?.n).toBe(4);
      expect([...(d.feedback?.attrText ?? [])].sort()).toEqual(['{"x":"A"}', '{"y":1}']);
    }
  });

  it('packs span, parent and run ids as the ordinary fold does, whether they are UUIDs or nearly', () => {
    const dir = tempDir();
    const uuid = '0190a001-0000-7000-8000-00000000abcd';
    // One character off at every place: a digit or letter just outside the ranges, upper
    // case, a dash moved or missing, one character more or less.
    const ids = [uuid, '0190a001-89ab-7cde-8f00-0123456789ef'];
    for (let p = 0; p < uuid.length; p++) for (const c of ['/', ':', '`', 'g', 'A', 'F', '-', 'x']) ids.push(uuid.slice(0, p) + c + uuid.slice(p + 1));
    ids.push(`${uuid}0`, uuid.slice(1), uuid.replace(/-/g, ''));
    const distinct = [...new Set(ids)];
    const lines = distinct.map((spanId, i) =>
      line([['v', 1], ['id', `e${i}`], ['ts', iso(T0 + i + 5)], ['type', 'span'], ['span_id', spanId], ['kind', 'agent'], ['name', 'a'], ['parent_id', distinct[(i + 1) % distinct.length] as string], ['run_id', distinct[(i + 7) % distinct.length] as string], ['env', 'prod'], ['start_ts', iso(T0 + i)], ['duration_ms', 5], ['status', 'success']], []),
    );
    expect(agree(dir, 'ids.jsonl', `${lines.join('\n')}\n`)).toBe(true);
  });

  it('declines a segment with a torn tail, a bad, blank or escaped line, a key it reads twice or escaped, too many texts', () => {
    const dir = tempDir();
    const good = segmentLines([{ kind: 'agent', form: 'pair', skew: 0, durMs: 5, status: 'success', env: 'prod', name: 'a', parent: null, run: 0, start: [['gen_ai.request.model', 'm']], end: [['cost_usd', 0.5]], unknown: undefined, points: 1, feedback: 1, fbAttrs: [], fbSuccess: true, fbRating: 4, fbRaw: undefined, duplicate: false }]);
    const text = good.map((l) => `${l}\n`).join('');
    const first = good[0] as string;
    expect(agree(dir, 'good.jsonl', text)).toBe(true);
    for (const bad of [
      text.slice(0, -1),
      `${text}not json\n`,
      `${text}\n`,
      `${text}${first.replace('"name":"a"', '"name":"\\u0061"')}\n`,
      `${text}${first.replace('"attrs":{', '"attrs":{"gen_ai.request.model":"x",')}\n`,
      `${text}${first.replace('"attrs":{', '"attrs":{"gen_ai\\u002erequest.model":"x",')}\n`,
      `\ufeff${text}`,
      '',
    ]) {
      expect(agree(dir, 'bad.jsonl', bad), bad.slice(-200)).toBe(false);
    }
    // More distinct texts than the scanner's table holds for a segment of this size.
    const many = Array.from({ length: 3000 }, (_, i) =>
      line([['v', 1], ['id', `e${i}`], ['ts', iso(T0)], ['type', 'span.start'], ['span_id', `s${i}`], ['kind', 'agent'], ['name', 'a'], ['parent_id', null], ['run_id', 'r'], ['env', 'prod']], [['gen_ai.request.model', `m${i}`]]),
    );
    expect(agree(dir, 'many.jsonl', `${many.join('\n')}\n`)).toBe(false);
    // Two span ids of one hash (found by search): the ordinary fold takes them for one span
    // (it keeps finished spans by hash), so this fold must decline the segment, not count two.
    expect(hashId('s20298416')).toBe(hashId('s78716519'));
    const span = (spanId: string, at: number): string =>
      line([['v', 1], ['id', `e-${spanId}`], ['ts', iso(T0 + at + 5)], ['type', 'span'], ['span_id', spanId], ['kind', 'agent'], ['name', 'a'], ['parent_id', null], ['run_id', 'r'], ['env', 'prod'], ['start_ts', iso(T0 + at)], ['duration_ms', 5], ['status', 'success']], []);
    expect(agree(dir, 'one-hash.jsonl', `${span('s20298416', 0)}\n${span('s20298417', 10)}\n`)).toBe(true);
    expect(agree(dir, 'same-hash.jsonl', `${span('s20298416', 0)}\n${span('s78716519', 10)}\n`)).toBe(false);
    // Keys the fold does not read, whatever JavaScript makes of them, change nothing it reads.
    for (const odd of ['"42":1,', '"__proto__":{"project":"p"},', '"x":1,"x":2,']) {
      expect(agree(dir, 'odd.jsonl', `${text}${first.replace('"attrs":{', `"attrs":{${odd}`)}\n`), odd).toBe(true);
    }
  });
});
