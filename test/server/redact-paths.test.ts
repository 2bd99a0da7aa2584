/**
 * The redaction corpus (test/model/secret-corpus.ts) pushed through every path that keeps
 * text: the SDK, `record`, `exec` and `hook` as the built CLI runs them, `POST /v1/events`,
 * OTLP attributes and exception events, and the importers. Per path and form, at least 98 %
 * of the secrets must be caught (no 12-character stretch of one survives in the store).
 * docs/privacy.md holds the figures this prints.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMeter } from '../../src/sdk/index.js';
import { createApp } from '../../src/server/index.js';
import { createLocalSink, scanEvents } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { FORMS, SECRETS, decode, encode, leaks } from '../model/secret-corpus.js';
import type { Form } from '../model/secret-corpus.js';

const BIN = join(resolve(import.meta.dirname, '../..'), 'dist/cli/bin.js');
const T0 = Date.parse('2025-01-08T12:00:00.000Z');

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error('dist/cli/bin.js is missing: run `npm run build` (npm test does)');
});

/** Every string stored in the store's events (attrs, names), one per line. */
async function storedText(dir: string): Promise<{ text: string; events: number }> {
  const parts: string[] = [];
  let events = 0;
  const walk = (v: unknown): void => {
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  await scanEvents({ root: dir, onEvent: (e) => {
    events++;
    walk(e);
  } });
  return { text: parts.join('\n'), events };
}

/**
 * Caught / total for one form, from the stored text; `kept`: texts whose words before the
 * secret are in the store (so a text dropped whole does not count as caught unseen).
 */
function score(stored: string, form: Form): { caught: number; total: number; missed: string[]; kept: number } {
  const missed = SECRETS.filter((s) => leaks(stored, s.secret, form)).map((s) => s.name);
  const views = `${stored}\n${decode(stored, form)}`;
  const kept = SECRETS.filter((s) => views.includes(s.line.slice(0, Math.max(4, s.line.indexOf(s.secret.slice(0, 8)))).slice(0, 12))).length;
  return { caught: SECRETS.length - missed.length, total: SECRETS.length, missed, kept };
}

/** Texts grouped so each group, joined by `sep`, stays under `max` characters. */
function groups(texts: readonly string[], max: number, sep: string): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let len = 0;
  for (const t of texts) {
    if (cur.length > 0 && len + sep.length + t.length > max) {
      out.push(cur);
      cur = [];
      len = 0;
    }
    cur.push(t);
    len += (cur.length > 1 ? sep.length : 0) + t.length;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

function run(args: string[], input?: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Run `jobs` at most `n` at a time. */
async function limited<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await (jobs[i] as () => Promise<T>)();
    }
  }));
  return out;
}

const figures: Record<string, Record<Form, string>> = {};

/** Check one path: `store(texts, dir)` keeps every text of the form in `dir`. */
function path(name: string, store: (texts: string[], dir: string, form: Form) => Promise<void>, minEvents: number): void {
  it(`${name}: at least 98 % of the corpus caught in every form`, { timeout: 180_000 }, async () => {
    figures[name] = {} as Record<Form, string>;
    for (const form of FORMS) {
      const dir = tempDir();
      const texts = SECRETS.map((s) => encode(s.line, form));
      await store(texts, dir, form);
      const { text, events } = await storedText(dir);
      expect(events, `${name} ${form}: events stored`).toBeGreaterThanOrEqual(minEvents);
      const r = score(text, form);
      (figures[name] as Record<Form, string>)[form] = `${r.caught}/${r.total}`;
      expect(r.caught / r.total, `${name} ${form} missed: ${r.missed.join(', ')}`).toBeGreaterThanOrEqual(0.98);
      expect(r.kept / r.total, `${name} ${form}: texts seen in the store`).toBeGreaterThanOrEqual(0.9);
    }
  });
}

describe('redaction on every path that keeps text', () => {
  path('SDK (error, feedback notes, attrs)', async (texts, dir) => {
    const meter = createMeter({ dir, env: 'test', durability: 'flush', onDiagnostic: () => undefined });
    const run = meter.startRun({ project: 'corpus' });
    for (const t of texts) {
      const agent = run.startAgent({ name: 'coding' });
      agent.end({ status: 'failure', error: t });
      meter.feedback(agent, { success: false, notes: t });
    }
    run.end({ status: 'failed' });
    await meter.close();
  }, SECRETS.length * 3);

  path('record (success-metric feedback_notes)', async (texts, dir) => {
    const lines = texts.map((t, i) => JSON.stringify({ invocation_id: `inv-${i}`, success: false, quality_rating: 2, feedback_notes: t })).join('\n');
    const r = await run(['record', 'success-metric', '--stdin', '--dir', dir, '--env', 'test'], lines);
    expect(r.code, r.stderr).toBe(0);
  }, SECRETS.length);

  path('exec (command arguments)', async (texts, dir) => {
    // Arguments are kept up to 500 characters: texts go in groups that fit.
    const jobs = groups(texts, 480, ' ').map((g) => () => run(['exec', '--agent', 'corpus', '--dir', dir, '--env', 'test', '--', process.execPath, '-e', '0', '--', ...g]));
    for (const r of await limited(jobs, 3)) expect(r.code, r.stderr).toBe(0);
  }, 1);

  // The hook keeps 500 characters of an error: texts go in groups that fit.
  path('hook (PostToolUseFailure error)', async (texts, dir) => {
    const jobs = groups(texts, 480, '\n').map((g, i) => () =>
      run(['hook', '--dir', dir, '--env', 'test'], JSON.stringify({
        session_id: 'corpus-session', transcript_path: '/tmp/t.jsonl', cwd: '/tmp', hook_event_name: 'PostToolUseFailure',
        tool_name: 'Task', tool_use_id: `toolu_${i}`, tool_input: { subagent_type: 'corpus' }, error: g.join('\n'),
      })),
    );
    for (const r of await limited(jobs, 3)) expect(r.code, r.stderr).toBe(0);
  }, 1);

  path('POST /v1/events (error.message, feedback.notes, custom attrs)', async (texts, dir) => {
    const sink = createLocalSink({ root: dir, durability: 'flush' });
    const app = createApp({ sink });
    const events = texts.map((t, i) => {
      const id = `01934a2b-0000-7000-8000-${String(i + 1).padStart(12, '0')}`;
      return {
        v: 1, id, ts: new Date(T0 + i).toISOString(), type: 'span', span_id: id, run_id: id, env: 'test', kind: 'agent', name: 'coding',
        parent_id: null, start_ts: new Date(T0 + i - 10).toISOString(), duration_ms: 10, status: 'failure',
        attrs: { 'gen_ai.agent.name': 'coding', 'error.message': t, 'app.detail': t, 'app.lines': [t], 'app.nested': { note: t } },
      };
    });
    const res = await app.fetch(new Request('http://127.0.0.1/v1/events', { method: 'POST', body: JSON.stringify(events) }));
    expect(res.status).toBe(200);
    await sink.shutdown();
  }, SECRETS.length);

  const otlp = async (texts: string[], dir: string, span: (t: string, i: number) => object): Promise<void> => {
    const sink = createLocalSink({ root: dir, durability: 'flush' });
    const app = createApp({ sink });
    const spans = texts.map(span);
    const res = await app.fetch(new Request('http://127.0.0.1/v1/traces', { method: 'POST', body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }), headers: { 'content-type': 'application/json' } }));
    // Nothing rejected (long free text may be left out as content, and named as such).
    expect(((await res.json()) as { partialSuccess?: { rejectedSpans?: string } }).partialSuccess?.rejectedSpans ?? '0').toBe('0');
    await sink.shutdown();
  };
  const otlpSpan = (i: number, extra: object): object => ({
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: (0x1000000000000000n + BigInt(i)).toString(16), name: 'invoke_agent coder',
    startTimeUnixNano: String(BigInt(T0 + i) * 1_000_000n), endTimeUnixNano: String(BigInt(T0 + i + 5) * 1_000_000n), ...extra,
  });

  path('OTLP attributes and status message', (texts, dir) =>
    otlp(texts, dir, (t, i) => otlpSpan(i, {
      attributes: [
        { key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } },
        { key: 'app.detail', value: { stringValue: t } },
        { key: 'app.lines', value: { arrayValue: { values: [{ stringValue: t }] } } },
      ],
      status: { code: 2, message: t },
    })), SECRETS.length);

  path('OTLP exception events', (texts, dir) =>
    otlp(texts, dir, (t, i) => otlpSpan(i, {
      attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } }],
      status: { code: 2 },
      events: [{ name: 'exception', timeUnixNano: String(BigInt(T0 + i) * 1_000_000n), attributes: [{ key: 'exception.type', value: { stringValue: 'RuntimeError' } }, { key: 'exception.message', value: { stringValue: t } }] }],
    })), SECRETS.length);

  path('import oak (error_message, feedback_notes, task_description)', async (texts, dir) => {
    const src = tempDir();
    const inv = texts.map((t, i) => JSON.stringify({
      timestamp: new Date(T0 + i * 1000).toISOString(), session_id: 's1', invocation_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      agent_name: 'coder', agent_type: 'development', task_description: t, duration_seconds: 3, outcome: { status: 'failure', error_message: t },
    }));
    const metrics = texts.map((t, i) => JSON.stringify({ timestamp: new Date(T0 + i * 1000 + 500).toISOString(), invocation_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, success: false, quality_rating: 2, feedback_source: 'human', feedback_notes: t }));
    writeFileSync(join(src, 'agent_invocations.jsonl'), inv.join('\n') + '\n');
    writeFileSync(join(src, 'success_metrics.jsonl'), metrics.join('\n') + '\n');
    const r = await run(['import', 'oak', src, '--dir', dir, '--env', 'test']);
    expect(r.code, r.stderr).toBe(0);
  }, SECRETS.length * 2);

  path('import orchestrator-runs (errors, debugging details)', async (texts, dir) => {
    const src = tempDir();
    const runId = 'run_20250108_120000_project_168';
    mkdirSync(join(src, runId, 'issues'), { recursive: true });
    const start = '2025-01-08T12:00:00';
    writeFileSync(join(src, `${runId}_final.json`), JSON.stringify({ run_id: runId, project_id: 168, start_time: start, end_time: '2025-01-08T12:30:00', status: 'failed', llm_configuration: { provider: 'deepseek', model: 'deepseek-chat', temperature: 0 }, issues_processed: [1] }));
    writeFileSync(join(src, runId, 'issues', 'issue_1_report.json'), JSON.stringify({
      issue_iid: 1, status: 'failed', start_time: start, end_time: '2025-01-08T12:20:00', duration_seconds: 1200,
      errors: texts.map((t) => ({ type: 'agent_error', message: t, agent: 'coding', timestamp: start })),
      debugging_details: texts.map((t, i) => ({ agent: 'testing', error_type: 'test_failure', error_message: t, start_time: start, end_time: '2025-01-08T12:01:00', attempts: 1, resolved: false, duration_seconds: 60 + i })),
    }));
    const r = await run(['import', 'orchestrator-runs', src, '--dir', dir, '--env', 'test']);
    expect(r.code, r.stderr).toBe(0);
  }, 3);

  it('prints the figures (docs/privacy.md)', () => {
    console.log(['| path | plain | JSON-escaped | URL-encoded | form-encoded |', '| --- | --- | --- | --- | --- |', ...Object.entries(figures).map(([p, f]) => `| ${p} | ${f.plain} | ${f.json} | ${f.url} | ${f.form} |`)].join('\n'));
  });
});
