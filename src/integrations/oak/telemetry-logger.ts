/**
 * The sub-agent seed's `TelemetryLogger`, on agentmeter's store. Same calls, TypeScript names:
 * `logInvocation` → `updateInvocation` → `logSuccessMetric`, plus the workflow events.
 *
 * Every call appends new events to this process's own segment; nothing is ever rewritten.
 * The original rewrote the whole log on each update, so under 50 parallel updates only 2–3
 * survived and a line was corrupted (docs/oak.md); here an update from any process is one
 * more `span.end` for the invocation's id, and the fold pairs it with its start. Invocation
 * ids are span ids: pass one to another process (a hook, a CI job) and update it there.
 */
import type { BaseAttributes, FeedbackSource } from '../../model/events.js';
import { FEEDBACK_SOURCES } from '../../model/events.js';
import { uuidv7 } from '../../model/ids.js';
import { normalizeStatus } from '../../model/status.js';
import { resolveStoreDir } from '../../store/index.js';
import type { Durability } from '../../store/index.js';
import type { Diagnostic } from '../../model/diagnostics.js';
import { cleanJson } from '../../model/clean-json.js';
import { EventWriter } from '../event-writer.js';
import { workflowSpanId } from './import.js';

/** Options of a `TelemetryLogger`. */
export interface TelemetryLoggerOptions {
  /** Store root. Default: `AGENTMETER_DIR`, else `./.agentmeter`. */
  dir?: string;
  /** Default: `AGENTMETER_ENV`, else `dev`. */
  env?: string;
  /** Session id (the run every invocation belongs to). Default: a new UUIDv7. */
  sessionId?: string;
  /** Default `flush` (one write per event: survives the process being killed). */
  durability?: Durability;
  /** Append to the day's shared `<sharedSegment>.jsonl` (a short-lived CLI call), not a segment of its own. */
  sharedSegment?: string;
  onDiagnostic?: (d: Diagnostic) => void;
}

/** `log_invocation`'s arguments. */
export interface InvocationInput {
  agentName: string;
  /** development, quality, security, architecture, workflow, analysis, documentation, utility, meta. */
  agentType?: string;
  /** Redacted and truncated to 500 characters; prompts are never recorded. */
  taskDescription?: string;
  /** `{ codebase, task: { type, scope, risk_level }, context, historical }`. */
  stateFeatures?: Record<string, unknown>;
  parentInvocationId?: string;
  workflowId?: string;
  /** Default: `stateFeatures.task.type`. */
  taskType?: string;
  agentVariant?: string;
  metadata?: Record<string, unknown>;
  /** Specification the invocation works on, and the sections it touches (`["2.2.comp-1"]`). */
  specId?: string;
  specSection?: string[];
  /** Continual-learning fields: the Q-value of (task type, variant), ε-greedy exploration, whether learning was on. */
  qValue?: number;
  exploration?: boolean;
  learningEnabled?: boolean;
}

/**
 * `update_invocation`'s arguments. Every field is optional and repeated updates merge field by
 * field, as in the seed: the invocation ends (one `span.end`) at the first update that has a
 * final status (success, failure, partial), carrying what earlier updates gave; updates
 * without one wait in memory and are written, as status `unknown`, on `close()`.
 */
export interface InvocationUpdate {
  durationSeconds?: number;
  /** success, failure, partial, unknown. */
  outcomeStatus?: string;
  filesModified?: string[];
  filesCreated?: string[];
  errorMessage?: string;
  testsPassed?: boolean;
  buildSucceeded?: boolean;
  toolsUsed?: string[];
  reward?: number;
}

/** `log_success_metric`'s arguments. */
export interface SuccessMetricInput {
  success: boolean;
  /** 1–5. */
  qualityRating?: number;
  /** human, automated_tests, build_system, linter, llm_judge. Default human. */
  feedbackSource?: FeedbackSource;
  feedbackNotes?: string;
  wouldUseAgain?: boolean;
  alternativeAgentSuggested?: string;
}

interface Known {
  name: string;
  startMs: number;
  taskType: string | undefined;
}

/** Invocations remembered for same-process updates; older ones are updated like remote ones. */
const MAX_KNOWN = 10_000;

/**
 * Log sub-agent invocations, their outcomes and feedback.
 *
 * @example
 * import { TelemetryLogger } from 'agentmeter/compat';
 * const logger = new TelemetryLogger();
 * const id = logger.logInvocation({ agentName: 'frontend-developer', agentType: 'development',
 *   taskDescription: 'Add dark mode toggle', stateFeatures: { task: { type: 'feature_development', scope: 'small' } } });
 * logger.updateInvocation(id, { durationSeconds: 120.5, outcomeStatus: 'success', filesModified: ['src/Settings.tsx'] });
 * logger.logSuccessMetric(id, { success: true, qualityRating: 4, feedbackNotes: 'Works well!' });
 * logger.close();
 */
export class TelemetryLogger {
  readonly sessionId: string;
  readonly #w: EventWriter;
  readonly #known = new Map<string, Known>();
  readonly #workflows = new Map<string, number>();
  /** Updates without a final status yet, merged, per invocation. */
  readonly #pending = new Map<string, InvocationUpdate>();
  /** Invocations whose end is written; a later update cannot change it. */
  readonly #ended = new Set<string>();
  #lateUpdates = 0;

  constructor(o: TelemetryLoggerOptions = {}) {
    const dir = resolveStoreDir({ dir: o.dir, env: process.env });
    this.sessionId = o.sessionId ?? uuidv7();
    this.#w = new EventWriter({
      dir,
      env: o.env ?? process.env['AGENTMETER_ENV'] ?? 'dev',
      ...(o.durability ? { durability: o.durability } : {}),
      ...(o.sharedSegment !== undefined ? { sharedSegment: o.sharedSegment } : {}),
      ...(o.onDiagnostic ? { onDiagnostic: o.onDiagnostic } : {}),
    });
  }

  /** Counters: events written and dropped, and updates that came after their invocation's end was written (reported, not applied). */
  get stats(): { written: number; dropped: number; lateUpdates: number } {
    return { ...this.#w.stats, lateUpdates: this.#lateUpdates };
  }

  /** The session id every invocation of this logger carries (`get_session_id`). */
  getSessionId(): string {
    return this.sessionId;
  }

  /** Start of an agent execution; returns the invocation id. */
  logInvocation(i: InvocationInput): string {
    const invocationId = uuidv7();
    try {
      const w = this.#w;
      const name = i && typeof i.agentName === 'string' && i.agentName !== '' ? i.agentName : 'unnamed-agent';
      if (name === 'unnamed-agent') this.#bad('logInvocation needs { agentName }');
      const features = i?.stateFeatures && typeof i.stateFeatures === 'object' ? i.stateFeatures : undefined;
      const featureTask = features?.['task'];
      const taskType = i?.taskType ?? (featureTask && typeof featureTask === 'object' ? (featureTask as Record<string, unknown>)['type'] : undefined);
      const attrs: BaseAttributes = { 'gen_ai.agent.name': name };
      if (typeof i.agentType === 'string') attrs['agent.type'] = i.agentType;
      if (typeof taskType === 'string') attrs['task.type'] = taskType;
      if (typeof i.taskDescription === 'string') attrs['task_description'] = w.redactShort(i.taskDescription);
      if (features) attrs['state_features'] = cleanJson(features, w.redact) ?? null;
      if (typeof i.parentInvocationId === 'string') attrs['parent_invocation_id'] = i.parentInvocationId;
      if (typeof i.workflowId === 'string') attrs['workflow.id'] = i.workflowId;
      if (typeof i.agentVariant === 'string') attrs['agent_variant'] = i.agentVariant;
      if (typeof i.taskType === 'string') attrs['task_type'] = i.taskType;
      if (typeof i.specId === 'string') attrs['spec_id'] = i.specId;
      if (Array.isArray(i.specSection)) attrs['spec_section'] = i.specSection.filter((x) => typeof x === 'string');
      if (typeof i.qValue === 'number' && Number.isFinite(i.qValue)) attrs['q_value'] = i.qValue;
      if (typeof i.exploration === 'boolean') attrs['exploration'] = i.exploration;
      if (i.learningEnabled === true) attrs['learning_enabled'] = true;
      if (i.metadata && typeof i.metadata === 'object') attrs['metadata'] = cleanJson(i.metadata, w.redact) ?? null;
      const now = Date.now();
      w.start({ spanId: invocationId, runId: this.sessionId, kind: 'agent', name, parentId: i.parentInvocationId ?? null, startMs: now, attrs });
      if (this.#known.size >= MAX_KNOWN) this.#known.delete(this.#known.keys().next().value as string);
      this.#known.set(invocationId, { name, startMs: now, taskType: typeof taskType === 'string' ? taskType : undefined });
    } catch (e: unknown) {
      this.#fail(e);
    }
    return invocationId;
  }

  /** Completion data of an agent execution (from this process or any other); repeated calls merge. */
  updateInvocation(invocationId: string, u: InvocationUpdate): void {
    try {
      if (typeof invocationId !== 'string' || invocationId === '' || !u || typeof u !== 'object') {
        this.#bad('updateInvocation needs (invocationId, { outcomeStatus?, durationSeconds?, … })');
        return;
      }
      if (this.#ended.has(invocationId)) {
        this.#lateUpdates++;
        this.#bad(`updateInvocation(${invocationId}): its end was already written with a final status; this later update is not applied`);
        return;
      }
      const merged: InvocationUpdate = { ...this.#pending.get(invocationId) };
      for (const [k, v] of Object.entries(u)) if (v !== undefined && v !== null) (merged as Record<string, unknown>)[k] = v;
      const status = typeof merged.outcomeStatus === 'string' ? normalizeStatus(merged.outcomeStatus) : 'unknown';
      if (status === 'unknown') {
        this.#pending.set(invocationId, merged);
        return;
      }
      this.#pending.delete(invocationId);
      this.#writeEnd(invocationId, merged);
    } catch (e: unknown) {
      this.#fail(e);
    }
  }

  #writeEnd(invocationId: string, u: InvocationUpdate): void {
    const w = this.#w;
    const now = Date.now();
    const known = this.#known.get(invocationId);
    const seconds = typeof u.durationSeconds === 'number' && Number.isFinite(u.durationSeconds) && u.durationSeconds >= 0 ? u.durationSeconds : undefined;
    const durationMs = seconds !== undefined ? seconds * 1000 : known ? now - known.startMs : null;
    const startMs = known ? known.startMs : now - (durationMs ?? 0);
    const word = typeof u.outcomeStatus === 'string' ? u.outcomeStatus : 'unknown';
    const status = normalizeStatus(word);
    const attrs: BaseAttributes = {};
    if (word !== status) attrs['status.detail'] = word;
    if (Array.isArray(u.filesModified)) attrs['files_modified'] = u.filesModified.filter((f) => typeof f === 'string').map(w.redact);
    if (Array.isArray(u.filesCreated)) attrs['files_created'] = u.filesCreated.filter((f) => typeof f === 'string').map(w.redact);
    if (Array.isArray(u.toolsUsed)) attrs['tools_used'] = u.toolsUsed.filter((f) => typeof f === 'string');
    if (typeof u.errorMessage === 'string') attrs['error.message'] = w.redact(u.errorMessage);
    if (typeof u.testsPassed === 'boolean') attrs['tests_passed'] = u.testsPassed;
    if (typeof u.buildSucceeded === 'boolean') attrs['build_succeeded'] = u.buildSucceeded;
    if (typeof u.reward === 'number' && Number.isFinite(u.reward)) attrs['reward'] = u.reward;
    if (durationMs === null) attrs['duration.unknown'] = true;
    w.end({ spanId: invocationId, runId: this.sessionId, kind: 'agent', startMs, endMs: now, durationMs, status, attrs });
    if (this.#ended.size >= MAX_KNOWN) this.#ended.delete(this.#ended.values().next().value as string);
    this.#ended.add(invocationId);
  }

  /** Human or automated feedback on an invocation. */
  logSuccessMetric(invocationId: string, m: SuccessMetricInput): void {
    try {
      if (typeof invocationId !== 'string' || invocationId === '' || !m || typeof m !== 'object') {
        this.#bad('logSuccessMetric needs (invocationId, { success, qualityRating?, … })');
        return;
      }
      const w = this.#w;
      const known = this.#known.get(invocationId);
      const attrs: BaseAttributes = { 'target.kind': 'agent' };
      if (known) {
        attrs['gen_ai.agent.name'] = known.name;
        if (known.taskType !== undefined) attrs['task.type'] = known.taskType;
      }
      if (typeof m.feedbackNotes === 'string') attrs['feedback.notes'] = w.redact(m.feedbackNotes);
      if (typeof m.wouldUseAgain === 'boolean') attrs['would_use_again'] = m.wouldUseAgain;
      if (typeof m.alternativeAgentSuggested === 'string') attrs['alternative_agent_suggested'] = m.alternativeAgentSuggested;
      let rating: number | null = null;
      if (m.qualityRating !== undefined) {
        if (typeof m.qualityRating === 'number' && m.qualityRating >= 1 && m.qualityRating <= 5) rating = m.qualityRating;
        else this.#bad(`qualityRating must be 1–5, got ${JSON.stringify(m.qualityRating)}`);
      }
      const source = m.feedbackSource ?? 'human';
      w.feedback({
        spanId: invocationId,
        runId: known ? this.sessionId : null,
        success: typeof m.success === 'boolean' ? m.success : null,
        rating,
        source: FEEDBACK_SOURCES.includes(source) ? source : 'other',
        attrs,
        tsMs: Date.now(),
      });
    } catch (e: unknown) {
      this.#fail(e);
    }
  }

  /** A multi-agent workflow begins. */
  logWorkflowStart(workflowId: string, o: { projectName?: string; agentPlan?: string[]; estimatedDuration?: number } = {}): void {
    try {
      const attrs: BaseAttributes = { 'workflow.id': workflowId, 'session.id': this.sessionId };
      if (typeof o.estimatedDuration === 'number' && Number.isFinite(o.estimatedDuration)) attrs['workflow.estimated_duration_s'] = o.estimatedDuration;
      if (typeof o.projectName === 'string') attrs['project'] = o.projectName;
      if (Array.isArray(o.agentPlan)) attrs['workflow.agent_plan'] = o.agentPlan.filter((a) => typeof a === 'string');
      const now = Date.now();
      const spanId = workflowSpanId(workflowId);
      this.#workflows.set(workflowId, now);
      this.#w.start({ spanId, runId: spanId, kind: 'workflow', name: `workflow ${workflowId}`, parentId: null, startMs: now, attrs });
    } catch (e: unknown) {
      this.#fail(e);
    }
  }

  /** One agent hands its work to the next. */
  logAgentHandoff(workflowId: string, o: { fromAgent: string; toAgent: string; artifacts?: string[] }): void {
    try {
      const attrs: BaseAttributes = { from_agent: o.fromAgent, to_agent: o.toAgent };
      if (Array.isArray(o.artifacts)) attrs['artifacts'] = o.artifacts.filter((a) => typeof a === 'string').map(this.#w.redact);
      const spanId = workflowSpanId(workflowId);
      this.#w.point({ spanId, runId: spanId, name: 'agent_handoff', attrs, tsMs: Date.now() });
    } catch (e: unknown) {
      this.#fail(e);
    }
  }

  /** The workflow ends. */
  logWorkflowComplete(workflowId: string, o: { durationSeconds?: number; success: boolean; agentsExecuted?: string[] }): void {
    try {
      const now = Date.now();
      const started = this.#workflows.get(workflowId);
      const durationMs = typeof o.durationSeconds === 'number' && Number.isFinite(o.durationSeconds) ? o.durationSeconds * 1000 : started !== undefined ? now - started : null;
      const attrs: BaseAttributes = { 'workflow.id': workflowId, 'session.id': this.sessionId };
      if (Array.isArray(o.agentsExecuted)) attrs['workflow.agents_executed'] = o.agentsExecuted.filter((a) => typeof a === 'string');
      const spanId = workflowSpanId(workflowId);
      this.#w.end({ spanId, runId: spanId, kind: 'workflow', startMs: started ?? now - (durationMs ?? 0), endMs: now, durationMs, status: o.success ? 'success' : 'failure', attrs });
    } catch (e: unknown) {
      this.#fail(e);
    }
  }

  /** Write what is buffered (only in `buffered` durability). */
  flush(): void {
    this.#w.flush();
  }

  /** Write updates still waiting for a final status (as `unknown`), flush, and release the store. */
  close(): void {
    try {
      for (const [id, u] of this.#pending) this.#writeEnd(id, u);
      this.#pending.clear();
    } catch (e: unknown) {
      this.#fail(e);
    }
    this.#w.close();
  }

  #bad(message: string): void {
    this.#w.diagnostics.report({ code: 'E_SDK_BAD_ARGUMENT', message });
  }

  #fail(e: unknown): void {
    this.#w.diagnostics.report({ code: 'E_COMPAT_FAILED', message: e instanceof Error ? e.message : String(e), cause: e });
  }
}
