import type { FeedbackSource, JsonValue, SpanStatus } from '../model/events.js';
import type { RedactOptions } from '../model/redact.js';
import type { Diagnostic } from '../model/diagnostics.js';
import type { Durability } from '../store/index.js';

/** Options of `createMeter`. */
export interface MeterOptions {
  /** Store root. Default: `AGENTMETER_DIR`, else `./.agentmeter`. */
  dir?: string;
  /**
   * `buffered` (default): batched writes, flushed every `flushIntervalMs`, at 64 KiB, on exit
   * and on SIGINT/SIGTERM; `flush`: one write per event (survives a process crash);
   * `sync`: fsync per event (survives power loss). See docs/durability.md.
   */
  durability?: Durability;
  /**
   * With `flush` or `sync`: append to one segment per day named `<sharedSegment>.jsonl`,
   * shared with other processes that name it too (whole lines under an append lock), instead
   * of a segment of this process's own. For short-lived processes that record a few events
   * each, such as a CLI call, so a store is not one file per call (docs/durability.md).
   */
  sharedSegment?: string;
  /** Environment tag on every event. Default: `AGENTMETER_ENV`, else `dev`. */
  env?: string;
  /** Extra redaction patterns and limits; redaction itself cannot be turned off. */
  redact?: RedactOptions;
  /** `false` returns a no-op meter (also when `AGENTMETER_DISABLED=1`). */
  enabled?: boolean;
  /** Buffered mode flush interval. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Where problems go. Default: one line on stderr per distinct problem. */
  onDiagnostic?: (d: Diagnostic) => void;
  /**
   * Clock for timestamps and durations, Unix ms. Default: the system clock for timestamps
   * and a monotonic clock for durations. Importers and the demo generator replay history
   * through it.
   */
  clock?: () => number;
}

/** LLM configuration of a run (OpenTelemetry GenAI request attributes). */
export interface LlmConfig {
  provider?: string;
  model?: string;
  temperature?: number;
}

/** Options of `meter.startRun`. */
export interface RunOptions {
  /** Project or repository the run works on. */
  project: string;
  llm?: LlmConfig;
  /** How the host was started, e.g. `implement_all`. */
  mode?: string;
  tags?: Record<string, string>;
  /** The host's own id for the run, kept as `run.key`. */
  key?: string;
  /** Extra attributes (strings are redacted). */
  attrs?: Record<string, unknown>;
}

/** Status words accepted by `end`: the canonical ones or the seeds' (`completed`, `failed` …). */
export type StatusInput = SpanStatus | 'completed' | 'failed' | 'stopped' | 'canceled' | 'error' | (string & {});

/** An error as passed to `end`: a message, an `Error`, or a type and message. */
export type ErrorInput = string | Error | { type?: string; message?: string };

/** Options of `run.end` and `task.end`. */
export interface EndOptions {
  status: StatusInput;
  error?: ErrorInput;
  attrs?: Record<string, unknown>;
}

/** Options of `run.startTask`. */
export interface TaskOptions {
  /** The host's key: issue number, ticket id. */
  key: string | number;
  /** Task category, e.g. `bug_fix`. */
  type?: string;
  /** Short description; redacted and truncated. */
  description?: string;
  attrs?: Record<string, unknown>;
}

/** Options of `startAgent`. */
export interface AgentOptions {
  name: string;
  /** Agent category, e.g. `development`, `quality`. */
  type?: string;
  /** Model for this invocation when it differs from the run's. */
  model?: string;
  /** Short task description; redacted and truncated. Prompts are never recorded. */
  description?: string;
  attrs?: Record<string, unknown>;
}

/** Token usage: a total, or input and output. */
export type TokensInput = number | { input?: number; output?: number };

/** Options of `agent.end`. */
export interface AgentEndOptions {
  status: 'success' | 'failure' | 'partial' | 'unknown' | StatusInput;
  error?: ErrorInput;
  tokens?: TokensInput;
  costUsd?: number;
  filesModified?: string[];
  filesCreated?: string[];
  toolsUsed?: string[];
  attrs?: Record<string, unknown>;
}

/** Options of `task.recordPipeline`. */
export interface PipelineOptions {
  /** CI provider's pipeline id. */
  id: string | number;
  /** `success`, `failed`, `canceled`, `skipped` … */
  status: StatusInput;
  commit?: string;
  /** What triggered it: an agent name, `push` … */
  triggeredBy?: string;
  name?: string;
  durationMs?: number;
  attrs?: Record<string, unknown>;
}

/** Options of `task.startDebug`. */
export interface DebugOptions {
  /** Agent doing the fixing. */
  agent: string;
  /** Error class, e.g. `test_failure`. */
  errorType: string;
  /** Error text; redacted and truncated. */
  errorMessage?: string;
  attrs?: Record<string, unknown>;
}

/** Options of `recordOptimization`: the automation-metrics seed's fields. */
export interface OptimizationOptions {
  operation: string;
  variantsGenerated: number;
  validated: number;
  promoted: number;
  baselineLatencyMs?: number | null;
  optimizedLatencyMs?: number | null;
  wallclockSeconds: number;
  autotuneSamples?: number;
  validationFailures?: number;
  searchDepth?: number;
  /** Default: `success` when something was promoted, else `failure`. */
  status?: StatusInput;
  attrs?: Record<string, unknown>;
}

/** Options of `meter.feedback`. */
export interface FeedbackOptions {
  success?: boolean;
  /** Quality rating 1–5. */
  rating?: number;
  source?: FeedbackSource;
  /** Free text; redacted and truncated. */
  notes?: string;
  wouldUseAgain?: boolean;
  /** Agent that would have been a better choice. */
  alternative?: string;
  attrs?: Record<string, unknown>;
}

/** Anything with a span id: every handle. */
export interface SpanRef {
  readonly id: string;
}

/** Counters of one meter. */
export interface MeterStats {
  /** Events handed to the store. */
  recorded: number;
  /** Events whose bytes reached the OS (fsync'd in `sync` mode). */
  written: number;
  /** Events that could not be written (e.g. disk full), never silently. */
  dropped: number;
  /** Calls with a wrong argument (recorded as well as possible, and reported once). */
  badArguments: number;
  /** Diagnostics by code. */
  diagnostics: Record<string, number>;
}

/** Extra attribute values accepted from callers. */
export type ExtraAttributes = Record<string, JsonValue | undefined>;

/** One agent invocation. */
export interface AgentInvocation extends SpanRef {
  /** Finish the invocation with its outcome, tokens, cost, files … */
  end(options: AgentEndOptions): void;
}

/** One debugging cycle. */
export interface DebugCycle extends SpanRef {
  /** Record one fix attempt. */
  attempt(attrs?: Record<string, unknown>): void;
  /** Finish the cycle. */
  end(options: { resolved: boolean; attrs?: Record<string, unknown> }): void;
}

/** One task (an issue, a ticket). */
export interface Task extends SpanRef {
  startAgent(options: AgentOptions): AgentInvocation;
  recordPipeline(options: PipelineOptions): SpanRef;
  startDebug(options: DebugOptions): DebugCycle;
  end(options: EndOptions): void;
}

/** One run of the host system. */
export interface Run extends SpanRef {
  /** Trace id shared by the run's spans (equal to `id`). */
  readonly runId: string;
  startTask(options: TaskOptions): Task;
  startAgent(options: AgentOptions): AgentInvocation;
  recordOptimization(options: OptimizationOptions): SpanRef;
  end(options: EndOptions): void;
}
