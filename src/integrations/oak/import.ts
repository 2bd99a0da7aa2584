/**
 * `agentmeter import oak <dir>`: the sub-agent telemetry seed's files into events.
 *
 * Both shapes found in the wild are read (docs/oak.md): the Python logger's (outcome an
 * object, uuid4 ids, one line per invocation rewritten on update) and the MCP server's
 * (outcome a plain string, `inv_<ms>_<base36>` ids). Lines for the same invocation are
 * merged, later non-null fields winning, so an append-style update log and a rewritten file
 * give the same spans. Span ids are the invocation ids, so importing a file exported from
 * this store, or importing twice, adds nothing: the fold drops the second copy.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { BaseAttributes, FeedbackSource } from '../../model/events.js';
import { FEEDBACK_SOURCES } from '../../model/events.js';
import { normalizeStatus } from '../../model/status.js';
import { parseTimestamp } from '../../model/time.js';
import { cleanJson } from '../../model/clean-json.js';
import { EventWriter, sourceEnv } from '../event-writer.js';
import type { EventWriterOptions } from '../event-writer.js';
import { addSkip, asObject, emptyImportResult, readJsonl } from '../source-files.js';
import type { ImportResult } from '../source-files.js';
import { OAK_FILES, OAK_SOURCE } from './files.js';

/** Options of `importOak`. */
export interface ImportOakOptions extends Omit<EventWriterOptions, 'source'> {
  /** The telemetry directory holding the seed's files. */
  from: string;
}

const MAX_ID = 200;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A list of strings; an empty list reads as absent (the Python logger writes `[]` for none). */
function strings(v: unknown): string[] | undefined {
  const list = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  return list.length > 0 ? list : undefined;
}

function id(v: unknown): string | undefined {
  const s = typeof v === 'number' && Number.isFinite(v) ? String(v) : str(v);
  return s !== undefined && s.length <= MAX_ID ? s : undefined;
}

/** Merge `b` over `a`: later non-null fields win; nested outcome objects merge too. */
function mergeRecord(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (k === '__proto__' || v === null || v === undefined) continue;
    const prev = asObject(out[k]);
    const next = asObject(v);
    out[k] = prev && next ? mergeRecord(prev, next) : v;
  }
  return out;
}

/** One invocation, normalised from either shape. */
interface Invocation {
  invocationId: string;
  sessionId: string;
  startMs: number;
  record: Record<string, unknown>;
}

/**
 * Read the seed's telemetry directory into the store.
 *
 * @example
 * const r = await importOak({ from: 'telemetry', dir: '.agentmeter', env: 'prod' });
 * console.log(`${r.spans} spans, ${r.skipped} bad lines skipped`);
 */
export async function importOak(o: ImportOakOptions): Promise<ImportResult> {
  const result = emptyImportResult();
  const skip = (s: { file: string; line: number; reason: string }): void => addSkip(result, s);
  const invocations = new Map<string, Invocation>();
  const invFile = join(o.from, OAK_FILES.invocations);
  if (
    await readJsonl(
      invFile,
      (rec, line) => {
        result.records++;
        const invId = id(rec['invocation_id']);
        const ts = parseTimestamp(rec['timestamp']);
        const prev = invId !== undefined ? invocations.get(invId) : undefined;
        if (invId === undefined || (ts === undefined && !prev)) {
          skip({ file: invFile, line, reason: invId === undefined ? 'no invocation_id' : 'no usable timestamp' });
          return;
        }
        if (prev) prev.record = mergeRecord(prev.record, rec);
        else invocations.set(invId, { invocationId: invId, sessionId: id(rec['session_id']) ?? 'oak-unknown-session', startMs: ts as number, record: rec });
      },
      skip,
    )
  )
    result.files++;

  const writer = new EventWriter({ ...o, source: OAK_SOURCE });
  const agentOf = new Map<string, AgentRef>();
  for (const inv of invocations.values()) {
    const a = invocationAttrs(inv.record, writer);
    agentOf.set(inv.invocationId, { name: a.name, runId: inv.sessionId, taskType: a.taskType, env: sourceEnv(inv.record['env']) });
    writeInvocation(writer, inv, a);
    result.spans++;
  }

  const metricsFile = join(o.from, OAK_FILES.metrics);
  if (
    await readJsonl(
      metricsFile,
      (rec, line) => {
        result.records++;
        const invId = id(rec['invocation_id']);
        const ts = parseTimestamp(rec['timestamp']);
        if (invId === undefined || ts === undefined) {
          skip({ file: metricsFile, line, reason: invId === undefined ? 'no invocation_id' : 'no usable timestamp' });
          return;
        }
        writeMetric(writer, rec, invId, ts, agentOf.get(invId));
        result.feedback++;
      },
      skip,
    )
  )
    result.files++;

  const wfFile = join(o.from, OAK_FILES.workflows);
  if (
    await readJsonl(
      wfFile,
      (rec, line) => {
        result.records++;
        const why = writeWorkflowEvent(writer, rec);
        if (why !== undefined) skip({ file: wfFile, line, reason: why });
        else if ([rec['event'], rec['event_type'], rec['type']].includes('workflow_start')) result.spans++;
      },
      skip,
    )
  )
    result.files++;
  const reviewsFile = join(o.from, OAK_FILES.reviews);
  if (
    await readJsonl(
      reviewsFile,
      (rec, line) => {
        result.records++;
        const why = writeReview(writer, rec);
        if (why !== undefined) skip({ file: reviewsFile, line, reason: why });
        else result.feedback++;
      },
      skip,
    )
  )
    result.files++;
  writer.close();
  result.dropped = writer.stats.dropped;
  return result;
}

/**
 * One `agent_reviews.jsonl` line (the seed's `feedback_utils.log_feedback`): a note on an
 * agent as a whole, not on one invocation. Kept as feedback on the agent with neither a
 * success flag nor a rating, so it counts in no rate; `export oak` writes it back.
 */
function writeReview(w: EventWriter, r: Record<string, unknown>): string | undefined {
  const agent = str(r['agent_name']);
  const ts = parseTimestamp(r['timestamp']);
  if (agent === undefined) return 'no agent_name';
  if (ts === undefined) return 'no usable timestamp';
  const text = str(r['reasoning']) ?? '';
  const attrs: BaseAttributes = { 'target.kind': 'agent', 'gen_ai.agent.name': agent, 'review.action': str(r['action']) ?? 'feedback', 'review.category': str(r['category']) ?? 'general' };
  if (text !== '') attrs['feedback.notes'] = w.redact(text);
  const reviewer = str(r['reviewer']);
  const key = `${agent}\u0000${ts}\u0000${text}`;
  w.feedback({
    spanId: `review_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`,
    runId: null,
    success: null,
    rating: null,
    source: reviewer === undefined || reviewer === 'human' ? 'human' : 'other',
    attrs,
    tsMs: ts,
    env: sourceEnv(r['env']),
    idKey: `oak:review:${key}`,
  });
  return undefined;
}

/** What feedback needs of its invocation. */
interface AgentRef {
  name: string;
  runId: string;
  taskType: string | undefined;
  env: string | undefined;
}

interface InvocationAttrs {
  name: string;
  taskType: string | undefined;
  attrs: BaseAttributes;
  endAttrs: BaseAttributes;
  status: string | undefined;
  durationSeconds: number | undefined;
}

function invocationAttrs(r: Record<string, unknown>, w: EventWriter): InvocationAttrs {
  const name = str(r['agent_name']) ?? 'unnamed-agent';
  const features = asObject(r['state_features']);
  const taskType = str(r['task_type']) ?? str(asObject(features?.['task'])?.['type']);
  const attrs: BaseAttributes = { 'gen_ai.agent.name': name };
  const type = str(r['agent_type']);
  if (type) attrs['agent.type'] = type;
  if (taskType) attrs['task.type'] = taskType;
  // The seed's own CRL field, apart from the state-features task type it may repeat.
  const crlTaskType = str(r['task_type']);
  if (crlTaskType) attrs['task_type'] = crlTaskType;
  const desc = str(r['task_description']);
  if (desc) attrs['task_description'] = w.redactShort(desc);
  if (features && Object.keys(features).length > 0) attrs['state_features'] = cleanJson(features, w.redact) ?? null;
  const parent = id(r['parent_invocation_id']);
  if (parent) attrs['parent_invocation_id'] = parent;
  const workflow = id(r['workflow_id']);
  if (workflow) attrs['workflow.id'] = workflow;
  const variant = str(r['agent_variant']);
  if (variant) attrs['agent_variant'] = variant;
  const spec = id(r['spec_id']);
  if (spec) attrs['spec_id'] = spec;
  const sections = strings(r['spec_section']);
  if (sections) attrs['spec_section'] = sections;
  const q = num(r['q_value']);
  if (q !== undefined) attrs['q_value'] = q;
  if (typeof r['exploration'] === 'boolean') attrs['exploration'] = r['exploration'];
  if (r['learning_enabled'] === true) attrs['learning_enabled'] = true;
  const reward = num(r['reward']);
  if (reward !== undefined) attrs['reward'] = reward;
  const meta = asObject(r['metadata']);
  if (meta && Object.keys(meta).length > 0) attrs['metadata'] = cleanJson(meta, w.redact) ?? null;
  const endAttrs: BaseAttributes = {};
  const tools = strings(r['tools_used']);
  if (tools) endAttrs['tools_used'] = tools;
  // Python: outcome {status, error_message, files_modified, …}; MCP: outcome "success".
  const outcome = asObject(r['outcome']);
  const status = outcome ? str(outcome['status']) : str(r['outcome']);
  if (outcome) {
    const err = str(outcome['error_message']);
    if (err) endAttrs['error.message'] = w.redact(err);
    const mod = strings(outcome['files_modified']);
    if (mod) endAttrs['files_modified'] = mod.map(w.redact);
    const created = strings(outcome['files_created']);
    if (created) endAttrs['files_created'] = created.map(w.redact);
    if (typeof outcome['tests_passed'] === 'boolean') endAttrs['tests_passed'] = outcome['tests_passed'];
    if (typeof outcome['build_succeeded'] === 'boolean') endAttrs['build_succeeded'] = outcome['build_succeeded'];
  }
  const mcpFiles = strings(r['files_modified']);
  if (mcpFiles && endAttrs['files_modified'] === undefined) endAttrs['files_modified'] = mcpFiles.map(w.redact);
  const durationSeconds = num(r['duration_seconds']);
  return { name, taskType, attrs, endAttrs, status, durationSeconds };
}

function writeInvocation(w: EventWriter, inv: Invocation, a: InvocationAttrs): void {
  const base = {
    spanId: inv.invocationId,
    runId: inv.sessionId,
    kind: 'agent' as const,
    name: a.name,
    parentId: typeof a.attrs['parent_invocation_id'] === 'string' ? a.attrs['parent_invocation_id'] : null,
    startMs: inv.startMs,
    env: sourceEnv(inv.record['env']),
  };
  const status = a.status === undefined ? undefined : normalizeStatus(a.status);
  // Logged but never updated (status missing or "unknown" without a duration): still open.
  if (status === undefined || (status === 'unknown' && a.durationSeconds === undefined)) {
    w.start({ ...base, attrs: a.attrs, idKey: `oak:inv:${inv.invocationId}:start` });
    return;
  }
  const durationMs = a.durationSeconds !== undefined && a.durationSeconds >= 0 ? a.durationSeconds * 1000 : null;
  const attrs = { ...a.attrs, ...a.endAttrs };
  // Without a duration the fold would read end − start = 0 s; say it is unknown instead.
  if (durationMs === null) attrs['duration.unknown'] = true;
  if (a.status !== undefined && a.status !== status) attrs['status.detail'] = a.status;
  w.complete({ ...base, attrs, endMs: inv.startMs + (durationMs ?? 0), durationMs, status, idKey: `oak:inv:${inv.invocationId}:span` });
}

function writeMetric(
  w: EventWriter,
  r: Record<string, unknown>,
  invId: string,
  ts: number,
  agent: AgentRef | undefined,
): void {
  const attrs: BaseAttributes = { 'target.kind': 'agent' };
  if (agent) {
    attrs['gen_ai.agent.name'] = agent.name;
    if (agent.taskType) attrs['task.type'] = agent.taskType;
  }
  const notes = str(r['feedback_notes']);
  if (notes) attrs['feedback.notes'] = w.redact(notes);
  if (typeof r['would_use_again'] === 'boolean') attrs['would_use_again'] = r['would_use_again'];
  const alt = str(r['alternative_agent_suggested']);
  if (alt) attrs['alternative_agent_suggested'] = alt;
  const rating = num(r['quality_rating']);
  const source = str(r['feedback_source']);
  w.feedback({
    spanId: invId,
    runId: agent ? agent.runId : null,
    success: typeof r['success'] === 'boolean' ? r['success'] : null,
    rating: rating !== undefined && rating >= 1 && rating <= 5 ? rating : null,
    source: source !== undefined && (FEEDBACK_SOURCES as readonly string[]).includes(source) ? (source as FeedbackSource) : 'other',
    attrs,
    tsMs: ts,
    env: sourceEnv(r['env']) ?? agent?.env,
    idKey: `oak:metric:${invId}:${ts}:${String(r['success'])}:${String(rating)}`,
  });
}

/** Workflow span id of a seed workflow id. */
export function workflowSpanId(workflowId: string): string {
  return `wf_${workflowId}`;
}

function writeWorkflowEvent(w: EventWriter, r: Record<string, unknown>): string | undefined {
  const type = str(r['event_type']) ?? str(r['type']) ?? str(r['event']);
  const wid = id(r['workflow_id']);
  const ts = parseTimestamp(r['timestamp']);
  if (wid === undefined) return 'no workflow_id';
  if (ts === undefined) return 'no usable timestamp';
  const spanId = workflowSpanId(wid);
  const base = { spanId, runId: spanId, kind: 'workflow' as const, env: sourceEnv(r['env']) };
  switch (type) {
    case 'workflow_start': {
      const attrs: BaseAttributes = { 'workflow.id': wid };
      const project = str(r['project_name']);
      if (project) attrs['project'] = project;
      const plan = strings(r['agent_plan']);
      if (plan) attrs['workflow.agent_plan'] = plan;
      const session = id(r['session_id']);
      if (session) attrs['session.id'] = session;
      const estimate = num(r['estimated_duration']);
      if (estimate !== undefined) attrs['workflow.estimated_duration_s'] = estimate;
      w.start({ ...base, name: `workflow ${wid}`, parentId: null, startMs: ts, attrs, idKey: `oak:wf:${wid}:start` });
      return undefined;
    }
    case 'workflow_complete': {
      const d = num(r['duration_seconds']);
      const durationMs = d !== undefined && d >= 0 ? d * 1000 : null;
      const attrs: BaseAttributes = { 'workflow.id': wid };
      const executed = strings(r['agents_executed']);
      if (executed) attrs['workflow.agents_executed'] = executed;
      const session = id(r['session_id']);
      if (session) attrs['session.id'] = session;
      const success = r['success'];
      w.end({
        ...base, attrs, startMs: ts - (durationMs ?? 0), endMs: ts, durationMs,
        status: typeof success === 'boolean' ? (success ? 'success' : 'failure') : 'unknown', idKey: `oak:wf:${wid}:end`,
      });
      return undefined;
    }
    case 'agent_handoff': {
      const attrs: BaseAttributes = {};
      const from = str(r['from_agent']);
      const to = str(r['to_agent']);
      if (from) attrs['from_agent'] = from;
      if (to) attrs['to_agent'] = to;
      const artifacts = strings(r['artifacts']);
      if (artifacts) attrs['artifacts'] = artifacts.map(w.redact);
      w.point({ spanId, runId: spanId, name: 'agent_handoff', attrs, tsMs: ts, env: base.env, idKey: `oak:wf:${wid}:handoff:${ts}:${from ?? ''}:${to ?? ''}` });
      return undefined;
    }
    default:
      return `unknown workflow event ${JSON.stringify(type ?? null)}`;
  }
}
