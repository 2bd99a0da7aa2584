/**
 * The orchestrator seed's run and issue records (docs/orchestrator.md), rebuilt from spans: one
 * `RunRecord` per run span with an `IssueRecord` per task, holding exactly what its
 * `issue_<iid>_report.json` says (agent metrics, pipeline and debugging details, errors).
 * Pure: the exporter serialises these and the seed's example queries are answered from them.
 */
import type { JsonValue } from '../../model/events.js';
import type { Span, SpanSummary } from '../../model/span.js';
import { intern } from '../../model/columns.js';
import { packUuid, unpackUuid } from '../../model/packed-uuid.js';
import { keyAttr, numberAttr } from '../attrs.js';
import { retriesOf } from '../outcome-accumulators.js';

/** `agent_metrics[<agent>]`. */
export interface AgentMetrics {
  attempts: number;
  successes: number;
  failures: number;
  /**
   * Fix attempts of the agent's debugging cycles in the issue, as the seed counts them (its
   * `record_debug_attempt` adds one retry to the cycle's agent). A repeated start of the agent
   * is one more attempt, not a retry.
   */
  retries: number;
  /** Seconds, summed over attempts. */
  duration: number;
}

/** One entry of `pipeline_details`. */
export interface PipelineDetail {
  pipeline_id: string;
  status: string;
  commit_sha: string | null;
  timestamp: string;
}

/** One entry of `debugging_details`. */
export interface DebugDetail {
  agent: string | null;
  error_type: string | null;
  error_message: string | null;
  start_time: string;
  end_time: string | null;
  attempts: number;
  resolved: boolean;
  duration_seconds: number | null;
}

/** One entry of `errors`. */
export interface ErrorDetail {
  type: string | null;
  message: string | null;
  agent: string | null;
  timestamp: string | null;
}

/** An issue as its report file describes it. */
export interface IssueRecord {
  spanId: string;
  /** The issue number (or key when it is not a number). */
  iid: number | string;
  /** completed, failed, skipped (the seed's words); `running` while unfinished. */
  status: string;
  ended: boolean;
  startMs: number;
  endMs: number | null;
  durationSeconds: number | null;
  agentMetrics: Record<string, AgentMetrics>;
  totalAgentRetries: number;
  pipelines: PipelineDetail[];
  firstPipelinePassed: boolean | null;
  debugging: DebugDetail[];
  errors: ErrorDetail[];
  /**
   * `total_errors`: the errors listed, or the count a live metrics file gave when larger (it
   * keeps no list); for an issue still running, at least one per started debugging cycle.
   */
  totalErrors: number;
  /** The task's `complexity` attribute, when the host set one. */
  complexity: string | null;
}

/** A run as its metadata and final files describe it. */
export interface RunRecord {
  spanId: string;
  /** The seed's run id, `run_%Y%m%d_%H%M%S_project_<id>[_<suffix>]`. */
  runId: string;
  projectId: string | null;
  provider: string | null;
  model: string | null;
  temperature: number | null;
  mode: string | null;
  specificIssue: JsonValue;
  /** completed, failed, stopped; `running` while unfinished. */
  status: string;
  ended: boolean;
  startMs: number;
  endMs: number | null;
  durationSeconds: number | null;
  issues: IssueRecord[];
  /** `total_successes` / `total_errors` as the host counted them (`record_success` / `record_error`), when it did. */
  givenSuccesses: number | null;
  givenErrors: number | null;
}

const ISSUE_WORDS: Record<string, string> = { success: 'completed', failure: 'failed', skipped: 'skipped', cancelled: 'skipped', partial: 'failed', unknown: 'failed' };
const RUN_WORDS: Record<string, string> = { success: 'completed', failure: 'failed', cancelled: 'stopped', skipped: 'stopped', partial: 'failed', unknown: 'failed' };
const PIPELINE_WORDS: Record<string, string> = { success: 'success', failure: 'failed', cancelled: 'canceled', skipped: 'skipped', partial: 'failed', unknown: 'unknown' };

function word(s: Pick<RecordSpan, 'state' | 'status' | 'attrs'>, table: Record<string, string>, allowed: readonly string[]): string {
  if (s.state !== 'ended' || s.status === null) return 'running';
  const detail = keyAttr(s.attrs, 'status.detail');
  if (detail !== undefined && allowed.includes(detail)) return detail;
  return table[s.status] ?? 'failed';
}

/** UTC `run_%Y%m%d_%H%M%S_project_<id>` of a start time. */
export function seedRunId(startMs: number, projectId: string): string {
  const iso = new Date(startMs).toISOString();
  return `run_${iso.slice(0, 10).replace(/-/g, '')}_${iso.slice(11, 19).replace(/:/g, '')}_project_${projectId}`;
}

/**
 * What a record reads of a span: its summary with its ids, name and end, as a whole `Span`
 * has them and as the span cache hands over a span of `DETAIL_KINDS` read with detail.
 */
export type RecordSpan = SpanSummary & Pick<Span, 'spanId' | 'parentId' | 'runId' | 'name' | 'endMs'>;

function iso(ms: number | null): string | null {
  return ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

function str(v: JsonValue | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

function seconds(s: Pick<RecordSpan, 'state' | 'durationMs'>): number | null {
  return s.state === 'ended' && s.durationMs !== null && Number.isFinite(s.durationMs) ? s.durationMs / 1000 : null;
}

function errorList(v: JsonValue | undefined): ErrorDetail[] {
  if (!Array.isArray(v)) return [];
  const out: ErrorDetail[] = [];
  for (const e of v) {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) continue;
    out.push({ type: str(e['type']), message: str(e['message']), agent: str(e['agent']), timestamp: str(e['timestamp']) });
  }
  return out;
}

/**
 * What an issue's record needs of one agent, pipeline or debug span under its task, taken
 * when the span is read so that the span itself need not be kept.
 */
type Child = { startMs: number; spanId: string } & (
  | { kind: 'agent'; name: string; success: boolean; failure: boolean; seconds: number | null }
  // What a pipeline's detail is made of when its issue's record is made (its timestamp's text then).
  | { kind: 'pipeline'; attempt: number | undefined; passed: boolean; ended: boolean; pipelineId: string; status: string; commitSha: string | null; atMs: number }
  // The cycle's detail but its times, whose texts are made with its record.
  | { kind: 'debug'; agent: string | null; retries: number; detail: Omit<DebugDetail, 'start_time' | 'end_time'>; endMs: number | null }
);

// Built as one object literal (no spread). Agent and pipeline spans, most of a store's, are
// kept in columns instead (`AgentRows`, `PipelineRows`).
function debugChild(c: RecordSpan): Child {
  const agent = str(c.attrs['gen_ai.agent.name']);
  return {
    startMs: c.startMs,
    spanId: c.spanId,
    kind: 'debug',
    agent,
    retries: agent !== null ? retriesOf(c) : 0,
    endMs: c.endMs,
    detail: {
      agent,
      error_type: str(c.attrs['error.type']),
      error_message: str(c.attrs['error.message']),
      attempts: numberAttr(c.attrs, 'debug.attempts') ?? c.pointEvents,
      resolved: c.attrs['debug.resolved'] === true || (c.state === 'ended' && c.status === 'success'),
      duration_seconds: seconds(c),
    },
  };
}

/** What a builder keeps of a run or a task: the fields its record reads. */
type Kept = Pick<RecordSpan, 'spanId' | 'name' | 'startMs' | 'endMs' | 'durationMs' | 'status' | 'state' | 'attrs'>;

/** The attributes of a task and of a run that their records read (a test holds them to the code). */
export const TASK_KEYS = ['agent.retries', 'agent.names', 'issue_iid', 'errors', 'errors.count', 'task.key', 'complexity', 'status.detail'];
export const RUN_KEYS = ['project', 'gen_ai.provider.name', 'gen_ai.request.model', 'gen_ai.request.temperature', 'mode', 'specific_issue', 'run.key', 'run.total_successes', 'run.total_errors', 'status.detail'];

// Start time, then span id: the order every reader hands spans over in (collectStore's).
const byStart = (a: { startMs: number; spanId: string }, b: { startMs: number; spanId: string }): number => a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);

function issueRecord(task: Kept, children: Child[]): IssueRecord {
  // Agent names are the writer's words: `__proto__` must be an agent, not the prototype.
  const agentMetrics = Object.create(null) as Record<string, AgentMetrics>;
  const metric = (name: string): AgentMetrics => (agentMetrics[name] ??= { attempts: 0, successes: 0, failures: 0, retries: 0, duration: 0 });
  const pipelines: { attempt: number; detail: PipelineDetail; passed: boolean; ended: boolean }[] = [];
  const debugging: DebugDetail[] = [];
  // Every agent the seed's tracker starts with (`agent.names`) or its file had, in that order, unused ones included.
  const given = task.attrs['agent.retries'];
  const givenRetries = given !== null && typeof given === 'object' && !Array.isArray(given) ? given : undefined;
  const names = task.attrs['agent.names'];
  if (Array.isArray(names)) for (const name of names) if (typeof name === 'string') metric(name);
  if (givenRetries) for (const name of Object.keys(givenRetries)) metric(name);
  for (const c of children) {
    if (c.kind === 'agent') {
      const m = metric(c.name);
      m.attempts++;
      if (c.success) m.successes++;
      else if (c.failure) m.failures++;
      m.duration = Math.round((m.duration + (c.seconds ?? 0)) * 1000) / 1000;
    } else if (c.kind === 'pipeline') {
      const detail = { pipeline_id: c.pipelineId, status: c.status, commit_sha: c.commitSha, timestamp: new Date(c.atMs).toISOString() };
      pipelines.push({ attempt: c.attempt ?? pipelines.length + 1, passed: c.passed, ended: c.ended, detail });
    } else {
      if (c.agent !== null) metric(c.agent).retries += c.retries;
      const d = c.detail;
      debugging.push({
        agent: d.agent, error_type: d.error_type, error_message: d.error_message, start_time: new Date(c.startMs).toISOString(), end_time: iso(c.endMs),
        attempts: d.attempts, resolved: d.resolved, duration_seconds: d.duration_seconds,
      });
    }
  }
  // Imported history carries the file's own retry counts, which need not match this formula.
  if (givenRetries) {
    for (const [name, n] of Object.entries(givenRetries)) if (typeof n === 'number' && Number.isFinite(n)) metric(name).retries = n;
  }
  pipelines.sort((a, b) => a.attempt - b.attempt);
  const first = pipelines.find((p) => p.ended);
  const iidAttr = numberAttr(task.attrs, 'issue_iid');
  const errors = errorList(task.attrs['errors']);
  const key = keyAttr(task.attrs, 'task.key') ?? task.name;
  return {
    spanId: task.spanId,
    iid: iidAttr ?? (/^\d+$/.test(key) ? Number(key) : key),
    status: word(task, ISSUE_WORDS, ['completed', 'failed', 'skipped']),
    ended: task.state === 'ended',
    startMs: task.startMs,
    endMs: task.endMs,
    durationSeconds: seconds(task),
    agentMetrics,
    totalAgentRetries: Object.values(agentMetrics).reduce((n, m) => n + m.retries, 0),
    pipelines: pipelines.map((p) => p.detail),
    firstPipelinePassed: first && first.attempt === 1 ? first.passed : null,
    debugging: debugging.sort((a, b) => (a.start_time < b.start_time ? -1 : 1)),
    errors,
    // An unfinished issue has no error list yet: each started cycle is one error, as the seed counts them.
    totalErrors: Math.max(errors.length, numberAttr(task.attrs, 'errors.count') ?? 0, task.state === 'ended' ? 0 : debugging.filter((d) => d.error_type !== 'unknown' || d.agent !== null).length),
    complexity: keyAttr(task.attrs, 'complexity') ?? null,
  };
}

/**
 * Rebuild the orchestrator's runs from spans: every run span with its tasks (issues) and their
 * agent, pipeline and debug spans. Runs without tasks are kept (a run that crashed early).
 * Runs, a run's tasks and a task's spans are taken in order of start time, then span id,
 * whatever order `spans` is in.
 *
 * @example
 * const runs = buildRunRecords(spans); runs[0]?.issues[0]?.agentMetrics['coding']?.retries
 */
export function buildRunRecords(spans: Iterable<Span>): RunRecord[] {
  const b = new RunRecordsBuilder();
  for (const s of spans) b.addSpan(s);
  return b.build();
}

/**
 * `buildRunRecords` one span at a time, in any order, keeping of each span only what its
 * record needs (a run's and a task's own attributes, a line of an issue per agent, pipeline
 * or debug span), so a read can stream a store's spans through it instead of holding them.
 * Spans are put in order of start time, then span id, as `collectStore` hands them over.
 *
 * @example
 * const b = new RunRecordsBuilder();
 * await scanSpans({ root, onSpan: (s) => b.addSpan(s) });
 * answerOrchestratorQueries(b.build());
 */
export class RunRecordsBuilder {
  /** The ids of runs and tasks, and those spans name as their run or parent, each kept once, by number. */
  readonly #keys = new Keys();
  readonly #runs = new KeptRows(this.#keys, RUN_KEYS);
  /** Tasks by run, and debug spans by task (slots of `#taskRows`, `#debugList`). */
  readonly #tasks = new Chains();
  readonly #taskRows = new KeptRows(this.#keys, TASK_KEYS);
  readonly #debugs = new Chains();
  readonly #debugList: (Child | undefined)[] = [];
  readonly #agents = new AgentRows(this.#keys);
  readonly #pipelines = new PipelineRows(this.#keys);

  /** `s` may be reused by the caller once this returns (the span cache's replay does). */
  addSpan(s: RecordSpan): void {
    if (s.kind === 'run') this.#runs.add(s);
    else if (s.kind === 'task') {
      // A task's slot in its run's chain and its row are the same number: one of each per task.
      this.#tasks.add(this.#keys.id(s.runId));
      this.#taskRows.add(s);
    } else if (s.parentId !== null) {
      if (s.kind === 'agent') {
        const ended = s.state === 'ended';
        this.#agents.add(s.parentId, s.startMs, s.spanId, keyAttr(s.attrs, 'gen_ai.agent.name') ?? s.name, ended && s.status === 'success', ended && s.status === 'failure', seconds(s));
      } else if (s.kind === 'pipeline') {
        this.#pipelines.add(s.parentId, s);
      } else if (s.kind === 'debug') {
        this.#debugList[this.#debugs.add(this.#keys.id(s.parentId))] = debugChild(s);
      }
    }
  }

  /** The run records, in order of start time, then span id. Takes what the builder holds: call it, or `records`, once. */
  build(): RunRecord[] {
    return [...this.records()];
  }

  /**
   * `build`, one run at a time: what the builder kept of a run, its tasks and their spans is
   * let go as its record is made, so a caller that sums the records (`orchestratorParts`)
   * never holds them all.
   */
  *records(): Generator<RunRecord> {
    const runs = this.#runs.byStart();
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i] as number;
      const r = this.#runs.take(run);
      // A task's key goes with it: its children are chained by it.
      const tasks = this.#tasks.take(this.#runs.keyOf(run)).map((at) => ({ key: this.#taskRows.keyOf(at), task: this.#taskRows.take(at) }));
      const project = keyAttr(r.attrs, 'project') ?? null;
      const temperature = numberAttr(r.attrs, 'gen_ai.request.temperature');
      yield {
        spanId: r.spanId,
        // Runs recorded without a key get the seed's form plus the tail of their span id, so two
        // runs started in the same second never share a file name.
        runId: keyAttr(r.attrs, 'run.key') ?? `${seedRunId(r.startMs, project ?? 'unknown')}_${r.spanId.replace(/[^0-9A-Za-z]/g, '').slice(-6)}`,
        projectId: project,
        provider: keyAttr(r.attrs, 'gen_ai.provider.name') ?? null,
        model: keyAttr(r.attrs, 'gen_ai.request.model') ?? null,
        temperature: temperature ?? null,
        mode: keyAttr(r.attrs, 'mode') ?? null,
        specificIssue: r.attrs['specific_issue'] ?? null,
        status: word(r, RUN_WORDS, ['completed', 'failed', 'stopped']),
        ended: r.state === 'ended',
        startMs: r.startMs,
        endMs: r.endMs,
        durationSeconds: seconds(r),
        issues: tasks.sort((a, b) => byStart(a.task, b.task)).map((t) => issueRecord(t.task, this.#take(t.key).sort(byStart))),
        givenSuccesses: numberAttr(r.attrs, 'run.total_successes') ?? null,
        givenErrors: numberAttr(r.attrs, 'run.total_errors') ?? null,
      };
    }
  }

  /** The children of a task, let go. */
  #take(task: number): Child[] {
    const out = this.#debugs.take(task).map((at) => takeAt(this.#debugList, at));
    return this.#agents.take(task, this.#pipelines.take(task, out));
  }
}

/**
 * Child spans of tasks in columns instead of an object each, chained by task: agent and
 * pipeline spans are most of a store's spans, and their objects, boxed numbers and id
 * strings were most of what a report over a large store kept.
 */
class ChildRows {
  readonly #keys: Keys;
  /** Rows by task. */
  readonly #byTask = new Chains();
  readonly #start = new Column(Float64Array);
  /** Span ids packed, 16 bytes a row; the others (not canonical UUIDs) by row. */
  readonly #ids = new Column(Uint8Array, 16);
  readonly #oddIds = new Map<number, string>();

  /** `keys`: task ids by number, shared by the kinds of rows (`RunRecordsBuilder`). */
  constructor(keys: Keys) {
    this.#keys = keys;
  }

  /** A new row of `taskId`'s. */
  protected addRow(taskId: string, startMs: number, spanId: string): number {
    const row = this.#byTask.add(this.#keys.id(taskId));
    this.#start.set(row, startMs);
    if (!packUuid(spanId, this.#ids.block(row), this.#ids.offset(row))) this.#oddIds.set(row, spanId);
    return row;
  }

  /** `out` with `child(row, startMs, spanId)` of each of task `task`'s rows (by its `Keys` number) added; they are not handed out again. */
  protected takeRows(task: number, out: Child[], child: (row: number, startMs: number, spanId: string) => Child): Child[] {
    for (const r of this.#byTask.take(task)) {
      const spanId = (this.#oddIds.size > 0 ? this.#oddIds.get(r) : undefined) ?? unpackUuid(this.#ids.block(r), this.#ids.offset(r));
      out.push(child(r, this.#start.get(r), spanId));
    }
    return out;
  }
}

/** A task's agent spans. */
class AgentRows extends ChildRows {
  /** NaN: none. */
  readonly #seconds = new Column(Float64Array);
  /** Bit 0: a success, bit 1: a failure. */
  readonly #outcome = new Column(Uint8Array);
  readonly #name = new Column(Uint32Array);
  readonly #names = new Interned();

  add(taskId: string, startMs: number, spanId: string, name: string, success: boolean, failure: boolean, seconds: number | null): void {
    const row = this.addRow(taskId, startMs, spanId);
    this.#seconds.set(row, seconds ?? NaN);
    this.#outcome.set(row, (success ? 1 : 0) | (failure ? 2 : 0));
    this.#name.set(row, this.#names.id(name));
  }

  take(task: number, out: Child[]): Child[] {
    return this.takeRows(task, out, (r, startMs, spanId) => {
      const seconds = this.#seconds.get(r);
      const outcome = this.#outcome.get(r);
      return { startMs, spanId, kind: 'agent', name: this.#names.text(this.#name.get(r)), success: (outcome & 1) !== 0, failure: (outcome & 2) !== 0, seconds: Number.isNaN(seconds) ? null : seconds };
    });
  }
}

/** A task's pipeline spans. */
class PipelineRows extends ChildRows {
  /** NaN: none. */
  readonly #attempt = new Column(Float64Array);
  /** Bit 0: passed, bit 1: ended. */
  readonly #flags = new Column(Uint8Array);
  readonly #status = new Column(Uint32Array);
  readonly #words = new Interned();
  /** `cicd.pipeline.run.id`; undefined: the span id. */
  readonly #pipelineId: (string | undefined)[] = [];
  readonly #commitSha: (string | null)[] = [];
  readonly #at = new Column(Float64Array);

  add(taskId: string, c: RecordSpan): void {
    const row = this.addRow(taskId, c.startMs, c.spanId);
    this.#attempt.set(row, numberAttr(c.attrs, 'pipeline.attempt') ?? NaN);
    this.#flags.set(row, (c.status === 'success' ? 1 : 0) | (c.state === 'ended' ? 2 : 0));
    this.#status.set(row, this.#words.id(word(c, PIPELINE_WORDS, ['success', 'failed', 'canceled', 'skipped', 'running', 'pending', 'manual'])));
    this.#pipelineId[row] = keyAttr(c.attrs, 'cicd.pipeline.run.id');
    this.#commitSha[row] = str(c.attrs['vcs.ref.head.revision']);
    this.#at.set(row, c.endMs ?? c.startMs);
  }

  take(task: number, out: Child[]): Child[] {
    return this.takeRows(task, out, (r, startMs, spanId) => {
      const attempt = this.#attempt.get(r);
      const flags = this.#flags.get(r);
      return {
        startMs, spanId, kind: 'pipeline', attempt: Number.isNaN(attempt) ? undefined : attempt, passed: (flags & 1) !== 0, ended: (flags & 2) !== 0,
        pipelineId: this.#pipelineId[r] ?? spanId, status: this.#words.text(this.#status.get(r)), commitSha: this.#commitSha[r] as string | null, atMs: this.#at.get(r),
      };
    });
  }
}

/** Strings by number, each kept once. */
class Interned {
  readonly #texts: string[] = [];
  readonly #ids = new Map<string, number>();

  id(s: string): number {
    return intern(this.#ids, this.#texts, s);
  }

  text(n: number): string {
    return this.#texts[n] as string;
  }
}

/**
 * Span ids by number, each kept once: the ids of runs and tasks and those their spans name as
 * their run or parent. A canonical UUID is kept packed (16 bytes, `packUuid`) in an
 * open-addressed table; any other id in a map. A map per kind of span, keyed by the ids'
 * texts, kept each id once per kind: with the runs' and tasks' own ids, a fifth of what
 * `report orchestrator` kept (docs/performance.md, "Cold reads, eleventh pass").
 */
class Keys {
  /** Each number's packed id (a UUID's), 16 bytes a number. */
  readonly #packed = new Column(Uint8Array, 16);
  /** Open addressing over the packed ids: a number plus one per slot (0: empty). */
  #slots = new Int32Array(1024);
  readonly #odd = new Map<string, number>();
  readonly #oddText = new Map<number, string>();
  #n = 0;
  readonly #scratch = new Uint8Array(16);

  /** The id last asked for and its number: a task's children mostly come one after another. */
  #lastKey = '';
  #lastId = -1;

  /** `key`'s number, given when new. */
  id(key: string): number {
    if (key === this.#lastKey) return this.#lastId;
    let n = this.#find(key);
    if (n < 0) n = this.#add(key);
    this.#lastKey = key;
    this.#lastId = n;
    return n;
  }

  #add(key: string): number {
    const id = this.#n++;
    if (packUuid(key, this.#scratch, 0)) {
      this.#packed.block(id).set(this.#scratch, this.#packed.offset(id));
      if (2 * this.#n > this.#slots.length) this.#grow();
      this.#place(this.#slots, id);
    } else {
      this.#odd.set(key, id);
      this.#oddText.set(id, key);
    }
    return id;
  }

  /** `key`'s number; -1 when it has none. */
  #find(key: string): number {
    const b = this.#scratch;
    if (!packUuid(key, b, 0)) return this.#odd.get(key) ?? -1;
    const slots = this.#slots;
    const mask = slots.length - 1;
    for (let i = hash16(b, 0) & mask; ; i = (i + 1) & mask) {
      const n = (slots[i] as number) - 1;
      if (n < 0) return -1;
      if (this.#equals(n, b)) return n;
    }
  }

  /** The id of number `n`. */
  text(n: number): string {
    return this.#oddText.get(n) ?? unpackUuid(this.#packed.block(n), this.#packed.offset(n));
  }

  #equals(n: number, b: Uint8Array): boolean {
    const block = this.#packed.block(n);
    const at = this.#packed.offset(n);
    for (let k = 0; k < 16; k++) if (block[at + k] !== b[k]) return false;
    return true;
  }

  /** Number `n`'s packed id into `slots`. */
  #place(slots: Int32Array, n: number): void {
    const mask = slots.length - 1;
    let i = hash16(this.#packed.block(n), this.#packed.offset(n)) & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = n + 1;
  }

  #grow(): void {
    const slots = new Int32Array(2 * this.#slots.length);
    for (const v of this.#slots) if (v !== 0) this.#place(slots, v - 1);
    this.#slots = slots;
  }
}

/** FNV-1a of 16 bytes from `at`. */
function hash16(b: Uint8Array, at: number): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < 16; k++) h = Math.imul(h ^ (b[at + k] as number), 0x01000193);
  return h >>> 0;
}

/**
 * What a builder keeps of runs or tasks, a row each: the fields their records read, and of
 * their attributes only `keys`. The id is its number among the builder's `Keys`, and times in
 * columns: as an object a span, with its id's text and three boxed numbers, these came to
 * four times the bytes.
 */
class KeptRows {
  readonly #keys: Keys;
  readonly #attrKeys: readonly string[];
  readonly #id = new Column(Int32Array);
  /** NaN: null. */
  readonly #start = new Column(Float64Array);
  readonly #end = new Column(Float64Array);
  readonly #duration = new Column(Float64Array);
  readonly #names: string[] = [];
  readonly #statuses: Kept['status'][] = [];
  readonly #states: Kept['state'][] = [];
  readonly #attrs: (Span['attrs'] | undefined)[] = [];
  #n = 0;

  constructor(keys: Keys, attrKeys: readonly string[]) {
    this.#keys = keys;
    this.#attrKeys = attrKeys;
  }

  /** `s` as a new row (0, 1, 2…), with only the attributes of `attrKeys`. */
  add(s: RecordSpan): number {
    const row = this.#n++;
    const attrs: Span['attrs'] = {};
    for (const k of this.#attrKeys) if (Object.hasOwn(s.attrs, k)) attrs[k] = s.attrs[k] as JsonValue;
    this.#id.set(row, this.#keys.id(s.spanId));
    this.#start.set(row, s.startMs);
    this.#end.set(row, s.endMs ?? NaN);
    this.#duration.set(row, s.durationMs ?? NaN);
    this.#names[row] = s.name;
    this.#statuses[row] = s.status;
    this.#states[row] = s.state;
    this.#attrs[row] = attrs;
    return row;
  }

  /** The rows in order of start time, then span id (`byStart`). */
  byStart(): number[] {
    const rows = Array.from({ length: this.#n }, (_, r) => r);
    const start = this.#start;
    return rows.sort((a, b) => start.get(a) - start.get(b) || compareText(this.#keys.text(this.#id.get(a)), this.#keys.text(this.#id.get(b))));
  }

  /** Row `row`'s span id as its number among the builder's `Keys`: the key its children are chained by. */
  keyOf(row: number): number {
    return this.#id.get(row);
  }

  /** Row `row` as its record reads it, let go: it is not taken again. */
  take(row: number): Kept {
    const end = this.#end.get(row);
    const duration = this.#duration.get(row);
    const kept: Kept = {
      spanId: this.#keys.text(this.#id.get(row)),
      name: this.#names[row] as string,
      startMs: this.#start.get(row),
      endMs: Number.isNaN(end) ? null : end,
      durationMs: Number.isNaN(duration) ? null : duration,
      status: this.#statuses[row] as Kept['status'],
      state: this.#states[row] as Kept['state'],
      attrs: this.#attrs[row] as Span['attrs'],
    };
    this.#attrs[row] = undefined;
    return kept;
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Slots grouped by key (a number, `Keys.id`), each group chained through its slots, last
 * first: a list per key (a task's children, a run's tasks) took a backing store of about 20
 * places for one or two items, tens of thousands of times over.
 */
class Chains {
  /** Each slot's previous slot of its key, or -1. */
  readonly #prev = new Column(Int32Array);
  #n = 0;
  /** Each key's last slot plus one (0: none). */
  readonly #last = new Column(Int32Array);

  /** A new slot of `key`: 0, 1, 2… over all keys. */
  add(key: number): number {
    const slot = this.#n++;
    this.#prev.set(slot, this.#last.get(key) - 1);
    this.#last.set(key, slot + 1);
    return slot;
  }

  /** The slots of `key`, last first; they are not handed out again. */
  take(key: number): number[] {
    const out: number[] = [];
    for (let i = this.#last.get(key) - 1; i >= 0; i = this.#prev.get(i)) out.push(i);
    this.#last.set(key, 0);
    return out;
  }
}

/** Rows of a block of a `Column`: 16,384. */
const BLOCK_BITS = 14;
const BLOCK_ROWS = 1 << BLOCK_BITS;

/**
 * Numbers by row, `width` a row, in typed arrays of `BLOCK_ROWS` rows each, outside the
 * JavaScript heap. Arrays of numbers took 8 bytes a row whatever the values, and each time
 * one grew, the backing store it left stayed in the heap until a full collection. One array
 * grown by doubling was up to half empty, and held both its old and new stores while it
 * copied: over a month of a busy orchestrator's spans, a tenth of `report orchestrator`'s
 * peak memory (docs/performance.md, "Cold reads, eleventh pass").
 */
class Column<A extends Float64Array | Int32Array | Uint32Array | Uint8Array> {
  readonly #blocks: A[] = [];
  readonly #T: new (n: number) => A;
  readonly #width: number;

  constructor(T: new (n: number) => A, width = 1) {
    this.#T = T;
    this.#width = width;
  }

  /** Row `row`'s number, in a column one wide (a wider one is read and written through `block` and `offset`). */
  set(row: number, v: number): void {
    this.block(row)[row & (BLOCK_ROWS - 1)] = v;
  }

  /** Row `row`'s number, in a column one wide; 0 for a row never set. */
  get(row: number): number {
    const b = this.#blocks[row >>> BLOCK_BITS];
    return b === undefined ? 0 : (b[row & (BLOCK_ROWS - 1)] as number);
  }

  /** Where row `row` starts in its block (`block`), for a column more than one wide. */
  offset(row: number): number {
    return (row & (BLOCK_ROWS - 1)) * this.#width;
  }

  /** The block of row `row`, made when new. */
  block(row: number): A {
    const b = row >>> BLOCK_BITS;
    while (this.#blocks.length <= b) this.#blocks.push(new this.#T(BLOCK_ROWS * this.#width));
    return this.#blocks[b] as A;
  }
}

/** The item at `at`, let go. */
function takeAt<T>(list: (T | undefined)[], at: number): T {
  const v = list[at] as T;
  list[at] = undefined;
  return v;
}

/** Percent with two decimals, as the seed writes rates (66.67). 0 when nothing was counted. */
export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 100 : 0;
}

/**
 * `total_successes`, `total_errors` and `success_rate` of a run, by the seed's definition
 * (its `RunLogger.finalize_run`): successes / issues processed × 100, so an issue that never
 * finished counts against the rate. The counts are the host's own (`record_success` /
 * `record_error`) when it gave them, else the completed and failed issues. `success_rate` is
 * unrounded, as the seed writes it.
 */
export function runTotals(r: RunRecord): { total_successes: number; total_errors: number; success_rate: number } {
  const successes = r.givenSuccesses ?? r.issues.filter((i) => i.status === 'completed').length;
  const errors = r.givenErrors ?? r.issues.filter((i) => i.status === 'failed').length;
  return { total_successes: successes, total_errors: errors, success_rate: r.issues.length > 0 ? (successes / r.issues.length) * 100 : 0 };
}
