/**
 * COPY rows built from the line itself (`rawAttrsJson`) must store what rows built from the
 * parsed event store; the encoder behind sync's worker threads must count what it skips.
 */
import { describe, expect, it } from 'vitest';
import { copyLine, encodeEvents, rawAttrsJson } from '../../src/sinks/postgres/copy-rows.js';
import { decodeLines, encodeLines } from '../../src/sinks/line-codec.js';
import { uuidv7 } from '../../src/model/index.js';
import type { AgentmeterEvent } from '../../src/model/index.js';

const T0 = Date.parse('2025-02-20T10:00:00.000Z');
const base = { v: 1, ts: new Date(T0).toISOString(), type: 'span.event', span_id: 's', run_id: 'r', env: 'prod', name: 'n' };
const lineWith = (attrsText: string, id = uuidv7(T0)): string => `${JSON.stringify({ ...base, id }).slice(0, -1)},"attrs":${attrsText}}`;

describe('rawAttrsJson', () => {
  it('copies the attrs of a line as written when jsonb would store the same value', () => {
    for (const attrs of ['{}', '{"a":0.2,"b":-3,"c":"x\\"}{","d":[1,{"e":null}],"f":true}', '{"attrs":{"attrs":1},"x":"\\\\"}', '{"é":"\\u00e9"}']) {
      const line = lineWith(attrs);
      const raw = rawAttrsJson(line);
      expect(raw).toBe(attrs);
      expect(JSON.parse(raw as string)).toEqual((JSON.parse(line) as { attrs: unknown }).attrs);
    }
    expect(rawAttrsJson(`{"attrs":{"k":1},${JSON.stringify({ ...base, id: 'x' }).slice(1)}`)).toBe('{"k":1}');
    // attrs first, with a nested `,"attrs":` later: the top-level one is taken.
    expect(rawAttrsJson('{"attrs":{"x":1,"attrs":2},"v":1}')).toBe('{"x":1,"attrs":2}');
  });

  it('leaves to JSON.stringify what it could store differently', () => {
    for (const attrs of ['{"a":1.0}', '{"a":-0}', '{"a":1e400}', '{"a":1E2}', '{"a":12345678901234567890}', '{"a":0.0000001}', '{"a":"x\\u0000"}', '[1]']) {
      expect(rawAttrsJson(lineWith(attrs)), attrs).toBeUndefined();
    }
    expect(rawAttrsJson(`${lineWith('{"a":1}').slice(0, -1)},"attrs":{"a":2}}`)).toBeUndefined();
    expect(rawAttrsJson('{"v":1, "attrs": {"a":1}}')).toBeUndefined();
  });

  it('rows from the line equal rows from the parsed event, and escaping still applies', () => {
    const lines = [lineWith('{"p":"tab\\there","q":"back\\\\slash","n":[0.5,2]}', uuidv7(T0 + 1)), lineWith('{"w":1.0}', uuidv7(T0 + 2))];
    const events = lines.map((l) => JSON.parse(l) as AgentmeterEvent);
    expect(encodeEvents(events, lines).text).toBe(events.map((e) => copyLine(e)).join(''));
    expect(copyLine(events[0] as AgentmeterEvent, lines[0])).toContain('\t{"p":"tab\\\\there","q":"back\\\\\\\\slash","n":[0.5,2]}\n');
  });
});

describe('encodeLines', () => {
  it('encodes the valid events, counts the invalid non-blank lines and reports the days', () => {
    const good = [lineWith('{"a":1}', uuidv7(T0)), lineWith('{"a":2}', uuidv7(T0 + 86_400_000)).replace(new Date(T0).toISOString(), new Date(T0 + 86_400_000).toISOString())];
    const text = [good[0], 'not json', '', '{"v":1,"type":"span"}', good[1]].join('\n');
    const r = encodeLines(Buffer.from(text), encodeEvents);
    expect(r).toMatchObject({ count: 2, skipped: 2, keys: ['2025-02-20', '2025-02-21'] });
    const d = decodeLines(text);
    expect(Buffer.from(r.data).toString('utf8')).toBe(encodeEvents(d.events, d.lines).text);
    expect(Buffer.from(r.data).toString('utf8').split('\n')).toHaveLength(3);
  });
});
