/**
 * The metrics `compare`, `trends` and `anomalies` work on, and how one span (or piece of
 * feedback) yields one observation of each: 1/0 for a rate, a number for the others.
 * Definitions match docs/metrics.md, so a compared rate equals the rate `report` shows.
 */
import type { BaseAttributes, SpanKind } from '../model/events.js';
import type { Feedback, SpanSummary } from '../model/span.js';
import { utcDay } from '../model/time.js';
import { keyAttr, numberAttr } from './attrs.js';
import { sumDef } from '../model/metric-defs.js';
import { endedDuration, outcomeOf } from './outcome-accumulators.js';

const COST_ATTR = sumDef('cost_usd').attr;
import { GROUP_BY_VALUES } from './report-types.js';

/** Metrics that can be compared, trended and watched. */
export const METRICS = ['success_rate', 'first_attempt_pass_rate', 'duration', 'cost', 'quality', 'speedup'] as const;
export type Metric = (typeof METRICS)[number];

/** How a metric is tested and shown. */
export interface MetricSpec {
  /** Span kind observed by default (quality is read from feedback on agents). */
  kind: SpanKind;
  /**
   * `proportion`: 0/1 outcomes; `rank`: skewed positive values (medians); `bootstrap`:
   * skewed values whose mean matters (costs); `mean`: ratings; `logmean`: ratios.
   */
  test: 'proportion' | 'rank' | 'bootstrap' | 'mean' | 'logmean';
  better: 'higher' | 'lower';
  /** Unit of one observation's value. */
  unit: 'rate' | 'ms' | 'usd' | 'rating' | 'ratio';
  /** What one observation is called, plural. */
  noun: string;
  /** The verdict's word for "better": faster, cheaper … */
  betterWord: string;
  /** What a ratio is a ratio of, in verdicts (`× the median duration`). */
  ratioOf?: string;
  /**
   * Smallest difference worth finding, for power and for "no detectable difference":
   * points for rates, rating points for quality, a relative change for the others.
   */
  minEffect: number;
}

/** The metric table. Min effects: 5 points of a rate, 10 % of a duration or cost, ¼ star, 5 % of a speedup. */
export const METRIC_SPECS: Readonly<Record<Metric, MetricSpec>> = {
  success_rate: { kind: 'agent', test: 'proportion', better: 'higher', unit: 'rate', noun: 'invocations', betterWord: 'better', minEffect: 0.05 },
  first_attempt_pass_rate: { kind: 'pipeline', test: 'proportion', better: 'higher', unit: 'rate', noun: 'first attempts', betterWord: 'better', minEffect: 0.05 },
  duration: { kind: 'agent', test: 'rank', better: 'lower', unit: 'ms', noun: 'invocations', betterWord: 'faster', ratioOf: 'the median duration', minEffect: 0.1 },
  cost: { kind: 'agent', test: 'bootstrap', better: 'lower', unit: 'usd', noun: 'invocations', betterWord: 'cheaper', ratioOf: 'the mean cost', minEffect: 0.1 },
  quality: { kind: 'agent', test: 'mean', better: 'higher', unit: 'rating', noun: 'ratings', betterWord: 'better rated', minEffect: 0.25 },
  speedup: { kind: 'optimization', test: 'logmean', better: 'higher', unit: 'ratio', noun: 'sessions', betterWord: 'faster', ratioOf: 'the geometric-mean speedup', minEffect: 0.05 },
};

/** Kinds whose success rate (or duration, cost) can be observed. */
export const OUTCOME_KINDS: readonly SpanKind[] = ['run', 'task', 'agent', 'pipeline', 'debug', 'optimization', 'llm', 'tool'];

/**
 * One observation of `metric` from a span, or `undefined` when the span says nothing about
 * it (another kind, still open, partial or unknown outcome, no cost recorded …). `kind`
 * overrides the metric's default kind for success rate, duration and cost.
 *
 * @example
 * observe('success_rate', span) // 1 for a successful agent invocation, 0 for a failed one
 */
export function observe(metric: Metric, s: SpanSummary, kind: SpanKind = METRIC_SPECS[metric].kind): number | undefined {
  if (metric === 'quality') return undefined;
  if (metric === 'first_attempt_pass_rate') {
    if (s.kind !== 'pipeline' || s.state !== 'ended' || numberAttr(s.attrs, 'pipeline.attempt') !== 1) return undefined;
    return s.status === 'success' ? 1 : 0;
  }
  if (metric === 'speedup') {
    if (s.kind !== 'optimization') return undefined;
    const base = numberAttr(s.attrs, 'baseline_latency_ms');
    const opt = numberAttr(s.attrs, 'optimized_latency_ms');
    // Offline sessions write 0 ms: no ratio, as in the report's geometric mean.
    return base !== undefined && opt !== undefined && base > 0 && opt > 0 ? base / opt : undefined;
  }
  if (s.kind !== kind || s.state !== 'ended') return undefined;
  if (metric === 'success_rate') {
    if (s.kind === 'debug') return s.attrs['debug.resolved'] === true || s.status === 'success' ? 1 : 0;
    return outcomeOf(s);
  }
  if (metric === 'duration') return endedDuration(s);
  // The cost a report sums (the declared `cost_usd` sum), one invocation at a time.
  const cost = numberAttr(s.attrs, COST_ATTR);
  return cost !== undefined && cost >= 0 ? cost : undefined;
}

/**
 * The rating of a piece of feedback on an agent, for the quality metric.
 *
 * @example
 * observeFeedback(feedback) // 4
 */
export function observeFeedback(f: Feedback): number | undefined {
  const target = f.attrs['target.kind'];
  if (target !== undefined && target !== 'agent') return undefined;
  return f.rating !== null && Number.isFinite(f.rating) ? f.rating : undefined;
}

/** Dimensions observations can be grouped by: the report's, plus `variant`. */
export const DIMENSIONS = [...GROUP_BY_VALUES, 'variant'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

const DIMENSION_ATTRS: Readonly<Record<string, readonly string[]>> = {
  model: ['gen_ai.request.model'],
  agent: ['gen_ai.agent.name'],
  task_type: ['task.type'],
  operation: ['operation'],
  project: ['project'],
  temperature: ['gen_ai.request.temperature'],
  tool: ['gen_ai.tool.name'],
  // The sub-agent seed writes `agent_variant`; `variant` is the plain spelling.
  variant: ['agent_variant', 'variant'],
};

/**
 * The value of a dimension for a span or feedback, or `undefined` when it lacks it.
 *
 * @example
 * dimensionValue('model', span.attrs, span.startMs, span.env) // 'gpt-4.1'
 */
export function dimensionValue(by: Dimension, attrs: BaseAttributes, ms: number, env: string): string | undefined {
  if (by === 'day') return utcDay(ms);
  if (by === 'env') return env;
  for (const key of DIMENSION_ATTRS[by] ?? []) {
    const v = keyAttr(attrs, key);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * Whether a string names a dimension.
 *
 * @example
 * isDimension('variant') // true
 */
export function isDimension(s: string): s is Dimension {
  return (DIMENSIONS as readonly string[]).includes(s);
}
