/**
 * `agentmeter import orchestrator-runs logs/runs`: the orchestrator seed's layout into events.
 *
 * Reads both places a run's files have been seen (docs/orchestrator.md: the code's layout and its README's):
 * `<root>/<run_id>_metadata.json` / `_final.json` beside the run folder, or inside it; and
 * `<root>/<run_id>/issues/issue_<iid>_metrics.json` / `_report.json`, the report preferred.
 * The issue key may be `issue_iid` (the code) or `issue_id` (the README). A run without a
 * final file (it crashed) stays open, as do its issues without a report; timestamps without
 * a zone (the seed writes naive local time) are read as UTC. Span and event ids derive from
 * the run id and issue, so importing again adds nothing.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BaseAttributes, JsonValue, SpanStatus } from '../../model/events.js';
import { normalizeStatus, pipelineResult } from '../../model/status.js';
import { parseTimestamp } from '../../model/time.js';
import { cleanJson } from '../../model/clean-json.js';
import { EventWriter, sourceEnv } from '../event-writer.js';
import type { EventWriterOptions } from '../event-writer.js';
import { addSkip, asObject, emptyImportResult, readJsonDocument } from '../source-files.js';
import type { ImportResult } from '../source-files.js';

/** `import.source` of these spans. */
export const ORCHESTRATOR_SOURCE = 'orchestrator-runs';

/** Options of `importOrchestratorRuns`. */
export interface ImportRunsOptions extends Omit<EventWriterOptions, 'source'> {
  from: string;
}

const RUN_FILE = /^(run_.+?)_(metadata|final)\.json$/;
const ISSUE_FILE = /^issue_(.+)_(metrics|report)\.json$/;
const RUN_ID = /^run_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})_project_([^_]+)/;

/** A span id from a source key: short, stable, and never a collision with SDK UUIDs. */
function stableId(key: string): string {
  return `orch_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

interface RunFiles {
  metadata?: string;
  final?: string;
  issues: Map<string, { metrics?: string; report?: string }>;
}

async function list(dir: string): Promise<{ name: string; dir: boolean }[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).map((d) => ({ name: d.name, dir: d.isDirectory() }));
  } catch {
    return [];
  }
}

async function discover(root: string): Promise<Map<string, RunFiles>> {
  const runs = new Map<string, RunFiles>();
  const get = (id: string): RunFiles => {
    let r = runs.get(id);
    if (!r) runs.set(id, (r = { issues: new Map() }));
    return r;
  };
  const noteRunFile = (dir: string, name: string): void => {
    const m = RUN_FILE.exec(name);
    if (!m) return;
    const r = get(m[1] as string);
    if (m[2] === 'metadata') r.metadata = join(dir, name);
    else r.final = join(dir, name);
  };
  for (const e of await list(root)) {
    if (!e.dir) {
      noteRunFile(root, e.name);
      continue;
    }
    if (!e.name.startsWith('run_')) continue;
    const runDir = join(root, e.name);
    const r = get(e.name);
    for (const f of await list(runDir)) if (!f.dir) noteRunFile(runDir, f.name);
    const issuesDir = join(runDir, 'issues');
    for (const f of await list(issuesDir)) {
      const m = ISSUE_FILE.exec(f.name);
      if (f.dir || !m) continue;
      const slot = r.issues.get(m[1] as string) ?? {};
      if (m[2] === 'metrics') slot.metrics = join(issuesDir, f.name);
      else slot.report = join(issuesDir, f.name);
      r.issues.set(m[1] as string, slot);
    }
  }
  return runs;
}

/** Unix ms of the time in a seed run id (`run_20241203_143022_project_168`), read as UTC. */
function runIdTime(runId: string): number | undefined {
  const m = RUN_ID.exec(runId);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/**
 * Read an orchestrator `logs/runs` folder into the store.
 *
 * @example
 * const r = await importOrchestratorRuns({ from: 'logs/runs', dir: '.agentmeter', env: 'prod' });
 */
export async function importOrchestratorRuns(o: ImportRunsOptions): Promise<ImportResult> {
  const result = emptyImportResult();
  const runs = await discover(o.from);
  const w = new EventWriter({ ...o, source: ORCHESTRATOR_SOURCE });
  const load = async (file: string | undefined): Promise<Record<string, unknown> | undefined> => {
    if (file === undefined) return undefined;
    const d = await readJsonDocument(file);
    if (d === undefined) return undefined;
    result.files++;
    if (!d.ok) {
      addSkip(result, { file, line: 0, reason: d.reason });
      return undefined;
    }
    result.records++;
    return d.value;
  };
  for (const [runId, files] of [...runs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const metadata = await load(files.metadata);
    const final = await load(files.final);
    const meta = { ...(metadata ?? {}), ...(final ?? {}) };
    const issueDocs: { key: string; doc: Record<string, unknown>; final: boolean }[] = [];
    for (const [key, f] of files.issues) {
      const report = await load(f.report);
      const doc = report ?? (await load(f.metrics));
      if (doc) issueDocs.push({ key, doc, final: report !== undefined });
    }
    if (!metadata && !final && issueDocs.length === 0) continue;
    const issueStarts = issueDocs.map((i) => parseTimestamp(i.doc['start_time'])).filter((x): x is number => x !== undefined);
    const startMs = parseTimestamp(meta['start_time']) ?? runIdTime(runId) ?? (issueStarts.length > 0 ? Math.min(...issueStarts) : undefined);
    if (startMs === undefined) {
      addSkip(result, { file: files.metadata ?? files.final ?? join(o.from, runId), line: 0, reason: 'no usable start_time' });
      continue;
    }
    const runSpan = stableId(`run:${runId}`);
    const env = sourceEnv(meta['env']);
    writeRun(w, runId, runSpan, startMs, meta, final !== undefined, env);
    result.spans++;
    const llm = llmAttrs(meta);
    for (const i of issueDocs.sort((a, b) => (a.key < b.key ? -1 : 1))) result.spans += writeIssue(w, runId, runSpan, startMs, i.key, i.doc, i.final, env, llm);
  }
  w.close();
  result.dropped = w.stats.dropped;
  return result;
}

/** The run's LLM configuration as attributes; every span of the run carries them, as the SDK's spans inherit them. */
function llmAttrs(meta: Record<string, unknown>): BaseAttributes {
  const llm = asObject(meta['llm_configuration']) ?? {};
  const attrs: BaseAttributes = {};
  const provider = str(llm['provider']);
  const model = str(llm['model']);
  const temperature = num(llm['temperature']);
  if (provider) attrs['gen_ai.provider.name'] = provider;
  if (model) attrs['gen_ai.request.model'] = model;
  if (temperature !== undefined) attrs['gen_ai.request.temperature'] = temperature;
  return attrs;
}

function writeRun(w: EventWriter, runId: string, spanId: string, startMs: number, meta: Record<string, unknown>, ended: boolean, env: string | undefined): void {
  const attrs: BaseAttributes = {
    project: str(meta['project_id']) ?? (typeof meta['project_id'] === 'number' ? String(meta['project_id']) : RUN_ID.exec(runId)?.[7] ?? '(none)'),
    'run.key': runId,
    ...llmAttrs(meta),
  };
  const mode = str(meta['execution_mode']) ?? str(meta['mode']);
  if (mode) attrs['mode'] = mode;
  attrs['specific_issue'] = cleanJson(meta['specific_issue'] ?? null, w.redact) ?? null;
  // The host's own counts (`record_success` / `record_error`), which need not equal the issues' outcomes.
  const successes = num(meta['total_successes']);
  if (successes !== undefined) attrs['run.total_successes'] = successes;
  const errors = num(meta['total_errors']);
  if (errors !== undefined) attrs['run.total_errors'] = errors;
  const base = { spanId, runId: spanId, kind: 'run' as const, name: `run ${runId}`, parentId: null, startMs, env };
  const word = str(meta['status']);
  if (!ended || word === 'running') {
    w.start({ ...base, attrs, idKey: `orch:${runId}:start` });
    return;
  }
  const status = normalizeStatus(word);
  if (word !== undefined && word !== status) attrs['status.detail'] = word;
  const end = endOf(startMs, meta);
  w.complete({ ...base, attrs, endMs: end.endMs, durationMs: end.durationMs, status, idKey: `orch:${runId}:span` });
}

function endOf(startMs: number, doc: Record<string, unknown>): { endMs: number; durationMs: number | null } {
  const seconds = num(doc['duration_seconds']);
  const endMs = parseTimestamp(doc['end_time']);
  const durationMs = seconds !== undefined && seconds >= 0 ? seconds * 1000 : endMs !== undefined ? Math.max(0, endMs - startMs) : null;
  return { endMs: endMs ?? startMs + (durationMs ?? 0), durationMs };
}

function writeIssue(
  w: EventWriter, runId: string, runSpan: string, runStart: number, fileKey: string, doc: Record<string, unknown>, final: boolean, env: string | undefined,
  llm: BaseAttributes,
): number {
  const rawIid = doc['issue_iid'] ?? doc['issue_id'] ?? fileKey;
  const key = typeof rawIid === 'number' && Number.isFinite(rawIid) ? String(rawIid) : (str(rawIid) ?? fileKey);
  const spanId = stableId(`issue:${runId}:${key}`);
  const startMs = parseTimestamp(doc['start_time']) ?? runStart;
  const attrs: BaseAttributes = { ...llm, 'task.key': key };
  if (/^\d+$/.test(key)) attrs['issue_iid'] = Number(key);
  const complexity = str(doc['complexity']);
  if (complexity) attrs['complexity'] = complexity;
  const errors = Array.isArray(doc['errors']) ? cleanJson(doc['errors'], w.redact) : undefined;
  if (errors !== undefined) attrs['errors'] = errors;
  // The live metrics file keeps counts where the report keeps lists.
  const errorCount = num(doc['errors']);
  if (errorCount !== undefined) attrs['errors.count'] = errorCount;
  const agents = asObject(doc['agent_metrics']) ?? {};
  const retries: { [k: string]: JsonValue } = {};
  for (const [name, m] of Object.entries(agents)) {
    const r = num(asObject(m)?.['retries']);
    if (r !== undefined && name !== '__proto__') retries[name] = r;
  }
  attrs['agent.retries'] = retries;
  const word = str(doc['status']);
  const status = normalizeStatus(word);
  const ended = (final || parseTimestamp(doc['end_time']) !== undefined) && status !== 'unknown';
  const base = { spanId, runId: runSpan, kind: 'task' as const, name: `task ${key}`, parentId: runSpan, startMs, env };
  if (ended) {
    if (word !== undefined && word !== status) attrs['status.detail'] = word;
    const end = endOf(startMs, doc);
    w.complete({ ...base, attrs, endMs: end.endMs, durationMs: end.durationMs, status, idKey: `orch:${runId}:${key}:span` });
  } else w.start({ ...base, attrs, idKey: `orch:${runId}:${key}:start` });
  const child = { runId: runSpan, parentId: spanId, env };
  const prefix = `orch:${runId}:${key}`;
  let spans = 1;
  // agent_metrics keeps counts only: one span per attempt, failures first, time split evenly over the ended ones.
  let at = startMs;
  for (const [name, raw] of Object.entries(agents)) {
    const m = asObject(raw);
    if (!m || name === '__proto__') continue;
    const successes = Math.max(0, Math.floor(num(m['successes']) ?? 0));
    const failures = Math.max(0, Math.floor(num(m['failures']) ?? 0));
    const attempts = Math.max(successes + failures, Math.floor(num(m['attempts']) ?? 0));
    // The seed adds time only when an attempt ends: attempts never ended took none of it.
    const endedAttempts = successes + failures;
    const share = endedAttempts > 0 ? ((num(m['duration']) ?? 0) * 1000) / endedAttempts : 0;
    for (let k = 0; k < attempts; k++) {
      const s: SpanStatus | undefined = k < failures ? 'failure' : k < failures + successes ? 'success' : ended ? 'unknown' : undefined;
      const each = k < endedAttempts ? share : 0;
      const a: BaseAttributes = { ...llm, 'gen_ai.agent.name': name, 'agent.attempt': k + 1 };
      const f = { ...child, spanId: stableId(`${prefix}:agent:${name}:${k}`), kind: 'agent' as const, name, startMs: at, attrs: a, idKey: `${prefix}:agent:${name}:${k}` };
      if (s === undefined) w.start(f);
      else w.complete({ ...f, endMs: at + each, durationMs: each, status: s });
      at += each;
      spans++;
    }
  }
  const details = Array.isArray(doc['pipeline_details']) ? doc['pipeline_details'] : [];
  details.forEach((raw, k) => {
    const p = asObject(raw);
    if (!p) return;
    const id = str(p['pipeline_id']) ?? (num(p['pipeline_id']) !== undefined ? String(p['pipeline_id']) : `#${k + 1}`);
    const pword = str(p['status']);
    const ps = normalizeStatus(pword);
    const ts = parseTimestamp(p['timestamp']) ?? startMs;
    const a: BaseAttributes = { ...llm, 'cicd.pipeline.run.id': id, 'cicd.pipeline.result': pipelineResult(ps), 'pipeline.attempt': k + 1 };
    if (pword !== undefined && pword !== ps) a['status.detail'] = pword;
    const sha = str(p['commit_sha']);
    if (sha) a['vcs.ref.head.revision'] = sha;
    w.complete({ ...child, spanId: stableId(`${prefix}:pipeline:${k}`), kind: 'pipeline', name: `pipeline ${id}`, startMs: ts, endMs: ts, durationMs: null, status: ps, attrs: a, idKey: `${prefix}:pipeline:${k}` });
    spans++;
  });
  const cycles = Array.isArray(doc['debugging_details']) ? doc['debugging_details'] : [];
  cycles.forEach((raw, k) => {
    const d = asObject(raw);
    if (!d) return;
    const dStart = parseTimestamp(d['start_time']) ?? startMs;
    const a: BaseAttributes = { ...llm, 'error.type': str(d['error_type']) ?? 'unknown', 'debug.attempts': Math.max(0, Math.floor(num(d['attempts']) ?? 0)) };
    const agent = str(d['agent']);
    if (agent) a['gen_ai.agent.name'] = agent;
    const msg = str(d['error_message']);
    if (msg) a['error.message'] = w.redact(msg);
    const resolved = d['resolved'] === true;
    const f = { ...child, spanId: stableId(`${prefix}:debug:${k}`), kind: 'debug' as const, name: `debug ${a['error.type'] as string}`, startMs: dStart, idKey: `${prefix}:debug:${k}` };
    const finished = resolved || parseTimestamp(d['end_time']) !== undefined || num(d['duration_seconds']) !== undefined || ended;
    if (!finished) w.start({ ...f, attrs: a });
    else {
      a['debug.resolved'] = resolved;
      const end = endOf(dStart, d);
      w.complete({ ...f, attrs: a, endMs: end.endMs, durationMs: end.durationMs, status: resolved ? 'success' : 'failure' });
    }
    spans++;
  });
  // A live metrics file (the issue never got its report) counts pipelines and ended cycles
  // without listing them: one span per counted attempt keeps the counts.
  const pipelineCount = Math.floor(num(doc['pipeline_attempts']) ?? 0);
  if (details.length === 0 && pipelineCount > 0) {
    const passed = Math.floor(num(doc['succeeded_pipelines']) ?? 0);
    const failed = Math.floor(num(doc['failed_pipelines']) ?? 0);
    for (let k = 0; k < pipelineCount; k++) {
      const ps: SpanStatus = k < passed ? 'success' : k < passed + failed ? 'failure' : 'unknown';
      const a: BaseAttributes = { ...llm, 'cicd.pipeline.run.id': `#${k + 1}`, 'cicd.pipeline.result': pipelineResult(ps), 'pipeline.attempt': k + 1, 'pipeline.counted_only': true };
      w.complete({ ...child, spanId: stableId(`${prefix}:pipeline:${k}`), kind: 'pipeline', name: `pipeline #${k + 1}`, startMs, endMs: startMs, durationMs: null, status: ps, attrs: a, idKey: `${prefix}:pipeline:${k}` });
      spans++;
    }
  }
  const cycleCount = Math.floor(num(doc['debugging_cycles']) ?? 0);
  if (cycles.length === 0 && cycleCount > 0) {
    for (let k = 0; k < cycleCount; k++) {
      const a: BaseAttributes = { ...llm, 'error.type': 'unknown', 'debug.attempts': 0, 'debug.counted_only': true };
      w.complete({ ...child, spanId: stableId(`${prefix}:debug:${k}`), kind: 'debug', name: 'debug unknown', startMs, endMs: startMs, durationMs: null, status: 'unknown', attrs: a, idKey: `${prefix}:debug:${k}` });
      spans++;
    }
  }
  return spans;
}
