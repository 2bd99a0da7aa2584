/**
 * Shared test vectors: the same files are read by the Python client's tests
 * (python/tests/test_vectors.py, python/tests/test_redact.py), so the two SDKs cannot drift.
 * `UPDATE_VECTORS=1 npx vitest run test/vectors` rewrites the expected lines and outputs from
 * this SDK (then the Python tests say whether Python still agrees).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMeter } from '../../src/sdk/index.js';
import type { Meter } from '../../src/sdk/index.js';
import { createRedactor } from '../../src/model/redact.js';
import type { RedactOptions } from '../../src/model/redact.js';
import { tempDir } from '../helpers.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const UPDATE = process.env['UPDATE_VECTORS'] === '1';

interface Call {
  op: string;
  on: string;
  as?: string;
  target?: string;
  target_id?: string;
  args?: Record<string, unknown>;
  ms?: number;
}

interface EventCase {
  name: string;
  meter: { env: string };
  calls: Call[];
  lines?: string[];
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Ids replaced by `<id:n>` in order of first appearance. */
function normalizeIds(lines: string[]): string[] {
  const seen = new Map<string, string>();
  return lines.map((l) =>
    l.replace(UUID, (id) => {
      let n = seen.get(id);
      if (n === undefined) {
        n = `<id:${seen.size + 1}>`;
        seen.set(id, n);
      }
      return n;
    }),
  );
}

const camel = (k: string): string => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Top-level argument names to the SDK's (`cost_usd` → `costUsd`); nested objects keep theirs. */
function camelArgs(args: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args ?? {})) out[k === 'alternative' ? k : camel(k)] = v;
  return out;
}

function readSegments(dir: string): string[] {
  const out: string[] = [];
  const root = join(dir, 'events');
  for (const day of readdirSync(root).sort()) {
    for (const seg of readdirSync(join(root, day)).sort()) {
      out.push(...readFileSync(join(root, day, seg), 'utf8').split('\n').filter((l) => l !== ''));
    }
  }
  return out;
}

async function runCase(c: EventCase, startMs: number): Promise<string[]> {
  const dir = tempDir();
  let now = startMs;
  const meter = createMeter({ dir, env: c.meter.env, durability: 'flush', clock: () => now, onDiagnostic: () => {} });
  const handles: Record<string, unknown> = { meter };
  for (const call of c.calls) {
    if (call.op === 'tick') {
      now += call.ms ?? 0;
      continue;
    }
    const on = handles[call.on] as Record<string, (...a: unknown[]) => unknown>;
    let result: unknown;
    if (call.op === 'feedback') {
      const target = call.target_id ?? handles[call.target as string];
      result = (meter as Meter).feedback(target as string, camelArgs(call.args) as never);
    } else if (call.op === 'attempt') {
      result = (on['attempt'] as (a?: unknown) => void).call(on, call.args?.['attrs']);
    } else {
      result = (on[camel(call.op)] as (a: unknown) => unknown).call(on, camelArgs(call.args));
    }
    if (call.as !== undefined) handles[call.as] = result;
  }
  await meter.close();
  return normalizeIds(readSegments(dir));
}

describe('shared event vectors (test/vectors/events.json)', () => {
  const file = join(HERE, 'events.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { start_ms: number; cases: EventCase[] };

  it('has cases, each with the lines this SDK writes', async () => {
    expect(doc.cases.length).toBeGreaterThanOrEqual(4);
    for (const c of doc.cases) {
      const lines = await runCase(c, doc.start_ms);
      if (UPDATE) c.lines = lines;
      else expect(lines, c.name).toEqual(c.lines);
    }
    if (UPDATE) writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  });
});

interface RedactCase {
  input: string | string[];
  options: { home_dirs?: string[]; max_length?: number; extra_patterns?: string[] };
  expected: string | null;
}

describe('shared redaction vectors (test/vectors/redaction.json)', () => {
  const file = join(HERE, 'redaction.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { cases: RedactCase[] };

  it('gives the expected output for every case', () => {
    expect(doc.cases.length).toBeGreaterThanOrEqual(50);
    for (const c of doc.cases) {
      const input = Array.isArray(c.input) ? c.input.join('') : c.input;
      const opts: RedactOptions = {
        ...(c.options.home_dirs ? { homeDirs: c.options.home_dirs } : {}),
        ...(c.options.max_length !== undefined ? { maxLength: c.options.max_length } : {}),
        ...(c.options.extra_patterns ? { extraPatterns: c.options.extra_patterns.map((p) => new RegExp(p)) } : {}),
      };
      const out = createRedactor(opts)(input);
      if (UPDATE) c.expected = out;
      else expect(out, input.slice(0, 80)).toBe(c.expected);
    }
    if (UPDATE) writeFileSync(file, JSON.stringify(doc, null, 1) + '\n');
  });
});
