/**
 * The report as data. These snake_case names ARE the documented `--json` contract
 * (docs/metrics.md): renaming a key is a breaking change. Rates are fractions in [0, 1],
 * durations are milliseconds, timestamps are UTC ISO-8601 with `Z`. Summed fields (tokens,
 * cost, variant counts) are typed from their declarations in `metric-defs.ts`.
 */
import type { SectionSums } from '../model/metric-defs.js';

/** Dimension a report can be grouped by (`--by`). */
export type GroupBy = 'model' | 'agent' | 'task_type' | 'operation' | 'project' | 'day' | 'env' | 'temperature' | 'tool';

/** Every `GroupBy` value, for argument validation. */
export const GROUP_BY_VALUES: readonly GroupBy[] = [
  'model',
  'agent',
  'task_type',
  'operation',
  'project',
  'day',
  'env',
  'temperature',
  'tool',
];

/** A 95 % Wilson score interval `[low, high]`, or `null` without trials. */
export type Interval = [number, number] | null;

/** Median and 95th percentile from the quantile sketch (±1 % relative), or `null` without data. */
export type DurationQuantiles = { median: number; p95: number } | null;

/**
 * The headline figure of a section compared with the previous window of equal length:
 * `previous` is the previous window's value, `delta` = current − previous (rate points as a
 * fraction for rates, a ratio difference for speedups), `previous_total` the previous
 * window's volume, so a delta over 3 samples can be told from one over 3,000.
 */
export interface Trend {
  previous: number | null;
  delta: number | null;
  previous_total: number;
}

/** Outcome counts and the success rate of one span kind (runs, tasks). */
export interface OutcomeReport {
  /** Every span of the kind started in the window, open and abandoned included. */
  total: number;
  success: number;
  failure: number;
  partial: number;
  unknown: number;
  skipped: number;
  cancelled: number;
  /** Started, not ended, run still live. */
  open: number;
  /** Started, never ended, run ended or open timeout passed. */
  abandoned: number;
  /** success / (success + failure); `null` when both are 0. */
  success_rate: number | null;
  success_rate_ci: Interval;
  duration_ms: DurationQuantiles;
  /** Compares `success_rate`. */
  trend: Trend;
}

/** The agent section's declared sums: `tokens.input`, `tokens.output`, `cost_usd`. */
export type AgentSums = SectionSums<'agents'>;

/** Agent invocations: outcome figures plus retries, the declared sums and feedback. */
export interface AgentReport extends OutcomeReport, AgentSums {
  /** = total. */
  invocations: number;
  /** Invocations with `agent.attempt` > 1. */
  retries: number;
  quality: { ratings: number; mean: number | null };
  /** Share of agent feedback with success true among feedback with success true or false. */
  feedback_success_rate: number | null;
}

/** The model-call section's declared sums: `tokens.input`, `tokens.output`, `cost_usd`. */
export type ModelCallSums = SectionSums<'model_calls'>;

/**
 * Model calls (spans of kind `llm`: AI SDK `doGenerate`/`doStream`, GenAI `chat`,
 * `text_completion`, `generate_content`, OpenInference `LLM`): outcome figures and the
 * tokens and cost summed over the calls.
 */
export interface ModelCallReport extends OutcomeReport, ModelCallSums {}

/** Tool calls (spans of kind `tool`): outcome figures. */
export type ToolCallReport = OutcomeReport;

/** CI pipeline attempts. */
export interface PipelineReport {
  total: number;
  /** Ended with status success. */
  passed: number;
  /** Ended with status failure. */
  failed: number;
  /** Ended with any other status (partial, unknown, skipped, cancelled). */
  other: number;
  open: number;
  abandoned: number;
  /** passed / (passed + failed). */
  pass_rate: number | null;
  pass_rate_ci: Interval;
  /** Ended attempts numbered 1 (`tasks`) and how many of them passed. */
  first_attempt: { tasks: number; passed: number };
  first_attempt_pass_rate: number | null;
  first_attempt_pass_rate_ci: Interval;
  /** Compares `pass_rate`. */
  trend: Trend;
}

/** Debugging cycles. */
export interface DebuggingReport {
  cycles: number;
  /** `debug.resolved` true or status success. */
  resolved: number;
  /** Ended and not resolved. */
  unresolved: number;
  open: number;
  abandoned: number;
  /** resolved / (resolved + unresolved). */
  resolution_rate: number | null;
  resolution_rate_ci: Interval;
  /** Mean over ended cycles of `debug.attempts`, else the count of point events. */
  attempts_per_cycle: number | null;
  /** Duration of resolved cycles. */
  time_to_resolve_ms: DurationQuantiles;
  /** cycles / tasks in the same window and group; `null` without tasks. */
  cycles_per_task: number | null;
}

/** The optimisation section's declared sums: variants generated, validated, promoted … */
export type OptimizationSums = SectionSums<'optimizations'>;

/** Optimisation sessions (the kernel-autotuning seed's fields). */
export interface OptimizationReport extends OptimizationSums {
  sessions: number;
  open: number;
  abandoned: number;
  /** validated / variants_generated. */
  validation_rate: number | null;
  /** promoted / validated. */
  promotion_rate: number | null;
  /** Geometric mean of baseline_latency_ms / optimized_latency_ms. */
  speedup_geomean: number | null;
  /** Sessions with both latencies finite and > 0. */
  speedup_sessions: number;
  /** Sessions with a missing, zero or non-finite latency: counted apart, never divided by. */
  sessions_without_baseline: number;
  /** Σ (baseline − optimized) over the speedup sessions. */
  latency_saved_ms: number;
  wallclock_seconds: { total: number; mean: number | null };
  /** Compares `speedup_geomean`. */
  trend: Trend;
}

/** Feedback in the window. */
export interface FeedbackReport {
  count: number;
  success_rate: number | null;
  mean_rating: number | null;
}

/** The sections a group repeats. */
export interface SectionReports {
  runs: OutcomeReport;
  tasks: OutcomeReport;
  agents: AgentReport;
  pipelines: PipelineReport;
  debugging: DebuggingReport;
  optimizations: OptimizationReport;
  model_calls: ModelCallReport;
  tool_calls: ToolCallReport;
}

/** One row of a grouped report. */
export interface GroupReport extends SectionReports {
  /** The group's value, `(none)` when the span lacks it. */
  key: string;
}

/** A line the reader skipped, for the report's warning. */
export interface SkippedSample {
  file: string;
  line: number;
  reason: string;
}

/** A whole report (`agentmeter report --json`). */
export interface Report extends SectionReports {
  window: { since: string; until: string; previous_since: string };
  envs: { included: string[] | 'all'; excluded: Record<string, number> };
  generated_at: string;
  /** Present when grouped: the dimension. */
  by?: GroupBy;
  feedback: FeedbackReport;
  skipped_lines: number;
  skipped_samples: SkippedSample[];
  /** Present when grouped; sorted by volume (spans in the window), descending. */
  groups?: GroupReport[];
}
