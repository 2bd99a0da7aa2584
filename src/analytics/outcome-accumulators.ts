/**
 * Accumulators of outcome-rated spans (runs, tasks, agent invocations): status counts, the
 * success rate with its Wilson interval, duration quantiles and the trend. Constant memory
 * per group; `merge` makes partial aggregates combine exactly. Formulas: docs/metrics.md.
 */
import type { SpanStatus } from '../model/events.js';
import type { FeedbackSummary, SpanSummary } from '../model/span.js';
import { numberAttr } from './attrs.js';
import { QuantileSketch, Summary, rate, wilsonInterval } from './stats.js';
import { SumAccumulator } from './sum-accumulator.js';
import type { AgentReport, DurationQuantiles, ModelCallReport, OutcomeReport, Trend } from './report-types.js';

/** Median and p95 of a sketch, or `null` when it is empty. */
export function quantiles(s: QuantileSketch): DurationQuantiles {
  const median = s.quantile(0.5);
  const p95 = s.quantile(0.95);
  return median === null || p95 === null ? null : { median, p95 };
}

/** The headline compared with the previous window. */
export function trend(current: number | null, previous: number | null, previousTotal: number): Trend {
  return {
    previous,
    delta: current !== null && previous !== null ? current - previous : null,
    previous_total: previousTotal,
  };
}

/**
 * Duration of an ended span when it is a usable number: the one reading of a duration for
 * every report, the insight metrics and the seed analyses. A span whose writer did not know
 * its duration (`duration.unknown`, e.g. imported sub-agent telemetry) folds to a null
 * duration and so has none.
 */
export function endedDuration(span: SpanSummary): number | undefined {
  if (span.state !== 'ended' || span.durationMs === null) return undefined;
  return Number.isFinite(span.durationMs) && span.durationMs >= 0 ? span.durationMs : undefined;
}

/** The outcome of an ended span: 1 success, 0 failure, undefined otherwise (the success rate's reading). */
export function outcomeOf(span: SpanSummary): 1 | 0 | undefined {
  if (span.state !== 'ended') return undefined;
  return span.status === 'success' ? 1 : span.status === 'failure' ? 0 : undefined;
}

/** Outcome counts, success rate and durations of one span kind. */
export class OutcomeAccumulator {
  total = 0;
  open = 0;
  abandoned = 0;
  readonly statuses: Record<SpanStatus, number> = {
    success: 0,
    failure: 0,
    partial: 0,
    unknown: 0,
    skipped: 0,
    cancelled: 0,
  };
  readonly durations = new QuantileSketch();

  add(span: SpanSummary): void {
    this.total++;
    if (span.state === 'open') this.open++;
    else if (span.state === 'abandoned') this.abandoned++;
    // An ended span always has a status; `unknown` guards readers of older folds.
    else this.statuses[span.status ?? 'unknown']++;
    const d = endedDuration(span);
    if (d !== undefined) this.durations.add(d);
  }

  get successRate(): number | null {
    return rate(this.statuses.success, this.statuses.failure);
  }

  merge(o: OutcomeAccumulator): void {
    this.total += o.total;
    this.open += o.open;
    this.abandoned += o.abandoned;
    for (const k of Object.keys(this.statuses) as SpanStatus[]) this.statuses[k] += o.statuses[k];
    this.durations.merge(o.durations);
  }

  build(prev: OutcomeAccumulator): OutcomeReport {
    const s = this.statuses;
    return {
      total: this.total,
      success: s.success,
      failure: s.failure,
      partial: s.partial,
      unknown: s.unknown,
      skipped: s.skipped,
      cancelled: s.cancelled,
      open: this.open,
      abandoned: this.abandoned,
      success_rate: this.successRate,
      success_rate_ci: wilsonInterval(s.success, s.success + s.failure),
      duration_ms: quantiles(this.durations),
      trend: trend(this.successRate, prev.successRate, prev.total),
    };
  }
}

/**
 * The retries a debugging cycle stands for: its fix attempts (`debug.attempts`, else its
 * attempt point events), when an agent led it (a string `gen_ai.agent.name`, empty included),
 * whatever its state. One definition for `report` and `report orchestrator`.
 */
export function retriesOf(debug: SpanSummary): number {
  if (debug.kind !== 'debug' || typeof debug.attrs['gen_ai.agent.name'] !== 'string') return 0;
  return numberAttr(debug.attrs, 'debug.attempts') ?? debug.pointEvents;
}

/** Agent invocations: outcomes plus retries, the declared sums (tokens, cost) and feedback on agents. */
export class AgentAccumulator {
  readonly outcome = new OutcomeAccumulator();
  retries = 0;
  readonly sums = new SumAccumulator('agents');
  readonly ratings = new Summary();
  feedbackSuccess = 0;
  feedbackFailure = 0;

  add(span: SpanSummary): void {
    this.outcome.add(span);
    this.sums.add(span);
  }

  /**
   * A debugging cycle's fix attempts are its agent's retries (the orchestrator seed's
   * definition, docs/metrics.md): a repeated start of an agent is another attempt, not a retry.
   */
  addRetries(debug: SpanSummary): void {
    this.retries += retriesOf(debug);
  }

  addFeedback(f: FeedbackSummary): void {
    if (f.rating !== null) this.ratings.add(f.rating);
    if (f.success === true) this.feedbackSuccess++;
    else if (f.success === false) this.feedbackFailure++;
  }

  merge(o: AgentAccumulator): void {
    this.outcome.merge(o.outcome);
    this.retries += o.retries;
    this.sums.merge(o.sums);
    this.ratings.merge(o.ratings);
    this.feedbackSuccess += o.feedbackSuccess;
    this.feedbackFailure += o.feedbackFailure;
  }

  build(prev: AgentAccumulator): AgentReport {
    const report = {
      ...this.outcome.build(prev.outcome),
      invocations: this.outcome.total,
      retries: this.retries,
    } as Record<string, unknown>;
    this.sums.writeInto(report);
    report['quality'] = { ratings: this.ratings.count, mean: this.ratings.mean };
    report['feedback_success_rate'] = rate(this.feedbackSuccess, this.feedbackFailure);
    return report as unknown as AgentReport;
  }
}


/** Model calls: outcomes and the declared sums (tokens, cost), counted once per call. */
export class ModelCallAccumulator {
  readonly outcome = new OutcomeAccumulator();
  readonly sums = new SumAccumulator('model_calls');

  add(span: SpanSummary): void {
    this.outcome.add(span);
    this.sums.add(span);
  }

  merge(o: ModelCallAccumulator): void {
    this.outcome.merge(o.outcome);
    this.sums.merge(o.sums);
  }

  build(prev: ModelCallAccumulator): ModelCallReport {
    const report = { ...this.outcome.build(prev.outcome) } as Record<string, unknown>;
    this.sums.writeInto(report);
    return report as unknown as ModelCallReport;
  }
}
