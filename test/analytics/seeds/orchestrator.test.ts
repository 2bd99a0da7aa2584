import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerOrchestratorQueries, buildRunRecords, orchestratorAnswersFromParts, orchestratorParts, percent, RunRecordsBuilder, spearman } from '../../../src/analytics/index.js';
import { RUN_KEYS, TASK_KEYS } from '../../../src/analytics/seeds/orchestrator-runs.js';
import type { IssueRecord, RunRecord } from '../../../src/analytics/seeds/orchestrator-runs.js';
import { spearmanParts } from '../../../src/analytics/seeds/orchestrator-queries.js';
import type { OrchestratorParts } from '../../../src/analytics/seeds/orchestrator-queries.js';
import type { Span } from '../../../src/model/span.js';
import { span } from '../fixtures.js';

function run(id: string, model: string, temperature: number): Span {
  return span('run', { spanId: id, runId: id, attrs: { project: '1', 'run.key': `run_${id}`, 'gen_ai.request.model': model, 'gen_ai.request.temperature': temperature } });
}

function issue(runId: string, id: string, status: 'success' | 'failure', durationMs = 60_000, complexity?: string): Span {
  return span('task', { spanId: id, runId, parentId: runId, status, durationMs, attrs: { 'task.key': id.replace(/\D/g, ''), ...(complexity ? { complexity } : {}) } });
}

function child(kind: 'agent' | 'pipeline' | 'debug', runId: string, parent: string, init: Partial<Span> & { attrs: Span['attrs'] }): Span {
  return span(kind, { runId, parentId: parent, ...init });
}

describe('orchestrator run records and queries', () => {
  const spans: Span[] = [
    run('r1', 'model-a', 0),
    issue('r1', 'i1', 'success', 100_000, 'low'),
    child('agent', 'r1', 'i1', { attrs: { 'gen_ai.agent.name': 'coding' } }),
    child('agent', 'r1', 'i1', { status: 'failure', attrs: { 'gen_ai.agent.name': 'coding' } }),
    child('pipeline', 'r1', 'i1', { status: 'failure', attrs: { 'pipeline.attempt': 1, 'cicd.pipeline.run.id': '1' } }),
    child('pipeline', 'r1', 'i1', { status: 'success', attrs: { 'pipeline.attempt': 2, 'cicd.pipeline.run.id': '2' } }),
    child('debug', 'r1', 'i1', { durationMs: 30_000, attrs: { 'gen_ai.agent.name': 'testing', 'debug.attempts': 3, 'debug.resolved': true } }),
    issue('r1', 'i2', 'success', 50_000, 'low'),
    child('pipeline', 'r1', 'i2', { status: 'success', attrs: { 'pipeline.attempt': 1, 'cicd.pipeline.run.id': '3' } }),
    run('r2', 'model-b', 0.7),
    issue('r2', 'i3', 'failure', 400_000, 'high'),
  ];

  it('rebuilds agent metrics: debug attempts are the retries of the cycle\'s agent, a repeated start is only an attempt (the seed\'s rule)', () => {
    const runs = buildRunRecords(spans);
    const i1 = runs[0]!.issues[0]!;
    expect(i1.agentMetrics['coding']).toMatchObject({ attempts: 2, successes: 1, failures: 1, retries: 0, duration: 2 });
    expect(i1.agentMetrics['testing']).toMatchObject({ attempts: 0, retries: 3 });
    expect(i1.totalAgentRetries).toBe(3);
    expect(i1.firstPipelinePassed).toBe(false);
    expect(i1.pipelines.map((p) => p.status)).toEqual(['failed', 'success']);
  });

  it('takes any agent name, `__proto__` and `constructor` included, without touching Object.prototype', () => {
    const odd = [run('r9', 'model-a', 0), issue('r9', 'i9', 'success')];
    for (const name of ['__proto__', '__proto__', 'constructor']) odd.push(child('agent', 'r9', 'i9', { attrs: { 'gen_ai.agent.name': name } }));
    const i9 = buildRunRecords(odd)[0]!.issues[0]!;
    expect(Object.keys(i9.agentMetrics).sort()).toEqual(['__proto__', 'constructor']);
    expect(i9.agentMetrics['__proto__']).toMatchObject({ attempts: 2, retries: 0 });
    expect(i9.agentMetrics['constructor']).toMatchObject({ attempts: 1, retries: 0 });
    expect(({} as Record<string, unknown>)['attempts']).toBeUndefined();
    const retries = answerOrchestratorQueries(buildRunRecords(odd)).agent_retries;
    expect(retries.map((r) => [r.agent, r.attempts, r.retries])).toEqual([['__proto__', 2, 0], ['constructor', 1, 0]]);
  });

  it('answers each example query', () => {
    const a = answerOrchestratorQueries(buildRunRecords(spans));
    expect(a.success_by_model.map((r) => [r.key, r.success_rate])).toEqual([['model-a', 1], ['model-b', 0]]);
    expect(a.success_by_temperature.map((r) => r.key)).toEqual(['0', '0.7']);
    expect(a.agent_retries[0]).toMatchObject({ agent: 'testing', retries: 3 });
    expect(a.first_pipeline).toMatchObject({ issues: 2, passed: 1, rate: 0.5 });
    expect(a.debugging).toMatchObject({ cycles: 1, cycles_per_issue: 1 / 3, resolution_rate: 1, time_to_resolve_seconds: { median: 30, mean: 30 } });
    expect(a.complexity.grouped_by).toBe('complexity');
    expect(a.complexity.rows.map((r) => [r.key, r.issues, r.mean_retries])).toEqual([['high', 1, 0], ['low', 2, 1.5]]);
  });

  it('empty history answers with nulls, not errors', () => {
    const a = answerOrchestratorQueries([]);
    expect(a.first_pipeline.rate).toBeNull();
    expect(a.debugging.cycles_per_issue).toBeNull();
  });

  it('percent rounds like the seed and never divides by zero', () => {
    expect(percent(2, 3)).toBe(66.67);
    expect(percent(1, 3)).toBe(33.33);
    expect(percent(0, 0)).toBe(0);
  });

  it('spearman: monotone is 1, reversed is −1, ties averaged, too few is null', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 1000])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 2], [5, 6, 7])).toBeCloseTo(0.8660254, 6);
    expect(spearman([1, 2], [1, 2])).toBeNull();
  });
});

describe('orchestrator answers from parts', () => {
  const parts = (completed: number, failed: number) => ({ runs: 1, issues: completed + failed, completed, failed });

  it('adds rows of the same key, as rows computed elsewhere arrive', () => {
    const a = orchestratorAnswersFromParts({
      runs: 3,
      issues: 6,
      byModel: [['m', parts(1, 1)], ['n', parts(1, 0)], ['m', parts(2, 0)]],
      byTemperature: [['(none)', { runs: 3, issues: 5, completed: 4, failed: 1 }]],
      agents: [['coding', { attempts: 2, retries: 1, issuesWithRetries: 1 }], ['coding', { attempts: 3, retries: 0, issuesWithRetries: 0 }]],
      firstPipeline: { issues: 4, passed: 1, pipelines: 7 },
      debugging: { cycles: 4, resolved: 2, attemptsSum: 6, resolveSeconds: { count: 4, sum: 10, middle: [2, 3] } },
      complexity: { labelled: false, rows: [['1', { issues: 1, retriesSum: 1, durationSum: 0, durations: 0, completed: 1, failed: 0 }]], spearman: { n: 2, num: 1, dx: 1, dy: 1 } },
    });
    expect(a.success_by_model.map((r) => [r.key, r.runs, r.completed, r.failed])).toEqual([['m', 2, 3, 1], ['n', 1, 1, 0]]);
    expect(a.agent_retries).toEqual([{ agent: 'coding', attempts: 5, retries: 1, retries_per_attempt: 0.2, issues_with_retries: 1 }]);
    expect(a.debugging).toMatchObject({ mean_attempts: 1.5, time_to_resolve_seconds: { median: 2.5, mean: 2.5 } });
    expect(a.complexity).toMatchObject({ grouped_by: 'retries', spearman_retries_vs_duration: null, rows: [{ key: '1', mean_duration_seconds: null, success_rate: 1 }] });
  });

  it('the parts of run records give the answers exactly', () => {
    const runs = buildRunRecords([
      ...[1, 2, 3, 4, 5].map((k) => run(`r${k}`, k % 2 ? 'a' : 'b', k / 10)),
      ...[1, 2, 3, 4, 5].map((k) => issue(`r${k}`, `i${k}`, k % 3 ? 'success' : 'failure', 1000 * k * k)),
      ...[1, 2, 3, 4, 5].flatMap((k) => Array.from({ length: k % 3 }, () => child('debug', `r${k}`, `i${k}`, { attrs: { 'gen_ai.agent.name': 'coding', 'debug.attempts': 1 } }))),
    ]);
    const p = orchestratorParts(runs);
    expect(p.complexity.spearman.n).toBe(5);
    expect(orchestratorAnswersFromParts(p)).toEqual(answerOrchestratorQueries(runs));
    expect(answerOrchestratorQueries(runs).complexity.spearman_retries_vs_duration).toBe(spearman([1, 2, 0, 1, 2], [1, 4, 9, 16, 25]));
  });

  it('summed one run at a time, the parts equal those of all the records at once (fuzzed records, fractional sums)', () => {
    const num = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.double({ min: 0, max: 1e4, noNaN: true }));
    const issueArb = fc.record({
      status: fc.constantFrom('completed', 'failed', 'skipped', 'running'),
      durationSeconds: fc.option(num, { nil: null }),
      complexity: fc.option(fc.constantFrom('low', 'high'), { nil: null }),
      firstPipelinePassed: fc.option(fc.boolean(), { nil: null }),
      pipelines: fc.nat(3),
      agents: fc.dictionary(fc.constantFrom('coding', 'testing', '__proto__'), fc.record({ attempts: fc.nat(4), retries: num })),
      debugging: fc.array(fc.record({ attempts: num, resolved: fc.boolean(), duration_seconds: fc.option(num, { nil: null }) }), { maxLength: 3 }),
    });
    const runArb = fc.record({ model: fc.option(fc.constantFrom('a', 'b'), { nil: null }), temperature: fc.option(fc.constantFrom(0, 0.5), { nil: null }), issues: fc.array(issueArb, { maxLength: 4 }) });
    fc.assert(
      fc.property(fc.array(runArb, { maxLength: 6 }), (given) => {
        const runs = given.map((r) => ({
          model: r.model,
          temperature: r.temperature,
          issues: r.issues.map((i) => {
            const agentMetrics = Object.create(null) as Record<string, { attempts: number; retries: number }>;
            for (const [name, m] of Object.entries(i.agents)) agentMetrics[name] = m;
            const totalAgentRetries = Object.values(agentMetrics).reduce((n, m) => n + m.retries, 0);
            return { ...i, agentMetrics, totalAgentRetries, pipelines: Array.from({ length: i.pipelines }, () => ({})) };
          }),
        })) as unknown as RunRecord[];
        expect(orchestratorAnswersFromParts(orchestratorParts(runs))).toEqual(orchestratorAnswersFromParts(allAtOnce(runs)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('RunRecordsBuilder (report orchestrator streams spans through it)', () => {
  // Few start times, so that many spans tie: the order of children then decides agent order,
  // default pipeline attempts and debugging order, and must not depend on arrival order.
  const at = fc.constantFrom(0, 0, 1_000, 2_000);
  const childArb = fc.record({
    kind: fc.constantFrom('agent' as const, 'pipeline' as const, 'debug' as const),
    task: fc.nat({ max: 3 }),
    startMs: at,
    status: fc.constantFrom('success' as const, 'failure' as const),
    agent: fc.constantFrom('coding', 'testing', 'review'),
    attempt: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    ended: fc.boolean(),
  });
  const storeArb = fc.record({
    tasks: fc.array(fc.record({ run: fc.nat({ max: 1 }), startMs: at, status: fc.constantFrom('success' as const, 'failure' as const) }), { minLength: 1, maxLength: 4 }),
    children: fc.array(childArb, { maxLength: 24 }),
    order: fc.array(fc.nat(), { maxLength: 40 }),
    // Ids as canonical UUIDs (kept packed by the builder) or as other texts, or a mix.
    uuids: fc.constantFrom('none', 'all', 'some'),
  });

  function spansOf(spec: typeof storeArb extends fc.Arbitrary<infer T> ? T : never): Span[] {
    const n = (s: string): number => [...s].reduce((h, c) => h * 31 + c.charCodeAt(0), 7) % 0xffffffff;
    const id = (s: string): string => (spec.uuids === 'all' || (spec.uuids === 'some' && s.length % 2 === 0) ? `${n(s).toString(16).padStart(8, '0')}-0000-4000-8000-${n(s + s).toString(16).padStart(12, '0')}` : s);
    const out: Span[] = [run(id('r0'), 'model-a', 0), run(id('r1'), 'model-b', 0.2)];
    spec.tasks.forEach((t, i) => out.push(span('task', { spanId: id(`t${i}`), runId: id(`r${t.run}`), parentId: id(`r${t.run}`), startMs: 1_700_000_000_000 + t.startMs, status: t.status, attrs: { 'task.key': String(i) } })));
    spec.children.forEach((c, i) => {
      const task = c.task % spec.tasks.length;
      const attrs: Span['attrs'] = { 'gen_ai.agent.name': c.agent };
      if (c.kind === 'pipeline' && c.attempt !== undefined) attrs['pipeline.attempt'] = c.attempt;
      if (c.kind === 'debug') attrs['debug.attempts'] = c.attempt ?? 1;
      out.push(span(c.kind, {
        spanId: id(`c${String(i).padStart(2, '0')}`), runId: id(`r${spec.tasks[task]?.run}`), parentId: id(`t${task}`), startMs: 1_700_000_000_000 + c.startMs, status: c.ended ? c.status : null, state: c.ended ? 'ended' : 'open', attrs,
      }));
    });
    return out;
  }

  it('gives the same records whatever order the spans arrive in, equal to the records of the spans in start order', () => {
    fc.assert(
      fc.property(storeArb, (spec) => {
        const spans = spansOf(spec);
        const sorted = [...spans].sort((a, b) => a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : 1));
        // Shuffled by the generated order (Fisher-Yates with the given numbers).
        const shuffled = [...spans];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (spec.order[i % Math.max(1, spec.order.length)] ?? 0) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as Span, shuffled[i] as Span];
        }
        const b = new RunRecordsBuilder();
        for (const s of shuffled) b.addSpan(s);
        const streamed = b.build();
        expect(streamed).toEqual(buildRunRecords(sorted));
        expect(answerOrchestratorQueries(streamed)).toEqual(answerOrchestratorQueries(buildRunRecords(sorted)));
        expect(streamed.flatMap((r) => r.issues).length).toBe(spec.tasks.length);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every span of a large store: ids packed or not, past the first block of every column', () => {
    // 40,000 agent spans under 1,500 tasks of 300 runs: more rows than a column's block
    // (16,384) and more ids than the id table's first size; one task in 7 has an id that is
    // not a UUID.
    const uuid = (kind: number, i: number): string => `0190${kind}a2b-${(i >>> 16).toString(16).padStart(4, '0')}-7${(i & 0xfff).toString(16).padStart(3, '0')}-8000-${i.toString(16).padStart(12, '0')}`;
    const taskId = (t: number): string => (t % 7 === 3 ? `task-${t}` : uuid(2, t));
    const b = new RunRecordsBuilder();
    const t0 = 1_700_000_000_000;
    // Runs last, children first: the builder takes spans in any order.
    for (let i = 0; i < 40_000; i++) {
      const t = (i * 7919) % 1_500;
      b.addSpan(span('agent', { spanId: uuid(3, i), runId: uuid(1, t % 300), parentId: taskId(t), startMs: t0 + i, status: i % 3 === 0 ? 'failure' : 'success', attrs: { 'gen_ai.agent.name': `agent ${i % 4}` } }));
    }
    for (let t = 0; t < 1_500; t++) b.addSpan(span('task', { spanId: taskId(t), runId: uuid(1, t % 300), parentId: uuid(1, t % 300), startMs: t0 - 1_500 + t, status: 'success', attrs: { 'task.key': String(t) } }));
    for (let r = 299; r >= 0; r--) b.addSpan(span('run', { spanId: uuid(1, r), runId: uuid(1, r), startMs: t0 - 10_000 + (r % 150), attrs: { 'run.key': `run ${r}` } }));
    const runs = b.build();
    expect(runs.map((r) => r.runId)).toEqual(Array.from({ length: 300 }, (_, i) => i).sort((x, y) => x % 150 - y % 150 || (uuid(1, x) < uuid(1, y) ? -1 : 1)).map((r) => `run ${r}`));
    expect(runs.map((r) => r.spanId)).toEqual(runs.map((r) => uuid(1, Number(r.runId.slice(4)))));
    const issues = runs.flatMap((r) => r.issues);
    expect(issues).toHaveLength(1_500);
    const agentsOf = new Array<number>(1_500).fill(0);
    for (let i = 0; i < 40_000; i++) agentsOf[(i * 7919) % 1_500] = (agentsOf[(i * 7919) % 1_500] as number) + 1;
    for (const i of issues) {
      const t = Number(i.iid);
      expect(i.spanId).toBe(taskId(t));
      expect(Object.values(i.agentMetrics).reduce((n, m) => n + m.attempts, 0)).toBe(agentsOf[t]);
    }
  });

  it('keeps every attribute of a run and of a task that their records read (RUN_KEYS, TASK_KEYS)', () => {
    const src = readFileSync(resolve(import.meta.dirname, '../../../src/analytics/seeds/orchestrator-runs.ts'), 'utf8');
    const read = (name: string): string[] => [...src.matchAll(new RegExp(`(?:Attr\\(${name}\\.attrs,\\s*|${name}\\.attrs\\[)'([^']+)'`, 'g'))].map((m) => m[1] as string);
    const task = read('task');
    const run = read('r');
    expect(task).toContain('issue_iid');
    expect(run).toContain('run.key');
    // `word()` reads `status.detail` of both.
    expect(src).toMatch(/word\(task, ISSUE_WORDS/);
    expect(src).toMatch(/word\(r, RUN_WORDS/);
    expect([...task, 'status.detail'].filter((k) => !TASK_KEYS.includes(k))).toEqual([]);
    expect([...run, 'status.detail'].filter((k) => !RUN_KEYS.includes(k))).toEqual([]);
  });
});


/** The parts of run records, each summed over all of them at once (the definition `orchestratorParts` streams). */
function allAtOnce(runs: RunRecord[]): OrchestratorParts {
  const issues = runs.flatMap((r) => r.issues);
  const config = (keyOf: (r: RunRecord) => string | null) =>
    runs.map((r) => [keyOf(r) ?? '(none)', { runs: 1, issues: r.issues.length, completed: r.issues.filter((i) => i.status === 'completed').length, failed: r.issues.filter((i) => i.status === 'failed').length }] as const);
  const cycles = issues.flatMap((i) => i.debugging);
  const resolved = cycles.filter((c) => c.resolved).flatMap((c) => (c.duration_seconds !== null ? [c.duration_seconds] : []));
  const sorted = [...resolved].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  const labelled = issues.some((i) => i.complexity !== null);
  const timed = issues.filter((i) => i.durationSeconds !== null);
  const key = (i: IssueRecord) => (labelled ? (i.complexity ?? '(none)') : i.totalAgentRetries >= 3 ? '3+' : String(i.totalAgentRetries));
  const xs = timed.map((i) => i.totalAgentRetries);
  const ys = timed.map((i) => i.durationSeconds as number);
  return {
    runs: runs.length,
    issues: issues.length,
    byModel: config((r) => r.model),
    byTemperature: config((r) => (r.temperature === null ? null : String(r.temperature))),
    agents: issues.flatMap((i) => Object.entries(i.agentMetrics).map(([a, x]) => [a, { attempts: x.attempts, retries: x.retries, issuesWithRetries: x.retries > 0 ? 1 : 0 }] as const)),
    firstPipeline: { issues: issues.filter((i) => i.firstPipelinePassed !== null).length, passed: issues.filter((i) => i.firstPipelinePassed === true).length, pipelines: issues.reduce((n, i) => n + i.pipelines.length, 0) },
    debugging: {
      cycles: cycles.length,
      resolved: cycles.filter((c) => c.resolved).length,
      attemptsSum: cycles.reduce((n, c) => n + c.attempts, 0),
      resolveSeconds: { count: sorted.length, sum: resolved.reduce((a, b) => a + b, 0), middle: sorted.length === 0 ? [] : sorted.length % 2 === 1 ? [sorted[m] as number] : [sorted[m - 1] as number, sorted[m] as number] },
    },
    complexity: {
      labelled,
      rows: issues.map((i) => [key(i), { issues: 1, retriesSum: i.totalAgentRetries, durationSum: i.durationSeconds ?? 0, durations: i.durationSeconds !== null ? 1 : 0, completed: i.status === 'completed' ? 1 : 0, failed: i.status === 'failed' ? 1 : 0 }] as const),
      spearman: spearmanParts(xs, ys),
    },
  };
}
