/**
 * The agentmeter event format: the contract every writer and reader shares.
 *
 * These types are the single source of truth: `npm run gen:schema` derives
 * `schema/event.schema.json` and the runtime validator from them, and a test fails when the
 * committed schema drifts from these declarations. See docs/event-format.md.
 */

/** Schema version written in `v` by this release. Readers accept any version up to it. */
export const SCHEMA_VERSION = 1 as const;

/** What a span is. */
export type SpanKind =
  | 'run'
  | 'task'
  | 'agent'
  | 'pipeline'
  | 'debug'
  | 'optimization'
  | 'workflow'
  | 'tool'
  | 'llm';

/**
 * Canonical outcome of a finished span. Writers may pass their own words (`completed`,
 * `failed`, `stopped`, `canceled` …); `normalizeStatus` maps them here and keeps the
 * original in the `status.detail` attribute.
 */
export type SpanStatus = 'success' | 'failure' | 'partial' | 'unknown' | 'skipped' | 'cancelled';

/** Who produced a piece of feedback. */
export type FeedbackSource =
  | 'human'
  | 'automated_tests'
  | 'build_system'
  | 'linter'
  | 'llm_judge'
  | 'other';

/** Any JSON value that may appear in attributes. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Attributes of any span. Known keys are typed per kind below; any other key is allowed so
 * writers can add their own context (`state_features`, custom tags …).
 */
export interface BaseAttributes {
  /** Project or repository the work belongs to. Inherited by every span of a run. */
  project?: string;
  /** LLM provider (OpenTelemetry GenAI). Inherited from the run unless overridden. */
  'gen_ai.provider.name'?: string;
  /** Requested model (OpenTelemetry GenAI). Inherited from the run unless overridden. */
  'gen_ai.request.model'?: string;
  /** Sampling temperature (OpenTelemetry GenAI). Inherited from the run unless overridden. */
  'gen_ai.request.temperature'?: number | null;
  /** The writer's own status word when it differs from the canonical `status`. */
  'status.detail'?: string;
  /** Error class, e.g. `test_failure`, `timeout` (OpenTelemetry `error.type`). */
  'error.type'?: string;
  /** Redacted, truncated error message. */
  'error.message'?: string;
  [key: string]: JsonValue | undefined;
}

/** A run: one execution of a host system; the root of a trace. */
export interface RunAttributes extends BaseAttributes {
  /** How the host was started, e.g. `implement_all`. */
  mode?: string;
  /** Free-form labels. */
  tags?: { [key: string]: string };
  /** The host's own id for the run (e.g. `run_20241203_143022_project_168`). */
  'run.key'?: string;
}

/** A task: one unit of requested work (an issue, a ticket, an operation). */
export interface TaskAttributes extends BaseAttributes {
  /** The host's key for the task: issue number, ticket id. */
  'task.key'?: string;
  /** Task category, e.g. `bug_fix`, `feature_development`. */
  'task.type'?: string;
  /** The issue number, when the key is one (the orchestrator seed's name). */
  issue_iid?: number;
}

/** One agent invocation. */
export interface AgentAttributes extends BaseAttributes {
  /** Agent name (OpenTelemetry GenAI). */
  'gen_ai.agent.name'?: string;
  /** Agent category, e.g. `development`, `quality`. */
  'agent.type'?: string;
  /** 1-based attempt number of this agent within its task; attempts above 1 are retries. */
  'agent.attempt'?: number;
  /** Task category copied from the parent task, for grouping. */
  'task.type'?: string;
  'gen_ai.usage.input_tokens'?: number | null;
  'gen_ai.usage.output_tokens'?: number | null;
  /** Cost in US dollars. */
  cost_usd?: number | null;
  files_modified?: string[];
  files_created?: string[];
  tools_used?: string[];
  /** Redacted, truncated task description (off unless the writer opts in to text). */
  task_description?: string;
}

/** One CI pipeline attempt. */
export interface PipelineAttributes extends BaseAttributes {
  'cicd.pipeline.run.id'?: string;
  'cicd.pipeline.name'?: string;
  /** OpenTelemetry CICD result: success, failure, error, timeout, cancellation, skip. */
  'cicd.pipeline.result'?: string;
  'vcs.ref.head.revision'?: string;
  /** What triggered the attempt: an agent name, `push`, `schedule` … */
  'cicd.pipeline.trigger'?: string;
  /** 1-based attempt number within its task; attempt 1 decides the first-attempt pass rate. */
  'pipeline.attempt'?: number;
}

/** One debugging cycle: an error, the fix attempts, resolved or not. */
export interface DebugAttributes extends BaseAttributes {
  'gen_ai.agent.name'?: string;
  /** Number of fix attempts (written on end). */
  'debug.attempts'?: number;
  /** Whether the error was fixed (written on end). */
  'debug.resolved'?: boolean;
}

/** One optimisation session (kernel autotuning and the like); the automation seed's fields. */
export interface OptimizationAttributes extends BaseAttributes {
  operation?: string;
  variants_generated?: number | null;
  validated?: number | null;
  promoted?: number | null;
  validation_failures?: number | null;
  autotune_samples?: number | null;
  search_depth?: number | null;
  baseline_latency_ms?: number | null;
  optimized_latency_ms?: number | null;
  wallclock_seconds?: number | null;
}

/** A multi-agent workflow. */
export interface WorkflowAttributes extends BaseAttributes {
  'workflow.agent_plan'?: string[];
  'workflow.agents_executed'?: string[];
}

/** A tool call. */
export interface ToolAttributes extends BaseAttributes {
  'gen_ai.tool.name'?: string;
  'gen_ai.tool.call.id'?: string;
}

/** A single LLM call. */
export interface LlmAttributes extends BaseAttributes {
  'gen_ai.response.model'?: string;
  'gen_ai.usage.input_tokens'?: number | null;
  'gen_ai.usage.output_tokens'?: number | null;
  cost_usd?: number | null;
}

/** Fields every event carries. */
export interface EventEnvelope {
  /** Schema version. */
  v: number;
  /** UUIDv7: unique, time-ordered; the dedupe key everywhere. */
  id: string;
  /** UTC ISO-8601 with `Z`, millisecond precision: when the event happened. */
  ts: string;
}

/** Fields that identify a span and place it in its trace. */
export interface SpanIdentity {
  span_id: string;
  /** The run (trace) this span belongs to; a run's own `run_id` is its `span_id`. */
  run_id: string;
  /** Environment tag, e.g. `prod`, `dev`, `test`, `demo`: keeps test data out of real reports. */
  env: string;
}

interface SpanStartOf<K extends SpanKind, A> extends EventEnvelope, SpanIdentity {
  type: 'span.start';
  kind: K;
  name: string;
  parent_id: string | null;
  attrs: A;
}

interface SpanEndOf<K extends SpanKind, A> extends EventEnvelope, SpanIdentity {
  type: 'span.end';
  kind: K;
  /** When the span started (copied from its start, so an end is meaningful alone). */
  start_ts: string;
  /** Duration from a monotonic clock, in milliseconds. */
  duration_ms: number | null;
  status: SpanStatus;
  /** Attributes known at the end; merged over the start's. */
  attrs: A;
}

interface SpanCompleteOf<K extends SpanKind, A> extends EventEnvelope, SpanIdentity {
  type: 'span';
  kind: K;
  name: string;
  parent_id: string | null;
  start_ts: string;
  duration_ms: number | null;
  status: SpanStatus;
  attrs: A;
}

/** Attribute type of each kind. */
export interface AttributesByKind {
  run: RunAttributes;
  task: TaskAttributes;
  agent: AgentAttributes;
  pipeline: PipelineAttributes;
  debug: DebugAttributes;
  optimization: OptimizationAttributes;
  workflow: WorkflowAttributes;
  tool: ToolAttributes;
  llm: LlmAttributes;
}

/** A span has begun. */
export type SpanStartEvent = { [K in SpanKind]: SpanStartOf<K, AttributesByKind[K]> }[SpanKind];
/** A span has finished. */
export type SpanEndEvent = { [K in SpanKind]: SpanEndOf<K, AttributesByKind[K]> }[SpanKind];
/** A span recorded whole, start and end in one event. */
export type SpanCompleteEvent = { [K in SpanKind]: SpanCompleteOf<K, AttributesByKind[K]> }[SpanKind];

/** Something that happened inside a span, e.g. one fix attempt of a debugging cycle. */
export interface SpanPointEvent extends EventEnvelope, SpanIdentity {
  type: 'span.event';
  /** What happened, e.g. `debug.attempt`. */
  name: string;
  attrs: BaseAttributes;
}

/** Attributes of a feedback event. */
export interface FeedbackAttributes extends BaseAttributes {
  /** Redacted free-text notes. */
  'feedback.notes'?: string;
  would_use_again?: boolean | null;
  alternative_agent_suggested?: string;
  /** Kind of the span the feedback is about, when the writer knew it. */
  'target.kind'?: SpanKind;
  'gen_ai.agent.name'?: string;
  'task.type'?: string;
}

/** A score on a span. Several feedback events for one span: the last one wins. */
export interface FeedbackEvent extends EventEnvelope {
  type: 'feedback';
  /** The span the feedback is about. */
  span_id: string;
  run_id: string | null;
  env: string;
  success: boolean | null;
  /** Quality rating 1–5. */
  rating: number | null;
  source: FeedbackSource;
  attrs: FeedbackAttributes;
}

/** Any event agentmeter writes or reads. */
export type AgentmeterEvent =
  | SpanStartEvent
  | SpanEndEvent
  | SpanCompleteEvent
  | SpanPointEvent
  | FeedbackEvent;

/** Every `type` value. */
export type EventType = AgentmeterEvent['type'];

/** Every span kind, in report order. */
export const SPAN_KINDS: readonly SpanKind[] = [
  'run',
  'task',
  'agent',
  'pipeline',
  'debug',
  'optimization',
  'workflow',
  'tool',
  'llm',
];

/** Every canonical status. */
export const SPAN_STATUSES: readonly SpanStatus[] = [
  'success',
  'failure',
  'partial',
  'unknown',
  'skipped',
  'cancelled',
];

/** Every feedback source. */
export const FEEDBACK_SOURCES: readonly FeedbackSource[] = [
  'human',
  'automated_tests',
  'build_system',
  'linter',
  'llm_judge',
  'other',
];
