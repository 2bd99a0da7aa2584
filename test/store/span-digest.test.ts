/**
 * The span digest's profiles: each span replays with exactly its summary attributes (its
 * profile and its numbers), built and after a round trip through the digest's bytes, with more
 * distinct values per profile key than the packed profile key holds (32), values of every
 * kind a profile keeps, and values it drops; and spans of `DETAIL_KINDS` replayed with their
 * detail: ids, parent and run (canonical UUIDs packed, other text and null kept as they are),
 * and every summary attribute and detail attribute of their kind whatever its value; and a
 * detail name of a kind kept once however it was added (`nameIndex`, `nameIndexDistinct`).
 */
import { describe, expect, it } from 'vitest';
import { DETAIL_KEYS_OF, DETAIL_KINDS, SPAN_KINDS, SUMMARY_NUMBER_KEYS, SUMMARY_PROFILE_KEYS, summaryProfile } from '../../src/model/index.js';
import type { BaseAttributes, DetailedSummary, JsonValue, Span } from '../../src/model/index.js';
import { DigestBuilder, decodeDigest, encodeDigest, replayDigest } from '../../src/store/span-digest.js';
import type { DetailMore, SpanDigest } from '../../src/store/span-digest.js';

const T0 = Date.UTC(2026, 0, 5, 9);

/** Every span of `d` marked new, for `replayDigest`. */
const allNew = (d: SpanDigest): Uint8Array => new Uint8Array(d.hash.length).fill(1);

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
  replayDigest(d, allNew(d), (s: DetailedSummary) => out.push({ ...s.attrs }));
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

  it("replay spans of DETAIL_KINDS with their ids, parent, run, name and end, and every summary attribute and their kind's detail attributes as written", () => {
    const uuid = (i: number): string => `0190a001-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
    const input = spans(600).map((s, i): Span => {
      const attrs: BaseAttributes = {
        ...s.attrs, 'run.key': `run_${i}`, 'agent.names': ['a', 'b'], errors: [{ type: 'x' }], 'error.type': 'e', 'cicd.pipeline.run.id': `p${i}`, 'gen_ai.request.temperature': i % 4 === 0 ? null : 0.5,
      };
      return {
        ...s,
        spanId: i % 3 === 0 ? `odd-${i}` : uuid(i),
        parentId: i % 5 === 0 ? null : i % 5 === 1 ? `parent ${i}` : uuid(100_000 + i),
        runId: i % 7 === 0 ? `run ${i}` : uuid(200_000 + i),
        name: `name ${i % 9}`,
        endMs: i % 11 === 0 ? null : s.startMs + 50,
        attrs,
      };
    });
    const b = new DigestBuilder(1, 1);
    for (const s of input) b.add(s);
    const built = b.finish({ lines: input.length, events: input.length, skipped: 0, samples: [] }, []);
    const kept = (s: Span): Set<string> => new Set([...SUMMARY_PROFILE_KEYS, ...SUMMARY_NUMBER_KEYS, ...(DETAIL_KEYS_OF[s.kind] ?? [])]);
    const want = input.map((s) =>
      (DETAIL_KINDS as readonly string[]).includes(s.kind)
        ? { spanId: s.spanId, parentId: s.parentId, runId: s.runId, name: s.name, endMs: s.endMs, attrs: Object.fromEntries(Object.entries(s.attrs).filter(([k]) => kept(s).has(k))) }
        : { spanId: undefined, parentId: undefined, runId: undefined, name: undefined, endMs: undefined, attrs: expectedAttrs(s) },
    );
    // A key is kept for the kinds that list it only: a pipeline's id, not an agent's.
    expect(want.some((w) => w.spanId !== undefined && w.attrs['cicd.pipeline.run.id'] !== undefined)).toBe(true);
    expect(want.some((w) => w.spanId !== undefined && w.attrs['cicd.pipeline.run.id'] === undefined)).toBe(true);
    // Some detail spans hold values their summary alone drops (null, a number key's text).
    expect(want.some((w) => w.spanId !== undefined && (w.attrs['gen_ai.request.temperature'] === null || Object.values(w.attrs).includes('not a number')))).toBe(true);
    expect(want.filter((w) => w.spanId === undefined).length).toBeGreaterThan(50);
    const decoded = decodeDigest(encodeDigest(built)) as SpanDigest;
    for (const d of [built, decoded]) {
      const got: unknown[] = [];
      replayDigest(d, allNew(d), (s) => got.push({ spanId: s.spanId, parentId: s.parentId, runId: s.runId, name: s.name, endMs: s.endMs, attrs: { ...s.attrs } }), true, true);
      expect(got).toEqual(want);
      // Without links (a read that groups by neither), no parent or run is made.
      let linked = 0;
      replayDigest(d, allNew(d), (s) => (linked += s.parentId !== undefined || s.runId !== undefined ? 1 : 0), true);
      expect(linked).toBe(0);
      // A damaged list of odd link ids is read only by a replay with links (which checks it first).
      const damaged = { ...d, linkOdd: 5 as unknown as SpanDigest['linkOdd'] };
      let n = 0;
      replayDigest(damaged, allNew(damaged), () => n++, true);
      expect(n).toBe(input.length);
    }
  });
});

describe('DigestBuilder names', () => {
  it('keeps each name of a kind once, whether added as new (nameIndexDistinct) or looked up (nameIndex), in either order', () => {
    const b = new DigestBuilder(1, 1);
    const task = SPAN_KINDS.indexOf('task');
    const agent = SPAN_KINDS.indexOf('agent');
    expect(b.nameIndexDistinct(task, 'fix the build')).toBe(0);
    expect(b.nameIndexDistinct(task, 'task')).toBe(1);
    // Looked up: the names given as new are found, not added again.
    expect(b.nameIndex(task, 'task')).toBe(1);
    expect(b.nameIndex(task, 'fix the build')).toBe(0);
    expect(b.nameIndexDistinct(task, 'write tests')).toBe(2);
    // Once a name was added by lookup, one said to be new may be it: it is looked up too.
    expect(b.nameIndex(task, 'other')).toBe(3);
    expect(b.nameIndexDistinct(task, 'other')).toBe(3);
    expect(b.nameIndexDistinct(task, 'write tests')).toBe(2);
    expect(b.nameIndexDistinct(task, 'last')).toBe(4);
    // Another kind's names are its own.
    expect(b.nameIndexDistinct(agent, 'task')).toBe(0);
    const names = (k: number): string[] => (b.finish({ lines: 0, events: 0, skipped: 0, samples: [] }, []).dMore[k] as DetailMore).names;
    expect(names(task)).toEqual(['fix the build', 'task', 'write tests', 'other', 'last']);
    expect(names(agent)).toEqual(['task']);
  });
});
