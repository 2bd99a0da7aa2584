import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentmeterEvent } from '../../src/model/index.js';
import { createApp, listen } from '../../src/server/index.js';
import { arrayElementTexts, isCompactLine } from '../../src/server/ingest-events.js';
import { createLocalSink } from '../../src/store/index.js';
import { tempDir, testEvent } from '../helpers.js';

const event = testEvent;

/** Every line of every segment under `root`, in file order. */
function storedLines(root: string): string[] {
  const out: string[] = [];
  const eventsDir = join(root, 'events');
  for (const day of readdirSync(eventsDir).sort()) {
    for (const f of readdirSync(join(eventsDir, day)).sort()) {
      out.push(...readFileSync(join(eventsDir, day, f), 'utf8').split('\n').filter((l) => l !== ''));
    }
  }
  return out;
}

function ndjson(body: string): Request {
  return new Request('http://127.0.0.1:4318/v1/events', { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
}

describe('events stored as received', () => {
  it('keeps compact lines byte for byte, re-encodes spaced, CRLF and NaN lines, stores no rejected line', async () => {
    const root = tempDir();
    const sink = createLocalSink({ root });
    const app = createApp({ sink });
    // Key order and a number form JSON.stringify would not write: kept exactly as sent.
    const { attrs, ...rest } = event({ duration_ms: 678.5 });
    const compact = JSON.stringify({ attrs, ...rest }).replace('678.5', '6.785e2');
    const withSpaceInString = JSON.stringify(event({ name: 'fix the "login" bug' }));
    const spaced = JSON.stringify(event(), null, 1).replace(/\n/g, ' ');
    const crlf = JSON.stringify(event());
    const nanValue = event({ attrs: { 'gen_ai.agent.name': 'coding', score: 1 } });
    const nan = JSON.stringify(nanValue).replace('"score":1', '"score":NaN');
    const proto = JSON.stringify(event()).replace('"attrs":{', '"attrs":{"__proto__":{"x":1},');
    const body = [compact, withSpaceInString, 'not json', spaced, `${crlf}\r`, nan, proto].join('\n') + '\n';
    const res = await app.fetch(ndjson(body));
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { accepted: number; rejected: { line: number; error: string }[] };
    expect(answer.accepted).toBe(5);
    expect(answer.rejected.map((r) => r.line)).toEqual([3, 7]);
    expect(answer.rejected[1]!.error).toMatch(/__proto__/);
    const lines = storedLines(root);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(compact);
    expect(lines[1]).toBe(withSpaceInString);
    expect(lines[2]).toBe(JSON.stringify(JSON.parse(spaced)));
    expect(lines[3]).toBe(crlf);
    expect(lines[4]).toBe(JSON.stringify({ ...nanValue, attrs: { 'gen_ai.agent.name': 'coding', score: null } }));
    expect(JSON.parse(lines[0]!)).toEqual(JSON.parse(compact));
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    await sink.shutdown();
  });

  it('exportLines encodes the event instead of a line that has a newline in it, or when the counts differ', async () => {
    const root = tempDir();
    const sink = createLocalSink({ root, durability: 'flush' });
    const a = event() as unknown as AgentmeterEvent;
    const b = event() as unknown as AgentmeterEvent;
    expect((await sink.exportLines([a, b], ['{"odd":\n1}', ' kept as given '])).ok).toBe(true);
    expect((await sink.exportLines([a], [])).ok).toBe(true);
    expect(storedLines(root)).toEqual([JSON.stringify(a), ' kept as given ', JSON.stringify(a)]);
    await sink.shutdown();
  });

  it('tells compact lines from lines with whitespace between tokens', () => {
    expect(isCompactLine('{"a":"x y","b":[1,2]}')).toBe(true);
    expect(isCompactLine('{"a":"say \\"hi\\" there","b":1}')).toBe(true);
    expect(isCompactLine('{"a":"\\\\", "b":1}')).toBe(false);
    expect(isCompactLine('{"a": 1}')).toBe(false);
    expect(isCompactLine(' {"a":1}')).toBe(false);
    expect(isCompactLine('{"a":1}\r')).toBe(false);
    expect(isCompactLine('[{"a":1}]')).toBe(false);
  });

  it('finds each element of a JSON array body, compact objects only', () => {
    // Brackets, commas, escaped quotes and backslashes inside strings; whitespace between elements.
    const tricky = JSON.stringify({ a: 'x]},["y\\"}', b: [1, { c: 2 }] });
    const body = ` [${tricky} , 5,"s",[1],{"d": 1},\n{"e":{}}]`;
    const start = body.indexOf('[');
    const parsed = JSON.parse(body) as unknown[];
    expect(arrayElementTexts(body, start, parsed.length)).toEqual([tricky, undefined, undefined, undefined, undefined, '{"e":{}}']);
    expect(JSON.parse(tricky)).toEqual(parsed[0]);
    expect(arrayElementTexts('[]', 0, 0)).toEqual([]);
    expect(arrayElementTexts('[{"a":1},"x",{"b":2}]', 0, 3)).toEqual(['{"a":1}', undefined, '{"b":2}']);
    expect(arrayElementTexts('[{"a":1},"x"]', 0, 2)).toEqual(['{"a":1}', undefined]);
    expect(arrayElementTexts('[{"a":1}]', 0, 2)).toBeUndefined();
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string(), fc.jsonValue())), (events) => {
        const texts = arrayElementTexts(JSON.stringify(events), 0, events.length);
        expect(texts).toEqual(events.map((e) => JSON.stringify(e)));
      }),
      { numRuns: 200, seed: 4 },
    );
  });

  it('stores the compact elements of a JSON array as received, re-encodes the others', async () => {
    const root = tempDir();
    const sink = createLocalSink({ root });
    const app = createApp({ sink });
    const compact = JSON.stringify(event({ duration_ms: 678.5 })).replace('678.5', '6.785e2');
    const spaced = JSON.stringify(event(), null, 2);
    const bad = JSON.stringify(event({ status: 'maybe' }));
    const res = await app.fetch(new Request('http://127.0.0.1:4318/v1/events', { method: 'POST', body: `[${compact},\n${spaced},${bad}]` }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { rejected: { index: number }[] }).rejected.map((r) => r.index)).toEqual([2]);
    expect(storedLines(root)).toEqual([compact, JSON.stringify(JSON.parse(spaced))]);
    // Python's bare NaN is read as null and never stored as sent.
    const nanValue = event({ attrs: { 'gen_ai.agent.name': 'coding', score: 1 } });
    const nan = JSON.stringify(nanValue).replace('"score":1', '"score":NaN');
    expect((await app.fetch(new Request('http://127.0.0.1:4318/v1/events', { method: 'POST', body: `[${nan}]` }))).status).toBe(200);
    expect(storedLines(root)[2]).toBe(JSON.stringify({ ...nanValue, attrs: { 'gen_ai.agent.name': 'coding', score: null } }));
    await sink.shutdown();
  });

  it('over a socket: the declared length is read in one go, and still limited', async () => {
    const root = tempDir();
    const sink = createLocalSink({ root });
    const server = await listen(createApp({ sink, maxBodyBytes: 4096 }), { port: 0, hasToken: false });
    try {
      const lines = [JSON.stringify(event()), JSON.stringify(event())];
      const ok = await fetch(`${server.url}/v1/events`, { method: 'POST', body: lines.join('\n'), headers: { 'content-type': 'application/x-ndjson' } });
      expect(ok.status).toBe(200);
      expect(storedLines(root)).toEqual(lines);
      const big = await fetch(`${server.url}/v1/events`, { method: 'POST', body: 'x'.repeat(5000), headers: { 'content-type': 'application/x-ndjson' } });
      expect(big.status).toBe(413);
    } finally {
      await server.close();
      await sink.shutdown();
    }
  });
});
