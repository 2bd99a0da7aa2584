/**
 * The span digest's profiles: each span replays with exactly its summary attributes (its
 * profile and its numbers), built and after a round trip through the digest's bytes, with more
 * distinct values per profile key than the packed profile key holds (32), values of every
 * kind a profile keeps, and values it drops.
 */
import { describe, expect, it } from 'vitest';
import { SUMMARY_NUMBER_KEYS, summaryProfile } from '../../src/model/index.js';
import type { BaseAttributes, DetailedSummary, JsonValue, Span } from '../../src/model/index.js';
import { DigestBuilder, decodeDigest, encodeDigest, replayDigest } from '../../src/store/span-digest.js';
import type { SpanDigest } from '../../src/store/span-digest.js';

const T0 = Date.UTC(2026, 0, 5, 9);

// A small seeded generator, so a failure names a reproducible span.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function spans(n: number): Span[] {
  const r = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  // 45 models: past the 31 ids a profile key packs into its 5 bits.
  const models = Array.from({ length: 45 }, (_, i) => `model-${i}`);
  const values: readonly (JsonValue | undefined)[] = [undefined, 'a', '1', 1, 0, true, false, null, ['x'], { y: 1 }, 0.5];
  return Array.from({ length: n }, (_, i) => {
    const attrs: BaseAttributes = { 'gen_ai.request.model': pick(models), unrelated: i };
    for (const k of ['project', 'task.type', 'operation', 'debug.resolved', 'variant']) {
      const v = pick(values);
      if (v !== undefined) attrs[k] = v;
    }
    if (r() < 0.3) attrs['gen_ai.agent.name'] = `agent-${Math.floor(r() * 40)}`;
    for (const k of SUMMARY_NUMBER_KEYS.slice(0, 6)) if (r() < 0.5) attrs[k] = r() < 0.9 ? Math.round(r() * 1000) / 10 : 'not a number';
    return {
      spanId: `span-${i}`,
      runId: 'run-1',
      parentId: null,
      kind: pick(['agent', 'task', 'tool', 'pipeline'] as const),
      name: 'n',
      env: pick(['prod', 'dev']),
      startMs: T0 + i * 1000,
      endMs: T0 + i * 1000 + 50,
      durationMs: 50,
      status: pick(['success', 'failure'] as const),
      state: 'ended',
      attrs,
      pointEvents: 0,
    };
  });
}

/** What a summary of `s` keeps of its attributes: its profile and its finite summary numbers. */
function expectedAttrs(s: Span): BaseAttributes {
  const out = summaryProfile(s.attrs);
  for (const k of SUMMARY_NUMBER_KEYS) {
    const v = s.attrs[k];
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  return out;
}

function replayed(d: SpanDigest): BaseAttributes[] {
  const out: BaseAttributes[] = [];
  replayDigest(d, () => true, (s: DetailedSummary) => out.push({ ...s.attrs }));
  return out;
}

describe('span digest profiles', () => {
  it('replay each span with its own profile and numbers, built and decoded, past 31 values a key', () => {
    const input = spans(3000);
    const b = new DigestBuilder(1, 1);
    for (const s of input) b.add(s);
    const built = b.finish({ lines: input.length, events: input.length, skipped: 0, samples: [] }, []);
    // Distinct profiles of these spans: well past the packed key's 32 values per key.
    expect(new Set(input.map((s) => JSON.stringify(summaryProfile(s.attrs)))).size).toBeGreaterThan(1000);
    expect(built.pdict[1]?.length).toBe(45);
    const want = input.map(expectedAttrs);
    expect(replayed(built)).toEqual(want);
    const decoded = decodeDigest(encodeDigest(built));
    expect(decoded).toBeDefined();
    expect(replayed(decoded as SpanDigest)).toEqual(want);
    // "1" and 1 are two profiles, not one.
    const one = want.findIndex((a) => (a['project'] as JsonValue) === 1);
    const oneText = want.findIndex((a) => a['project'] === '1');
    expect(one).toBeGreaterThanOrEqual(0);
    expect(oneText).toBeGreaterThanOrEqual(0);
  });
});
