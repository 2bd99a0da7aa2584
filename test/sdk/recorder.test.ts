import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BaseAttributes } from '../../src/model/index.js';
import { createMeter } from '../../src/sdk/index.js';
import { objectJson } from '../../src/sdk/recorder.js';
import { tempDir } from '../helpers.js';

describe('objectJson (the recorder\'s attribute serialiser)', () => {
  it('writes exactly what JSON.stringify writes, for any JSON attributes', () => {
    const text = fc.string({ unit: 'binary' });
    const value = fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(text), fc.jsonValue());
    fc.assert(
      fc.property(fc.dictionary(text, value), (attrs) => {
        expect(objectJson(attrs as BaseAttributes)).toBe(JSON.stringify(attrs));
      }),
      { numRuns: 500 },
    );
  });

  it('escapes quotes, control characters and lone surrogates as JSON.stringify does', () => {
    const attrs = { 'a"b': 'x"\n\u0001', files: ['C:\\dir', '\ud800', 'ok'], empty: [], n: Number.NaN, inf: Infinity, z: -0 };
    expect(objectJson(attrs as unknown as BaseAttributes)).toBe(JSON.stringify(attrs));
    expect(JSON.parse(objectJson(attrs as unknown as BaseAttributes))).toEqual(JSON.parse(JSON.stringify(attrs)));
  });
});

describe('agent spans written straight as JSON (no extra attrs)', () => {
  /** The `attrs` text of every agent span.start and span.end line under `dir`, in order. */
  function agentAttrs(dir: string): string[] {
    const out: string[] = [];
    const root = join(dir, 'events');
    for (const day of readdirSync(root)) {
      for (const seg of readdirSync(join(root, day))) {
        for (const line of readFileSync(join(root, day, seg), 'utf8').split('\n')) {
          if (!line.includes('"kind":"agent"')) continue;
          const e = JSON.parse(line) as { type: string; attrs: unknown };
          out.push(`${e.type} ${JSON.stringify(e.attrs)}`);
          // Every line is the same JSON re-serialised: nothing is written twice or out of form.
          expect(line).toBe(JSON.stringify(JSON.parse(line)));
        }
      }
    }
    return out;
  }

  it('gives the same attributes, in the same order, as the general path given `attrs: {}`', () => {
    const text = fc.string({ unit: 'binary' });
    const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
    const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, Infinity, -0, 1e21, 0.1 + 0.2));
    const list = fc.array(fc.oneof(text, fc.constant(''), fc.integer(), fc.constant(null)), { maxLength: 4 });
    const call = fc.record({
      name: fc.oneof(text, fc.constant('coding')),
      type: maybe(text),
      model: maybe(text),
      description: maybe(fc.oneof(text, fc.constant('token sk-proj-4fG7hJ2kL9mN3pQ8rS5tV1wX6yZ0aB4cD7eF2gH9 in /home/alice/x'))),
      status: fc.oneof(fc.constantFrom('success', 'failure', 'partial', 'unknown', 'completed', 'failed', 'weird'), text),
      error: maybe(fc.oneof(text, fc.record({ type: maybe(text), message: maybe(text) }))),
      tokens: maybe(fc.oneof(num, fc.record({ input: maybe(num), output: maybe(num) }))),
      costUsd: maybe(num),
      filesModified: maybe(fc.oneof(list, fc.constant(['/home/alice/repo/src/a.ts', 'user@example.com']))),
      filesCreated: maybe(list),
      toolsUsed: maybe(list),
    });
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 5 }), (calls) => {
        const written = (withAttrs: boolean): string[] => {
          const dir = tempDir();
          const meter = createMeter({ dir, durability: 'flush', onDiagnostic: () => {}, clock: () => Date.parse('2025-03-04T10:00:00.000Z') });
          const task = meter.startRun({ project: 'p', llm: { provider: 'openai', model: 'gpt-4.1', temperature: 0.2 } }).startTask({ key: 1, type: 'bug' });
          for (const c of calls) {
            const { name, type, model, description, ...end } = c;
            const agent = task.startAgent({ name, type, model, description, ...(withAttrs ? { attrs: {} } : {}) } as Parameters<typeof task.startAgent>[0]);
            agent.end({ ...end, ...(withAttrs ? { attrs: {} } : {}) } as Parameters<typeof agent.end>[0]);
          }
          meter.close();
          return agentAttrs(dir);
        };
        expect(written(false)).toEqual(written(true));
      }),
      { numRuns: 60 },
    );
  });
});
