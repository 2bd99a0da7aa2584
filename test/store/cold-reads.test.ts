/**
 * Cold reads: a report from segments without a span cache (folded on fold workers or on the
 * reading thread, digests written on the way), a warm one (digests replayed) and an uncached
 * one must all equal the report built from the plain parse (`scanSpans`: every line decoded,
 * validated and folded at once), on fuzzed stores: torn tails, bad lines, numbers written
 * as strings, unicode (in lines that cross the reader's 64 KiB chunks too), duplicates,
 * spans whose start and end sit in different segments or days, feedback, runs, issues and
 * their agent, pipeline and debug spans (the orchestrator's records), optimisation sessions
 * (the automation report).
 *
 * Fold workers run a compiled script, so one property drives `dist/` (built before the
 * tests, as for the CLI tests); the other runs the sources, where segments fold inline.
 */
import { appendFileSync, cpSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type * as AnalyticsApi from '../../src/analytics/index.js';
import { AgentAnalysisBuilder, answerOrchestratorQueries, automationSummary, buildRunRecords, ReportBuilder, RunRecordsBuilder } from '../../src/analytics/index.js';
import { envSelected } from '../../src/model/index.js';
import type { Span } from '../../src/model/index.js';
import type * as QueryApi from '../../src/query/index.js';
import { DirectorySource } from '../../src/query/index.js';
import type * as PoolApi from '../../src/store/fold-pool.js';
import type * as StoreApi from '../../src/store/index.js';
import { collectStore, scanSpans, scanSummaries, spanSelected } from '../../src/store/index.js';
import { pieceCount } from '../../src/store/pieces.js';
import { tempDir } from '../helpers.js';

const DIST = resolve(import.meta.dirname, '../../dist');
const dist = {
  store: (await import(pathToFileURL(join(DIST, 'store', 'index.js')).href)) as typeof StoreApi,
  pool: (await import(pathToFileURL(join(DIST, 'store', 'fold-pool.js')).href)) as typeof PoolApi,
  query: (await import(pathToFileURL(join(DIST, 'query', 'index.js')).href)) as typeof QueryApi,
  analytics: (await import(pathToFileURL(join(DIST, 'analytics', 'index.js')).href)) as typeof AnalyticsApi,
};

const DAY_MS = 86_400_000;
const DAYS = ['2025-03-04', '2025-03-05', '2025-03-06'];
const T0 = Date.parse(`${DAYS[0]}T00:00:00.000Z`);
const NOW = T0 + 3 * DAY_MS + 3_600_000;
const SINCE = T0;
const UNTIL = T0 + 3 * DAY_MS;
const SEGMENTS = 6;

const ENVS = ['prod', 'dev', 'ünï-é', '生产'];
const MODELS = ['gpt-4.1', 'claude-sonnet-4', 'modèle 😀', 'a"quoted\\model'];
const KINDS = ['run', 'task', 'agent', 'agent', 'workflow', 'pipeline', 'debug', 'optimization', 'tool', 'llm'] as const;
const AGENTS = ['planner', 'coder', 'réviseur 😀'];
const WORKFLOWS = ['wf-1', 'wf-2'];
const STATUSES = ['success', 'failure', 'cancelled', 'timeout', 'skipped'] as const;

const num = fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }));
/** A number, sometimes written as a string (invalid for typed keys, ignored by sums elsewhere). */
const maybeString = fc.oneof({ weight: 4, arbitrary: num }, { weight: 1, arbitrary: num.map(String) });

const spanArbOf = (kinds: readonly (typeof KINDS)[number][]) => fc.record({
  kind: fc.constantFrom(...kinds),
  form: fc.constantFrom('pair', 'pair', 'complete', 'startOnly', 'endOnly'),
  atMs: fc.integer({ min: 0, max: 3 * DAY_MS - 1 }),
  durMs: fc.integer({ min: 0, max: 6 * 3_600_000 }),
  status: fc.constantFrom(...STATUSES),
  env: fc.constantFrom(...ENVS),
  model: fc.option(fc.constantFrom(...MODELS), { nil: undefined }),
  tokens: fc.option(maybeString, { nil: undefined }),
  cost: fc.option(maybeString, { nil: undefined }),
  attempt: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  taskType: fc.option(fc.string({ unit: 'grapheme', maxLength: 6 }), { nil: undefined }),
  run: fc.integer({ min: 0, max: 3 }),
  points: fc.integer({ min: 0, max: 2 }),
  feedback: fc.option(fc.record({ success: fc.option(fc.boolean(), { nil: null }), rating: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }) }), { nil: undefined }),
  startSeg: fc.nat({ max: SEGMENTS - 1 }),
  // The end in the start's segment or a later one. With the end in an earlier segment, the
  // end delivered again beside the start and attempts between them, one segment alone cannot
  // know its span had already ended: the span cache counts those attempts, the plain fold
  // does not (docs/performance.md, "What the span cache folds differently").
  endAfter: fc.nat({ max: SEGMENTS - 1 }),
  duplicate: fc.boolean(),
  long: fc.boolean(),
  // What `agents` reads beyond a summary: agent names, workflows, failure messages.
  agent: fc.option(fc.constantFrom(...AGENTS), { nil: undefined }),
  workflow: fc.option(fc.constantFrom(...WORKFLOWS), { nil: undefined }),
  executed: fc.option(fc.array(fc.constantFrom(...AGENTS), { maxLength: 3 }), { nil: undefined }),
  error: fc.option(fc.constantFrom('tests failed', 'timeout: "quoted" ünï', ''), { nil: undefined }),
  // Its run (above) picks one of the store's run spans when there is one; its parent picks
  // one of the tasks (for an agent, pipeline or debug span) or of the spans.
  parent: fc.nat({ max: 40 }),
  // What the orchestrator's records read beyond a summary, some of it of odd types.
  orch: fc.record({
    key: fc.option(fc.constantFrom('42', 'run_20250304_000000_project_1', 'ключ'), { nil: undefined }),
    given: fc.option(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom('3', 'x', null)), { nil: undefined }),
    specific: fc.option(fc.constantFrom(null, 7, [1, 2], 'all'), { nil: undefined }),
    temperature: fc.option(fc.constantFrom(0, 0.7, null), { nil: undefined }),
    errors: fc.option(fc.array(fc.record({ type: fc.constantFrom('test', 'build'), message: fc.string({ maxLength: 8 }), agent: fc.constantFrom(...AGENTS) }), { maxLength: 2 }), { nil: undefined }),
    names: fc.option(fc.subarray(AGENTS), { nil: undefined }),
    retries: fc.option(fc.dictionary(fc.constantFrom(...AGENTS), fc.integer({ min: 0, max: 3 })), { nil: undefined }),
    detail: fc.option(fc.constantFrom('completed', 'skipped', 'manual', 'pending'), { nil: undefined }),
    resolved: fc.option(fc.boolean(), { nil: undefined }),
    // A number key an issue's kind does not type, written as a string.
    stray: fc.option(fc.constantFrom('2', 2), { nil: undefined }),
  }),
});
const spanArb = spanArbOf(KINDS);

const storeOf = (spans: typeof spanArb, minLength: number) => fc.record({
  spans: fc.array(spans, { minLength, maxLength: 40 }),
  bad: fc.array(fc.record({ seg: fc.nat({ max: SEGMENTS - 1 }), text: fc.string({ unit: 'binary', maxLength: 40 }) }), { maxLength: 6 }),
  torn: fc.array(fc.nat({ max: SEGMENTS - 1 }), { maxLength: 2 }),
});
const storeArb = storeOf(spanArb, 1);
/** Stores of runs, their issues and the issues' agent, pipeline and debug spans (and a few others). */
const orchestratorStoreArb = storeOf(spanArbOf(['run', 'task', 'task', 'agent', 'agent', 'pipeline', 'debug', 'tool']), 8);
/** Stores of optimisation sessions (and a few other spans). */
const automationStoreArb = storeOf(spanArbOf(['optimization', 'optimization', 'optimization', 'tool']), 4);

type StoreSpec = typeof storeArb extends fc.Arbitrary<infer T> ? T : never;

let uid = 0;
const id = (): string => `0190a000-0000-7000-8000-${(uid++).toString(16).padStart(12, '0')}`;
const iso = (ms: number): string => new Date(ms).toISOString();
// Ids are unique per span: a reused id with other content is not a duplicate delivery.
// Half are canonical UUIDs (the cache packs those into 16 bytes), half other text.
const spanIdOf = (i: number): string => (i % 2 === 0 ? `0190a001-0000-7000-8000-${i.toString(16).padStart(12, '0')}` : `span-${i}`);

/** The attributes the seed reports read, as a span of `kind` carries them. */
function seedAttrs(kind: string, i: number, o: StoreSpec['spans'][number]['orch']): Record<string, unknown> {
  const a: Record<string, unknown> = {};
  const put = (k: string, v: unknown): void => {
    if (v !== undefined) a[k] = v;
  };
  if (kind === 'run') {
    put('run.key', o.key);
    put('run.total_successes', o.given);
    put('specific_issue', o.specific);
    put('gen_ai.request.temperature', o.temperature);
    put('mode', o.detail);
  } else if (kind === 'task') {
    if (i % 3 === 0) put('issue_iid', i);
    put('task.key', o.key);
    put('errors', o.errors);
    put('errors.count', o.given);
    put('agent.names', o.names);
    put('agent.retries', o.retries);
    put('complexity', o.detail);
    put('pipeline.attempt', o.stray);
  } else if (kind === 'pipeline') {
    put('pipeline.attempt', typeof o.stray === 'number' ? i % 3 : undefined);
    put('cicd.pipeline.run.id', o.key);
    put('vcs.ref.head.revision', o.detail);
  } else if (kind === 'debug') {
    put('debug.attempts', typeof o.given === 'number' ? o.given : undefined);
    put('debug.resolved', o.resolved);
    put('error.type', o.detail);
  } else if (kind === 'optimization') {
    put('operation', o.key);
    put('variants_generated', typeof o.given === 'number' ? o.given * 4 : undefined);
    put('promoted', typeof o.given === 'number' ? o.given % 2 : undefined);
    put('baseline_latency_ms', o.temperature === null ? null : 2 + i);
    put('optimized_latency_ms', o.temperature === undefined ? undefined : 1 + (i % 3));
    // Untyped keys: numbers, numbers as text, or neither.
    put('calls', o.stray);
    put('wallclock_saved_seconds', o.given);
    put('search_depth', typeof o.given === 'number' ? o.given : undefined);
  }
  return a;
}

/** Write the store: segment i lives in day i mod 3, every line as JSON.stringify writes it. */
function writeStore(root: string, spec: StoreSpec): void {
  const lines: string[][] = Array.from({ length: SEGMENTS }, () => []);
  const put = (seg: number, e: Record<string, unknown>): void => {
    lines[seg]?.push(JSON.stringify(e));
  };
  const ofKind = (kind: string): number[] => spec.spans.flatMap((x, i) => (x.kind === kind ? [i] : []));
  const runs = ofKind('run');
  const tasks = ofKind('task');
  spec.spans.forEach((s, i) => {
    const spanId = spanIdOf(i);
    const runId = s.kind === 'run' ? spanId : runs.length > 0 ? spanIdOf(runs[s.run % runs.length] as number) : `run-${s.run}`;
    const parents = s.kind === 'task' ? [] : ['agent', 'pipeline', 'debug'].includes(s.kind) && tasks.length > 0 ? tasks : spec.spans.map((_, j) => j);
    const parentId = s.kind === 'run' ? null : s.kind === 'task' ? (runs.length > 0 ? runId : null) : spanIdOf(parents[s.parent % parents.length] as number);
    const startMs = T0 + s.atMs;
    const attrs: Record<string, unknown> = seedAttrs(s.kind, i, s.orch);
    if (s.model !== undefined) attrs['gen_ai.request.model'] = s.model;
    if (s.taskType !== undefined) attrs['task.type'] = s.taskType;
    if (s.attempt !== undefined && s.kind === 'agent') attrs['agent.attempt'] = s.attempt;
    // A big attribute pushes the line across the reader's 64 KiB chunks.
    if (s.long) attrs['task_description'] = 'é😀'.repeat(12_000);
    if (s.agent !== undefined) attrs['gen_ai.agent.name'] = s.agent;
    if (s.workflow !== undefined) attrs['workflow.id'] = s.workflow;
    const endAttrs: Record<string, unknown> = {};
    if (s.executed !== undefined) endAttrs['workflow.agents_executed'] = s.executed;
    if (s.error !== undefined) endAttrs['error.message'] = s.error;
    if (s.tokens !== undefined) endAttrs['gen_ai.usage.input_tokens'] = s.tokens;
    if (s.cost !== undefined) endAttrs['cost_usd'] = s.cost;
    const head = { v: 1, type: '', span_id: spanId, kind: s.kind };
    const start = { ...head, id: id(), ts: iso(startMs), type: 'span.start', name: `${s.kind} ${i}`, parent_id: parentId, run_id: runId, env: s.env, attrs };
    const end = {
      ...head, id: id(), ts: iso(startMs + s.durMs), type: 'span.end', run_id: runId, env: s.env, start_ts: iso(startMs), duration_ms: s.durMs, status: s.status, attrs: endAttrs,
    };
    const endSeg = Math.min(SEGMENTS - 1, s.startSeg + s.endAfter);
    const events: [number, Record<string, unknown>][] = [];
    if (s.form === 'complete') {
      events.push([s.startSeg, { ...end, type: 'span', name: `${s.kind} ${i}`, parent_id: parentId, attrs: { ...attrs, ...endAttrs } }]);
    } else {
      if (s.form !== 'endOnly') events.push([s.startSeg, start]);
      for (let p = 0; p < s.points; p++) events.push([s.startSeg, { v: 1, id: id(), ts: iso(startMs + p), type: 'span.event', span_id: spanId, name: 'debug.attempt', run_id: runId, env: s.env, attrs: {} }]);
      if (s.form !== 'startOnly') events.push([endSeg, end]);
    }
    if (s.feedback) {
      events.push([endSeg, { v: 1, id: id(), ts: iso(startMs + s.durMs + 1), type: 'feedback', span_id: spanId, run_id: runId, env: s.env, success: s.feedback.success, rating: s.feedback.rating, source: 'human', attrs: s.model !== undefined ? { 'gen_ai.request.model': s.model } : {} }]);
    }
    for (const [seg, e] of events) {
      put(seg, e);
      // At-least-once delivery: the same event again, maybe in another segment.
      if (s.duplicate) put((seg + 1) % SEGMENTS, e);
    }
  });
  for (const b of spec.bad) lines[b.seg]?.push(b.text.replaceAll('\n', ' '));
  for (let seg = 0; seg < SEGMENTS; seg++) {
    const day = join(root, 'events', DAYS[seg % DAYS.length] as string);
    mkdirSync(day, { recursive: true });
    let text = (lines[seg] as string[]).map((l) => `${l}\n`).join('');
    // A writer killed mid-line: the start of an event without its newline.
    if (spec.torn.includes(seg)) text += '{"v":1,"id":"0190a000-0000-7000-8000-ffffffffffff","ts":"2025-03-0';
    writeFileSync(join(day, `2025030${seg}T000000000Z-1-${seg}.jsonl`), text);
  }
}

/** A report as the plain parse builds it: every line decoded, validated and folded in one pass. */
async function plainReport(root: string, api: { scanSpans: typeof scanSpans; ReportBuilder: typeof ReportBuilder }): Promise<unknown> {
  const builder = new api.ReportBuilder({ sinceMs: SINCE, untilMs: UNTIL, nowMs: NOW, by: 'model', envs: 'all' });
  const samples: StoreApi.SkippedLine[] = [];
  const { read } = await api.scanSpans({
    root,
    nowMs: NOW,
    onSpan: (s) => builder.addSpan(s),
    onFeedback: (f) => builder.addFeedback(f),
    onSkip: (s) => {
      if (samples.length < 20) samples.push(s);
    },
  });
  builder.setSkippedLines(read.skipped, samples);
  return comparable(builder.build(), root);
}

/** `agents` as the plain parse computes it: every span folded from its events, none from the cache. */
async function plainAgents(root: string, q: QueryApi.AgentsQuery): Promise<unknown> {
  const b = new AgentAnalysisBuilder({ nowMs: q.nowMs, taskType: q.taskType });
  const filter = { sinceMs: q.sinceMs ?? -Infinity, untilMs: q.untilMs ?? Infinity, windowOn: 'start' as const, envs: q.envs, kinds: ['agent', 'workflow'] as const };
  await scanSpans({
    root,
    nowMs: q.nowMs,
    onSpan: (s) => {
      if (spanSelected(s, { ...filter, kinds: [...filter.kinds] })) b.addSpan(s);
    },
    onFeedback: (f) => {
      if (envSelected(f.env, q.envs)) b.addFeedback(f);
    },
  });
  return rounded(b.build());
}

const orchestratorFilter = (q: QueryApi.SeedQuery): StoreApi.SpanFilter => ({ sinceMs: q.sinceMs, untilMs: q.untilMs, windowOn: 'start', envs: q.envs, kinds: ['run', 'task', 'agent', 'pipeline', 'debug'] });

/** The orchestrator's run records as the plain parse builds them, from whole spans, and its answers. */
async function plainOrchestrator(root: string, q: QueryApi.SeedQuery): Promise<{ records: AnalyticsApi.RunRecord[]; answers: unknown }> {
  const spans: Span[] = [];
  await scanSpans({
    root,
    nowMs: q.nowMs,
    onSpan: (s) => {
      if (spanSelected(s, orchestratorFilter(q))) spans.push(s);
    },
  });
  const records = buildRunRecords(spans);
  return { records, answers: rounded(answerOrchestratorQueries(records)) };
}

/** The same records from span summaries with their detail (the span cache's, with `cache`). */
async function cachedRecords(root: string, q: QueryApi.SeedQuery, cache: boolean): Promise<AnalyticsApi.RunRecord[]> {
  const b = new RunRecordsBuilder();
  await scanSummaries({
    root,
    nowMs: q.nowMs,
    cache,
    detail: true,
    links: true,
    onSpan: (s) => {
      if (spanSelected(s, orchestratorFilter(q))) b.addSpan(s as AnalyticsApi.RecordSpan);
    },
  });
  return b.build();
}

/** `report automation` as whole spans answer it: every session folded from its events. */
async function plainAutomation(root: string, q: QueryApi.SeedQuery): Promise<unknown> {
  const previousSince = q.sinceMs - (q.untilMs - q.sinceMs);
  const c = await collectStore({ dir: root, sinceMs: previousSince, untilMs: q.untilMs, envs: q.envs, nowMs: q.nowMs, kinds: ['optimization'], windowOn: 'end' });
  return automationSummary(c.spans, { sinceMs: q.sinceMs, untilMs: q.untilMs });
}

/** Numbers to 12 significant digits: sums taken in another order differ in the last bits. */
function rounded(x: unknown): unknown {
  if (typeof x === 'number') return Number.isFinite(x) ? Number(x.toPrecision(12)) : x;
  if (Array.isArray(x)) return x.map(rounded);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, rounded(v)]));
  return x;
}

/** A report without its clock fields, skipped lines named relative to the store. */
function comparable(report: object, root: string): unknown {
  const rest = { ...(report as Record<string, unknown>) };
  delete rest['generated_at'];
  delete rest['ms'];
  const skipped_samples = rest['skipped_samples'];
  return { ...rest, skipped_samples: (skipped_samples as StoreApi.SkippedLine[]).map((s) => ({ ...s, file: s.file.slice(root.length) })) };
}

const query = { sinceMs: SINCE, untilMs: UNTIL, nowMs: NOW, by: 'model' as const, envs: 'all' as const };

/** Segment mtimes as a copy leaves them (now) or as days-old history; the cache must not care. */
function touch(root: string, mtimeMs: number): void {
  for (const day of readdirSync(join(root, 'events'))) {
    for (const f of readdirSync(join(root, 'events', day))) utimesSync(join(root, 'events', day, f), mtimeMs / 1000, mtimeMs / 1000);
  }
}

describe('cold reads equal the plain parse', () => {
  it('on fuzzed stores, folding inline: cold (cache written), warm (digests replayed) and uncached reports', async () => {
    await fc.assert(
      fc.asyncProperty(storeArb, fc.boolean(), async (spec, recent) => {
        const root = tempDir();
        writeStore(root, spec);
        touch(root, recent ? Date.now() : Date.now() - 30 * DAY_MS);
        const plain = await plainReport(root, { scanSpans, ReportBuilder });
        const cold = await scanSummaries({ root, nowMs: NOW, onSpan: () => undefined });
        // Every segment is cached by its first read, whatever its mtime: one slow report, never two.
        expect(cold.cache.writes).toBe(SEGMENTS);
        expect(cold.folds.here).toBe(SEGMENTS);
        const warm = await scanSummaries({ root, nowMs: NOW, onSpan: () => undefined });
        expect(warm.cache).toEqual({ hits: SEGMENTS, writes: 0, errors: 0 });
        for (const cache of [true, false]) expect(comparable(await new DirectorySource(root, { cache }).report(query), root)).toEqual(plain);
      }),
      { numRuns: 60 },
    );
  });

  it('on fuzzed stores, segments folded in pieces (cold, warm, uncached) give the plain parse\'s report, skipped lines numbered in their segment', async () => {
    let pieced = 0;
    let kept = 0;
    await fc.assert(
      fc.asyncProperty(storeArb, fc.integer({ min: 400, max: 6000 }), fc.nat(), async (spec, pieceBytes, grow) => {
        const root = tempDir();
        writeStore(root, spec);
        const plain = await plainReport(root, { scanSpans, ReportBuilder });
        const inPieces = (cache: boolean) => ((o: StoreApi.ScanSummariesOptions) => scanSummaries({ ...o, cache, pieceBytes })) as unknown as typeof scanSpans;
        expect(await plainReport(root, { scanSpans: inPieces(true), ReportBuilder })).toEqual(plain);
        const warm = await scanSummaries({ root, nowMs: NOW, pieceBytes, onSpan: () => undefined });
        expect(warm.cache.writes).toBe(0);
        // Segments counted once, whatever their pieces.
        expect(warm.read.segments).toBe(SEGMENTS);
        expect(await plainReport(root, { scanSpans: inPieces(true), ReportBuilder })).toEqual(plain);
        expect(await plainReport(root, { scanSpans: inPieces(false), ReportBuilder })).toEqual(plain);
        // Whole segments after pieces: their digests apart, the same report.
        expect(comparable(await new DirectorySource(root).report(query), root)).toEqual(plain);
        if (warm.cache.hits > SEGMENTS) pieced++;
        // A segment being written grows: lines of its own again, a bad line, a torn tail. Its
        // pieces that a newline fixed still serve, and the reports still equal the plain parse's.
        const files = readdirSync(join(root, 'events')).flatMap((d) => readdirSync(join(root, 'events', d)).map((f) => join(root, 'events', d, f)));
        const file = files[grow % files.length] as string;
        const own = readFileSync(file, 'utf8').split('\n').slice(0, 3).join('\n');
        appendFileSync(file, `\n${own}\nnot json\n${own.slice(0, 40)}`);
        const others = files.filter((f) => f !== file).reduce((n, f) => n + pieceCount(statSync(f).size, pieceBytes), 0);
        const after = await scanSummaries({ root, nowMs: NOW, pieceBytes, onSpan: () => undefined });
        kept += after.cache.hits - others;
        const plainAfter = await plainReport(root, { scanSpans, ReportBuilder });
        expect(await plainReport(root, { scanSpans: inPieces(true), ReportBuilder })).toEqual(plainAfter);
        expect(await plainReport(root, { scanSpans: inPieces(false), ReportBuilder })).toEqual(plainAfter);
      }),
      { numRuns: 20 },
    );
    // Not vacuous: most stores drawn had segments in pieces, and grown segments kept some.
    expect(pieced).toBeGreaterThan(10);
    expect(kept).toBeGreaterThan(10);
  });

  it('on fuzzed stores, agents from the span cache (built, then replayed) and uncached equals agents from the plain parse', async () => {
    const queries: QueryApi.AgentsQuery[] = [
      { nowMs: NOW, envs: 'all' },
      { nowMs: NOW, sinceMs: T0 + DAY_MS / 2, untilMs: T0 + 2 * DAY_MS, envs: ['prod', '生产'] },
      { nowMs: NOW, envs: 'all', taskType: 'a' },
    ];
    await fc.assert(
      fc.asyncProperty(storeArb, fc.constantFrom(...queries), async (spec, q) => {
        const root = tempDir();
        writeStore(root, spec);
        const plain = await plainAgents(root, q);
        const cold = await new DirectorySource(root).agents(q);
        expect(rounded(cold.analysis)).toEqual(plain);
        const warm = await scanSummaries({ root, nowMs: NOW, onSpan: () => undefined });
        expect(warm.cache).toEqual({ hits: SEGMENTS, writes: 0, errors: 0 });
        expect(rounded((await new DirectorySource(root).agents(q)).analysis)).toEqual(plain);
        expect(rounded((await new DirectorySource(root, { cache: false }).agents(q)).analysis)).toEqual(plain);
      }),
      { numRuns: 60 },
    );
  });

  it('on fuzzed stores, report orchestrator and its run records from the span cache (built, then replayed) and uncached equal those from whole spans', async () => {
    const queries: QueryApi.SeedQuery[] = [
      { sinceMs: SINCE, untilMs: UNTIL, nowMs: NOW, envs: 'all' },
      { sinceMs: T0 + DAY_MS / 2, untilMs: T0 + 2 * DAY_MS, nowMs: NOW, envs: ['prod', '生产'] },
    ];
    let issues = 0;
    await fc.assert(
      fc.asyncProperty(orchestratorStoreArb, fc.constantFrom(...queries), async (spec, q) => {
        const root = tempDir();
        writeStore(root, spec);
        const plain = await plainOrchestrator(root, q);
        const cold = await new DirectorySource(root).orchestrator(q);
        expect(rounded(cold.answers)).toEqual(plain.answers);
        issues += cold.answers.issues;
        const warm = await scanSummaries({ root, nowMs: NOW, onSpan: () => undefined, detail: true });
        expect(warm.cache).toEqual({ hits: SEGMENTS, writes: 0, errors: 0 });
        expect(rounded((await new DirectorySource(root).orchestrator(q)).answers)).toEqual(plain.answers);
        expect(rounded((await new DirectorySource(root, { cache: false }).orchestrator(q)).answers)).toEqual(plain.answers);
        // The records too, every field of them (what an export of the runs would write).
        for (const cache of [true, false]) expect(await cachedRecords(root, q, cache)).toEqual(plain.records);
      }),
      { numRuns: 60 },
    );
    // The stores drawn had issues under their runs, not only empty answers.
    expect(issues).toBeGreaterThan(20);
  });

  it('on fuzzed stores, report automation from the span cache (built, then replayed) and uncached equals its summary from whole spans', async () => {
    const q: QueryApi.SeedQuery = { sinceMs: T0 + 1.5 * DAY_MS, untilMs: UNTIL, nowMs: NOW, envs: 'all' };
    let sessions = 0;
    await fc.assert(
      fc.asyncProperty(automationStoreArb, async (spec) => {
        const root = tempDir();
        writeStore(root, spec);
        const plain = await plainAutomation(root, q);
        const cold = await new DirectorySource(root).automation(q);
        // Sessions are summed in the same order: equal to the last bit.
        expect(cold.summary).toEqual(plain);
        sessions += cold.summary.current.sessions + cold.summary.previous.sessions;
        const warm = await scanSummaries({ root, nowMs: NOW, onSpan: () => undefined });
        expect(warm.cache).toEqual({ hits: SEGMENTS, writes: 0, errors: 0 });
        expect((await new DirectorySource(root).automation(q)).summary).toEqual(plain);
        expect((await new DirectorySource(root, { cache: false }).automation(q)).summary).toEqual(plain);
      }),
      { numRuns: 60 },
    );
    expect(sessions).toBeGreaterThan(60);
  });

  it('on fuzzed stores, folding on worker threads (dist/): first report, copied store (its workers started early), uncached', async () => {
    await fc.assert(
      fc.asyncProperty(storeArb, async (spec) => {
        const root = tempDir();
        writeStore(root, spec);
        touch(root, Date.now() - 30 * DAY_MS);
        const plain = await plainReport(root, { scanSpans: dist.store.scanSpans, ReportBuilder: dist.analytics.ReportBuilder });
        const cold = await dist.store.scanSummaries({ root, nowMs: NOW, threads: 2, threadsAfterBytes: 0, onSpan: () => undefined });
        expect(cold.folds).toEqual({ here: 0, workers: SEGMENTS });
        expect(cold.cache.writes).toBe(SEGMENTS);
        // One worker, uncached: the later digests come back in the buffers of replayed ones (`FoldPool.recycle`).
        const oneWorker = ((o: StoreApi.ScanSummariesOptions) => dist.store.scanSummaries({ ...o, cache: false, threads: 1, threadsAfterBytes: 0 })) as unknown as typeof scanSpans;
        expect(await plainReport(root, { scanSpans: oneWorker, ReportBuilder: dist.analytics.ReportBuilder })).toEqual(plain);
        expect(comparable(await new dist.query.DirectorySource(root).report(query), root)).toEqual(plain);
        // The detail of agent and workflow spans, encoded on a worker and decoded here.
        const agentsQuery = { nowMs: NOW, envs: 'all' as const };
        expect(rounded((await new dist.query.DirectorySource(root).agents(agentsQuery)).analysis)).toEqual(await plainAgents(root, agentsQuery));
        // A copy: new mtimes, no cache. Its first report folds on workers and caches everything,
        // on workers started ahead of it, as the CLI starts them: from its first segment,
        // however few bytes need folding.
        const copy = tempDir();
        cpSync(join(root, 'events'), join(copy, 'events'), { recursive: true });
        const early = dist.pool.startFoldPoolEarly();
        expect(early).toBeDefined();
        expect(comparable(await new dist.query.DirectorySource(copy).report(query), copy)).toEqual(plain);
        // The read took that pool.
        const next = dist.pool.startFoldPoolEarly();
        expect(next).not.toBe(early);
        await dist.pool.foldPool(next?.threads ?? 0).close();
        const second = await dist.store.scanSummaries({ root: copy, nowMs: NOW, threads: 2, threadsAfterBytes: 0, onSpan: () => undefined });
        expect(second.cache).toEqual({ hits: SEGMENTS, writes: 0, errors: 0 });
        expect(comparable(await new dist.query.DirectorySource(copy, { cache: false }).report(query), copy)).toEqual(plain);
        // Segments in pieces, folded on workers: from the line scanner's records, or line by line where it declines.
        const inPieces = ((o: StoreApi.ScanSummariesOptions) => dist.store.scanSummaries({ ...o, threads: 2, threadsAfterBytes: 0, pieceBytes: 700 })) as unknown as typeof scanSpans;
        expect(await plainReport(root, { scanSpans: inPieces, ReportBuilder: dist.analytics.ReportBuilder })).toEqual(plain);
      }),
      { numRuns: 4 },
    );
  }, 240_000);

  it('on fuzzed stores, collectStore folding on worker threads (dist/) keeps the same spans, feedback and skips as on one thread', async () => {
    const windows: Omit<StoreApi.CollectOptions, 'dir'>[] = [
      { envs: 'all' },
      { kinds: ['agent', 'optimization'], windowOn: 'end', sinceMs: T0 + DAY_MS / 2, untilMs: T0 + 2 * DAY_MS, envs: ['prod', '生产'] },
    ];
    await fc.assert(
      fc.asyncProperty(storeArb, fc.constantFrom(...windows), async (spec, w) => {
        const root = tempDir();
        writeStore(root, spec);
        const o = { dir: root, nowMs: NOW, ...w };
        const plain = await dist.store.collectStore({ ...o, threads: 0 });
        const workers = await dist.store.collectStore({ ...o, threads: 2, threadsAfterBytes: 0 });
        const rel = (c: StoreApi.Collected): unknown => ({ ...c, samples: c.samples.map((x) => ({ ...x, file: x.file.slice(root.length) })) });
        expect(rel(workers)).toEqual(rel(plain));
        // Streamed (onSpan, no feedback), on workers and on one thread: the same spans, in fold order.
        for (const threads of [0, 2]) {
          const streamed: StoreApi.Collected['spans'] = [];
          const c = await dist.store.collectStore({ ...o, threads, threadsAfterBytes: 0, onSpan: (s) => streamed.push(s), feedback: false });
          expect(c.spans).toEqual([]);
          expect(c.feedback).toEqual([]);
          expect(c.skipped).toBe(plain.skipped);
          expect(streamed.sort((a, b) => a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : 1))).toEqual(plain.spans);
        }
      }),
      { numRuns: 6 },
    );
  }, 240_000);

  it('a cold read folds on the workers from its first segment; a warm one folds its grown last segment on the reading thread (dist/)', async () => {
    const root = tempDir();
    writeStore(root, { spans: fc.sample(spanArb, { seed: 11, numRuns: 60 }), bad: [], torn: [] });
    const files = readdirSync(join(root, 'events')).sort().flatMap((d) => readdirSync(join(root, 'events', d)).sort().map((f) => join(root, 'events', d, f)));
    const sizes = files.map((f) => statSync(f).size);
    // The first and the last segment are each under the threshold; the store is four times over it.
    const after = Math.floor(sizes.reduce((a, b) => a + b, 0) / 4);
    expect(Math.max(sizes[0] as number, sizes[sizes.length - 1] as number)).toBeLessThan(after);
    const cold = await dist.store.scanSummaries({ root, nowMs: NOW, threads: 2, threadsAfterBytes: after, onSpan: () => undefined });
    expect(cold.folds).toEqual({ here: 0, workers: files.length });
    const line = JSON.stringify({ v: 1, id: id(), ts: iso(T0 + 5), type: 'span', span_id: 'late', kind: 'tool', name: 'late', parent_id: null, run_id: 'run-9', env: 'prod', start_ts: iso(T0), duration_ms: 5, status: 'success', attrs: {} });
    appendFileSync(files[files.length - 1] as string, `${line}\n`);
    const warm = await dist.store.scanSummaries({ root, nowMs: NOW, threads: 2, threadsAfterBytes: after, onSpan: () => undefined });
    expect(warm.folds).toEqual({ here: 1, workers: 0 });
    expect(warm.cache.hits).toBe(files.length - 1);
  });

  it('fold workers hand digests back before their cache writes settle: every write counted, no temp file left, a failing one counted as an error (dist/)', async () => {
    const root = tempDir();
    writeStore(root, { spans: fc.sample(spanArb, { seed: 5, numRuns: 60 }), bad: [], torn: [] });
    const plain = await plainReport(root, { scanSpans: dist.store.scanSpans, ReportBuilder: dist.analytics.ReportBuilder });
    const cold = await dist.store.scanSummaries({ root, nowMs: NOW, threads: 2, threadsAfterBytes: 0, onSpan: () => undefined });
    expect(cold.folds).toEqual({ here: 0, workers: SEGMENTS });
    expect(cold.cache).toEqual({ hits: 0, writes: SEGMENTS, errors: 0 });
    const cached = readdirSync(join(root, 'cache'), { recursive: true }).map(String);
    expect(cached.filter((f) => f.endsWith('.digest'))).toHaveLength(SEGMENTS);
    expect(cached.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // A cache that cannot be written (a file where its folder goes): the report is the same.
    const blocked = tempDir();
    cpSync(join(root, 'events'), join(blocked, 'events'), { recursive: true });
    writeFileSync(join(blocked, 'cache'), '');
    const failed = await dist.store.scanSummaries({ root: blocked, nowMs: NOW, threads: 2, threadsAfterBytes: 0, onSpan: () => undefined });
    expect(failed.cache).toEqual({ hits: 0, writes: 0, errors: SEGMENTS });
    expect(comparable(await new dist.query.DirectorySource(blocked).report(query), blocked)).toEqual(plain);
  });

  it('a segment that grows after its digest was written is folded again, and the digest replaced', async () => {
    const root = tempDir();
    writeStore(root, { spans: [{ ...fc.sample(spanArb, { seed: 7, numRuns: 1 })[0] as StoreSpec['spans'][number], form: 'complete' }], bad: [], torn: [] });
    const first = await scanSummaries({ root, nowMs: NOW, onSpan: () => undefined });
    expect(first.cache.writes).toBe(SEGMENTS);
    const day = join(root, 'events', DAYS[0] as string);
    const file = join(day, readdirSync(day)[0] as string);
    const line = JSON.stringify({ v: 1, id: id(), ts: iso(T0 + 5), type: 'span', span_id: 'late', kind: 'tool', name: 'late', parent_id: null, run_id: 'run-9', env: 'prod', start_ts: iso(T0), duration_ms: 5, status: 'success', attrs: {} });
    writeFileSync(file, `${line}\n`, { flag: 'a' });
    const kinds: string[] = [];
    const again = await scanSummaries({ root, nowMs: NOW, onSpan: (s) => kinds.push(s.kind) });
    expect(again.cache).toEqual({ hits: SEGMENTS - 1, writes: 1, errors: 0 });
    expect(kinds).toContain('tool');
    const plain = await plainReport(root, { scanSpans, ReportBuilder });
    expect(comparable(await new DirectorySource(root).report(query), root)).toEqual(plain);
  });
});
