/**
 * The line scanner behind sync's COPY rows (`encodeChunk`, `scanLine`) must be exactly the
 * ordinary path (`decodeLines`, `validateEvent`, `copyLine`): for any line it either writes
 * the row the ordinary path writes or declines it, and chunks encode to the same bytes, count,
 * skipped lines and days.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticChannel, FEEDBACK_SOURCES, SPAN_KINDS, SPAN_STATUSES, decodeLine, uuidv7, validateEvent } from '../../src/model/index.js';
import type { AgentmeterEvent, BaseAttributes, SpanKind, SpanStatus } from '../../src/model/index.js';
import { Recorder, spanContext } from '../../src/sdk/recorder.js';
import type { SegmentWriter } from '../../src/store/index.js';
import { encodeLines } from '../../src/sinks/line-codec.js';
import { copyLine, encodeChunk, encodeEvents } from '../../src/sinks/postgres/copy-rows.js';
import { lineScanner } from '../../src/store/line-scan.js';

/** The row the scanner writes for one line, or undefined when it declines. */
function fastRow(line: string): string | undefined {
  const b = Buffer.from(line, 'utf8');
  const scan = lineScanner();
  scan.load(b);
  return scan.line(0, b.length, true, true) === -1 ? undefined : scan.rows().toString('utf8');
}

/** The row the ordinary path writes for one line ('' for a valid event without a row), or undefined for a skipped line. */
function slowRow(line: string): string | undefined {
  const d = decodeLine(line);
  const v = d.ok ? validateEvent(d.value) : undefined;
  if (!v?.ok) return undefined;
  return encodeEvents([v.event], [line]).text;
}

/** Both paths agree on the line, and on any chunk of lines. Returns whether the scanner took it. */
function agree(line: string): boolean {
  const fast = fastRow(line);
  if (fast !== undefined) expect(fast, line).toBe(slowRow(line));
  return fast !== undefined;
}

function sameChunk(bytes: Buffer): void {
  const fast = encodeChunk(bytes);
  const slow = encodeLines(bytes, encodeEvents);
  expect(Buffer.from(fast.data).equals(Buffer.from(slow.data)), bytes.toString('utf8').slice(0, 2000)).toBe(true);
  expect({ count: fast.count, skipped: fast.skipped, keys: [...fast.keys].sort() }).toEqual({ count: slow.count, skipped: slow.skipped, keys: [...slow.keys].sort() });
}

const T0 = Date.parse('2025-02-20T10:00:00.000Z');

/** Lines as the SDK's recorder writes them. */
function recorderLines(write: (r: Recorder) => void): string[] {
  const lines: string[] = [];
  const writer = { appendLine: (line: string) => void lines.push(line), close: () => undefined } as unknown as SegmentWriter;
  const r = new Recorder(writer, 'prod', new DiagnosticChannel(() => undefined), (s) => s, (s) => s, () => T0);
  write(r);
  return lines.map((l) => l.replace(/\n$/, ''));
}

// Hostile text: every code unit (lone surrogates, NUL, controls, quotes, backslashes), `\u0000` spelled out.
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('a', '"', '\\', '\u0000', '\n', '\t', 'é', '\u2028', '\ud800', '😀', 'u', '0', '/'), maxLength: 8 }),
  fc.constantFrom('', 'plain', '\\u0000', 'C:\\dir', 'ok "quoted"', 'run', 'agent', 'success'),
);
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(1e21, -0, 0.1 + 0.2, 1e-7, 1e-6, 5e-324, Number.MAX_VALUE, 123456789012345680000, 0.000001234, 1.5, -38531.302, NaN, Infinity),
);
const leaf = fc.oneof(text, number, fc.boolean(), fc.constant(null));
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(text, tie('value'), { maxKeys: 4 })),
})).value;
// Typed keys with values of the right type and of wrong ones.
const typedKey = fc.constantFrom('project', 'gen_ai.request.temperature', 'agent.attempt', 'cost_usd', 'files_modified', 'tags', 'debug.resolved', 'target.kind', 'would_use_again', 'task.type', 'issue_iid');
const typedValue = fc.oneof(text, number, fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 3 }), fc.dictionary(text, text, { maxKeys: 2 }), fc.constantFrom(...SPAN_KINDS), json);
const attrs = fc
  .tuple(fc.dictionary(text, json, { maxKeys: 5 }), fc.dictionary(typedKey, typedValue, { maxKeys: 3 }))
  .map(([a, b]) => ({ ...a, ...b }) as BaseAttributes);
const kind = fc.oneof(fc.constantFrom(...SPAN_KINDS), fc.constant('nope' as SpanKind));
const status = fc.oneof(fc.constantFrom(...SPAN_STATUSES), fc.constant('done' as SpanStatus));
const ms = fc.oneof(fc.constant(T0), fc.integer({ min: -62_000_000_000_000, max: 253_402_300_799_999 }), fc.constantFrom(Date.parse('2024-02-29T23:59:59.999Z'), Date.parse('2025-03-31T00:00:00.000Z')));

describe('scanLine and encodeChunk equal the ordinary path', () => {
  it('on every kind of line the SDK writes, with hostile names, numbers and attributes', () => {
    let taken = 0;
    let lines = 0;
    fc.assert(
      fc.property(text, text, kind, status, attrs, attrs, number, ms, fc.option(fc.boolean()), fc.option(number), fc.oneof(fc.constantFrom(...FEEDBACK_SOURCES), text), (name, id, k, st, a, b, dur, at, success, rating, source) => {
        const ctx = spanContext(uuidv7(at), uuidv7(at), k, { project: name });
        const out = recorderLines((r) => {
          r.start(ctx, name, null, a, at);
          r.start(ctx, name, id, b, at);
          r.end(ctx, at - 5, dur, st, a, at);
          r.complete(ctx, name, ctx.runId, at, null, st, b, at);
          r.point(ctx, name, a, at);
          r.feedback(id, null, success, rating, source, b, at);
          r.feedback(ctx.spanId, ctx.runId, success, rating, source, a, at);
        });
        for (const l of out) {
          lines++;
          if (agree(l)) taken++;
        }
        sameChunk(Buffer.from(out.join('\n')));
      }),
      { numRuns: 400 },
    );
    // Not vacuous: a good share of these hostile lines still take the scanner.
    expect(taken / lines).toBeGreaterThan(0.02);
  });

  it('takes every line the SDK writes with plain values, and writes its row', () => {
    const ctx = spanContext(uuidv7(T0), uuidv7(T0), 'agent', { project: 'p', 'gen_ai.request.temperature': 0.2 });
    const lines = recorderLines((r) => {
      r.start(ctx, 'planner', null, { 'gen_ai.agent.name': 'planner', 'agent.attempt': 1, files_modified: ['a.ts'], 'é': 'ü😀', nested: { x: [1, { y: null }] } }, T0);
      r.end(ctx, T0 - 5, 12.5, 'success', { cost_usd: 0.0123, 'gen_ai.usage.input_tokens': null, tools_used: [] }, T0 + 86_400_000 * 9);
      r.complete(spanContext(uuidv7(T0), ctx.runId, 'pipeline', {}), 'ci', ctx.spanId, T0, null, 'failure', { 'pipeline.attempt': 2 }, Date.parse('2024-02-29T12:00:00.000Z'));
      r.point(ctx, 'debug.attempt', { ok: true }, T0);
      r.feedback(ctx.spanId, ctx.runId, true, 4, 'human', { 'target.kind': 'agent', 'feedback.notes': 'a "b" \\ c' }, T0);
      r.feedback(ctx.spanId, null, null, null, 'llm_judge', {}, T0);
      r.start(spanContext(uuidv7(T0), ctx.runId, 'run', {}), 'r', null, { tags: { team: 'x' } }, T0);
    });
    for (const l of lines) expect(agree(l), l).toBe(true);
    sameChunk(Buffer.from(lines.join('\n')));
  });

  it('on events of every variant serialised with JSON.stringify, keys in any order', () => {
    const event = fc.record({
      v: fc.oneof(fc.constant(1), fc.constantFrom(0, 2, 1.5, -1)),
      id: fc.oneof(fc.constant(uuidv7(T0)), text),
      ts: fc.oneof(ms.map((m) => new Date(m).toISOString()), fc.constantFrom('2025-02-29T00:00:00.000Z', '2025-04-31T00:00:00.000Z', '2025-01-01T24:00:00.000Z', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00.000z', '2025-01-01', 'x')),
      type: fc.constantFrom('span.start', 'span.end', 'span', 'span.event', 'feedback', 'other'),
      span_id: text,
      run_id: fc.option(text),
      parent_id: fc.option(text),
      kind,
      name: text,
      env: text,
      start_ts: fc.oneof(ms.map((m) => new Date(m).toISOString()), text),
      duration_ms: fc.option(number),
      status,
      success: fc.option(fc.boolean()),
      rating: fc.option(number),
      source: fc.oneof(fc.constantFrom(...FEEDBACK_SOURCES), text),
      attrs: fc.oneof(attrs, fc.constant([] as unknown as BaseAttributes)),
    });
    const keysOf: Record<string, string[]> = {
      'span.start': ['v', 'id', 'ts', 'type', 'span_id', 'kind', 'name', 'parent_id', 'run_id', 'env', 'attrs'],
      'span.end': ['v', 'id', 'ts', 'type', 'span_id', 'kind', 'run_id', 'env', 'start_ts', 'duration_ms', 'status', 'attrs'],
      span: ['v', 'id', 'ts', 'type', 'span_id', 'kind', 'name', 'parent_id', 'run_id', 'env', 'start_ts', 'duration_ms', 'status', 'attrs'],
      'span.event': ['v', 'id', 'ts', 'type', 'span_id', 'run_id', 'env', 'name', 'attrs'],
      feedback: ['v', 'id', 'ts', 'type', 'span_id', 'run_id', 'env', 'success', 'rating', 'source', 'attrs'],
      other: ['v', 'id', 'ts', 'type', 'attrs'],
    };
    fc.assert(
      fc.property(event, fc.array(fc.nat(), { minLength: 14, maxLength: 14 }), fc.integer({ min: -1, max: 16 }), (e, order, drop) => {
        const keys = [...(keysOf[e.type] as string[])];
        // A few orders: as written, shuffled; sometimes a key dropped or one of another variant added.
        const shuffled = order[0] !== undefined && order[0] % 3 === 0 ? keys.map((k, i) => [k, order[i] ?? 0] as const).sort((x, y) => x[1] - y[1]).map(([k]) => k) : keys;
        if (drop >= 0 && drop < shuffled.length) shuffled.splice(drop, 1);
        if (drop === 16) shuffled.push(e.type === 'feedback' ? 'kind' : 'source');
        const obj: Record<string, unknown> = {};
        for (const k of shuffled) obj[k] = (e as Record<string, unknown>)[k];
        const line = JSON.stringify(obj);
        agree(line);
        sameChunk(Buffer.from(`${line}\n${line}`));
      }),
      { numRuns: 1500 },
    );
  });

  it('on mutated lines: a character deleted, inserted, replaced, a piece repeated or cut off', () => {
    const base = recorderLines((r) => {
      const ctx = spanContext(uuidv7(T0), uuidv7(T0), 'agent', { project: 'p', 'gen_ai.request.model': 'm' });
      r.start(ctx, 'agent "x"', null, { 'agent.attempt': 1, files_modified: ['a', 'b\\c'], tags: { a: 'b' }, n: [1.5, -2, 0, { d: [[true]] }] }, T0);
      r.end(ctx, T0, 38.25, 'success', { cost_usd: 0.5, 'gen_ai.usage.output_tokens': 12 }, T0 + 1);
      r.complete(ctx, 'opt', null, T0, 1000, 'partial', { search_depth: 2, device: 'GPU é' }, T0 + 2);
      r.point(ctx, 'debug.attempt', { 'debug.resolved': false }, T0 + 3);
      r.feedback(ctx.spanId, ctx.runId, false, 2, 'automated_tests', { 'target.kind': 'tool' }, T0 + 4);
    });
    const pieces = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '-', 'e', '.', 'u', '\u0000', '\\u0000', 'é', '\t', '\r', 'null', 'true', '1e400', '"attrs":{}', ',"v":1', '\ufeff', '\n'];
    const mutation = fc.record({
      line: fc.constantFrom(...base),
      op: fc.constantFrom('delete', 'insert', 'replace', 'repeat', 'cut'),
      at: fc.nat(),
      len: fc.integer({ min: 1, max: 12 }),
      piece: fc.constantFrom(...pieces),
    });
    let taken = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms_) => {
        const lines = ms_.map(({ line, op, at, len, piece }) => {
          const i = at % (line.length + 1);
          if (op === 'delete') return line.slice(0, i) + line.slice(i + len);
          if (op === 'insert') return line.slice(0, i) + piece + line.slice(i);
          if (op === 'replace') return line.slice(0, i) + piece + line.slice(i + piece.length);
          if (op === 'repeat') return line.slice(0, i + len) + line.slice(i);
          return line.slice(0, i);
        });
        for (const l of lines) for (const part of l.split('\n')) if (agree(part)) taken++;
        sameChunk(Buffer.from(lines.join('\n')));
      }),
      { numRuns: 3000 },
    );
    expect(taken).toBeGreaterThan(0);
  });

  it('on numbers, timestamps, versions and shapes at the edges', () => {
    const [start] = recorderLines((r) => r.start(spanContext(uuidv7(T0), uuidv7(T0), 'agent', {}), 'a', null, { k: 1 }, T0)) as [string];
    const [end] = recorderLines((r) => r.end(spanContext(uuidv7(T0), uuidv7(T0), 'agent', {}), T0, 1, 'success', {}, T0)) as [string];
    const numbers = ['0', '-0', '1', '-1', '1.5', '1.50', '1.0', '0.1', '0.30000000000000004', '1e21', '1E2', '1e-7', '0.0000001', '0.000001', '0.0000012', '123456789012345', '1234567890123456', '12345678901234567890', '100000000000000000000', '1e400', '-1e400', '5e-324', '1.7976931348623157e+308', '01', '.5', '1.', '-', '+1', '1e', '1e+', 'NaN', 'Infinity', '-Infinity', '0x10', '1_000', '99999999999999.9', '0.999999999999999'];
    for (const n of numbers) {
      agree(start.replace('{"k":1}', `{"k":${n}}`));
      agree(start.replace('{"k":1}', `{"k":[${n},{"a":${n}}]}`));
      agree(start.replace('{"k":1}', `{"agent.attempt":${n}}`));
      agree(end.replace('"duration_ms":1', `"duration_ms":${n}`));
      agree(start.replace('"v":1', `"v":${n}`));
    }
    expect(agree(start.replace('{"k":1}', '{"k":0.30000000000000004,"j":-38531.302,"i":0.000001}'))).toBe(true);
    const days = ['2024-02-29', '2025-02-29', '2000-02-29', '1900-02-29', '2025-04-30', '2025-04-31', '2025-12-31', '2025-13-01', '2025-00-10', '2025-01-00', '0000-01-31', '9999-12-31'];
    for (const d of days) {
      agree(start.replace(/"ts":"\d{4}-\d\d-\d\d/, `"ts":"${d}`));
      agree(end.replace(/"start_ts":"\d{4}-\d\d-\d\d/, `"start_ts":"${d}`));
    }
    expect(agree(start.replace(/"ts":"\d{4}-\d\d-\d\d/, '"ts":"2024-02-29'))).toBe(true);
    expect(agree(start.replace(/"ts":"\d{4}-\d\d-\d\d/, '"ts":"2025-02-29'))).toBe(false);
    for (const t of ['T24:00:00.000Z', 'T23:60:00.000Z', 'T23:59:60.000Z', 'T23:59:59.999Z', 'T00:00:00Z', 'T00:00:00.000+00:00']) agree(start.replace(/T\d\d:\d\d:\d\d\.\d{3}Z/, t));
    const shapes = [
      '{"tags":{"a":"b","c":1}}',
      '{"tags":{}}',
      '{"tags":[]}',
      '{"files_modified":["a",1]}',
      '{"files_modified":["a","b"]}',
      '{"files_modified":[]}',
      '{"files_modified":[["a"]]}',
      '{"agent.attempt":"1"}',
      '{"agent.attempt":null}',
      '{"cost_usd":null}',
      '{"cost_usd":"0.1"}',
      '{"agent.attempt":1,"agent.attempt":"x"}',
      '{"agent.attempt":"x","agent.attempt":1}',
      '{"agent\\u002eattempt":"x"}',
      '{"__proto__":{"agent.attempt":"x"}}',
      '{"x":"\\u0000"}',
      '{"x":"\\\\u0000"}',
      '{"x":"\\ud800"}',
      '{"x":"\\q"}',
      '{"x":"\\u12"}',
      '{"x":"\\/"}',
      '{"x": 1}',
      '{"x":1 }',
      '{"x":1,}',
      '{,"x":1}',
      '{"x"}',
      '{"x":tru}',
      '{"x":nul}',
      '{"x":[1,]}',
      '{"x":[,1]}',
      '[1]',
      'null',
      '"x"',
      `{"d":${'['.repeat(31)}${']'.repeat(31)}}`,
      `{"d":${'['.repeat(40)}${']'.repeat(40)}}`,
      `{"d":${'['.repeat(70)}${']'.repeat(70)}}`,
      `{"d":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`,
    ];
    for (const s of shapes) agree(start.replace('{"k":1}', s));
    for (const s of ['{"target.kind":"agent"}', '{"target.kind":"nope"}', '{"target.kind":"\\u0061gent"}', '{"target.kind":1}']) {
      const [fb] = recorderLines((r) => r.feedback(uuidv7(T0), null, true, 5, 'human', {}, T0)) as [string];
      agree(fb.replace('"attrs":{}', `"attrs":${s}`));
    }
    const variants = [
      start.replace('"kind":"agent"', '"kind":"nope"'),
      start.replace('"type":"span.start"', '"type":"span.stop"'),
      start.replace('"parent_id":null', '"parent_id":1'),
      start.replace(/"run_id":"[^"]*"/, '"run_id":null'),
      start.replace('"env":"prod"', '"env":"p\\u0000"'),
      start.replace('"name":"a"', '"name":"a\\"b"'),
      start.replace('"name":"a"', '"name":"a\\u0000"'),
      start.replace('{"v":1,', '{"v":1,"extra":1,'),
      start.replace('{"v":1,', '{"v":1,"v":1,'),
      start.replace('{"v":1,', '{"v":1, '),
      `${start} `,
      `${start}\r`,
      `\ufeff${start}`,
      `{"attrs":{},${start.slice(1, start.indexOf(',"attrs"'))}}`,
      start.replace(/"kind":"agent",/, '') .replace('"attrs":{"k":1}', '"attrs":{"k":1},"kind":"agent"'),
      end.replace('"status":"success"', '"status":"ok"'),
      end.replace('"duration_ms":1', '"duration_ms":null'),
      end.replace('"duration_ms":1', '"duration_ms":"1"'),
    ];
    for (const l of variants) agree(l);
    expect(agree(variants[3] as string)).toBe(false);
    expect(agree(variants[16] as string)).toBe(true);
  });

  it('chunks with blank lines, whitespace, invalid UTF-8 and torn lines', () => {
    const [line] = recorderLines((r) => r.start(spanContext(uuidv7(T0), uuidv7(T0), 'run', {}), 'r', null, { 'é': 1 }, T0)) as [string];
    const b = Buffer.from(line);
    const chunks = [
      Buffer.from(''),
      Buffer.from('\n\n'),
      Buffer.from(` \n${line}\n\t\n${line}`),
      Buffer.from(`${line}\n\u00a0\n\u2028\n${line.slice(0, 40)}`),
      Buffer.concat([b, Buffer.from('\n'), Buffer.from([0xff, 0xfe, 0x0a]), b]),
      Buffer.concat([b.subarray(0, b.indexOf('é') + 1), Buffer.from('\n'), b]),
      Buffer.concat([b, Buffer.from([0x0a, 0xe2, 0x82, 0x0a]), b]),
    ];
    for (const c of chunks) sameChunk(c);
  });

  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => sameChunk(Buffer.from(bytes))),
      { numRuns: 500 },
    );
  });

  it('grows its output for rows longer than the chunk', () => {
    const ctx = spanContext(uuidv7(T0), uuidv7(T0), 'run', {});
    const lines = recorderLines((r) => r.point(ctx, 'p', { x: '\\'.repeat(5000), y: '\u0000'.repeat(3000) }, T0));
    sameChunk(Buffer.from(lines.join('\n')));
    const row = copyLine(JSON.parse(lines[0] as string) as AgentmeterEvent, lines[0]) as string;
    expect(Buffer.from(encodeChunk(Buffer.from(lines[0] as string)).data).toString('utf8')).toBe(row);
  });
});
