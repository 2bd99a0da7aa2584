/**
 * The sub-agent seed's records in its own field names (`agent_name`, `outcome_status`,
 * `quality_rating` …) mapped onto `TelemetryLogger` calls, for hosts that call
 * `agentmeter record invocation|invocation-update|success-metric` from Python or a shell.
 */
import type { FeedbackSource } from '../../model/events.js';
import { FEEDBACK_SOURCES } from '../../model/events.js';
import type { InvocationInput, InvocationUpdate, SuccessMetricInput } from './telemetry-logger.js';

/** A mapped record, or what is wrong with it. */
export type Mapped<T> = { ok: true; value: T; invocationId?: string } | { ok: false; error: string };

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function list(v: unknown): string[] | undefined {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v === 'string' && v !== '') return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  return undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** `log_invocation`'s record. */
export function invocationFromRecord(r: Record<string, unknown>): Mapped<InvocationInput> {
  const agentName = str(r['agent_name']);
  if (agentName === undefined) return { ok: false, error: 'agent_name is required' };
  const v: InvocationInput = { agentName };
  const agentType = str(r['agent_type']);
  if (agentType) v.agentType = agentType;
  const desc = str(r['task_description']);
  if (desc) v.taskDescription = desc;
  const features = obj(r['state_features']);
  if (features) v.stateFeatures = features;
  const parent = str(r['parent_invocation_id']);
  if (parent) v.parentInvocationId = parent;
  const wf = str(r['workflow_id']);
  if (wf) v.workflowId = wf;
  const taskType = str(r['task_type']);
  if (taskType) v.taskType = taskType;
  const variant = str(r['agent_variant']);
  if (variant) v.agentVariant = variant;
  const meta = obj(r['metadata']);
  if (meta) v.metadata = meta;
  const spec = str(r['spec_id']);
  if (spec) v.specId = spec;
  const sections = list(r['spec_section']);
  if (sections && sections.length > 0) v.specSection = sections;
  const q = num(r['q_value']);
  if (q !== undefined) v.qValue = q;
  const exploration = bool(r['exploration']);
  if (exploration !== undefined) v.exploration = exploration;
  if (bool(r['learning_enabled']) === true) v.learningEnabled = true;
  return { ok: true, value: v };
}

/** `update_invocation`'s record: `outcome_status`, or the logger's `outcome` object or string. */
export function updateFromRecord(r: Record<string, unknown>): Mapped<InvocationUpdate> {
  const id = str(r['invocation_id']);
  if (id === undefined) return { ok: false, error: 'invocation_id is required' };
  const outcome = obj(r['outcome']);
  const status = str(r['outcome_status']) ?? (outcome ? str(outcome['status']) : str(r['outcome']));
  // Across processes each update is the invocation's one end, so it needs its final status
  // (in-process, `TelemetryLogger.updateInvocation` merges partial updates as the seed does).
  if (status === undefined) return { ok: false, error: 'outcome_status is required: an update from another process ends the invocation, so give the status with the duration and files in one update' };
  const from = (k: string): unknown => r[k] ?? outcome?.[k];
  const v: InvocationUpdate = { outcomeStatus: status };
  const d = num(r['duration_seconds']);
  if (d !== undefined) v.durationSeconds = d;
  const mod = list(from('files_modified'));
  if (mod) v.filesModified = mod;
  const created = list(from('files_created'));
  if (created) v.filesCreated = created;
  const tools = list(r['tools_used']);
  if (tools) v.toolsUsed = tools;
  const err = str(from('error_message'));
  if (err) v.errorMessage = err;
  const tests = bool(from('tests_passed'));
  if (tests !== undefined) v.testsPassed = tests;
  const build = bool(from('build_succeeded'));
  if (build !== undefined) v.buildSucceeded = build;
  const reward = num(r['reward']);
  if (reward !== undefined) v.reward = reward;
  return { ok: true, value: v, invocationId: id };
}

/** `log_success_metric`'s record. */
export function metricFromRecord(r: Record<string, unknown>): Mapped<SuccessMetricInput> {
  const id = str(r['invocation_id']);
  if (id === undefined) return { ok: false, error: 'invocation_id is required' };
  const success = bool(r['success']);
  if (success === undefined) return { ok: false, error: 'success must be true or false' };
  const v: SuccessMetricInput = { success };
  if (r['quality_rating'] !== undefined && r['quality_rating'] !== null) {
    const q = num(r['quality_rating']);
    if (q === undefined || q < 1 || q > 5) return { ok: false, error: `quality_rating must be 1–5, got ${JSON.stringify(r['quality_rating'])}` };
    v.qualityRating = q;
  }
  const source = str(r['feedback_source']);
  if (source !== undefined) {
    if (!(FEEDBACK_SOURCES as readonly string[]).includes(source)) return { ok: false, error: `feedback_source must be one of ${FEEDBACK_SOURCES.join(', ')}` };
    v.feedbackSource = source as FeedbackSource;
  }
  const notes = str(r['feedback_notes']);
  if (notes) v.feedbackNotes = notes;
  const again = bool(r['would_use_again']);
  if (again !== undefined) v.wouldUseAgain = again;
  const alt = str(r['alternative_agent_suggested']);
  if (alt) v.alternativeAgentSuggested = alt;
  return { ok: true, value: v, invocationId: id };
}
