/**
 * Accumulators of the work the seeds track beyond outcomes: CI pipeline attempts (with the
 * first-attempt pass rate), debugging cycles and optimisation sessions. Constant memory per
 * group; `merge` makes partial aggregates combine exactly. Formulas: docs/metrics.md.
 */
import type { OptimizationParts, SummaryParts } from '../model/aggregate.js';
import type { SpanSummary } from '../model/span.js';
import { numberAttr } from './attrs.js';
import { endedDuration, quantiles, trend } from './outcome-accumulators.js';
import { GeoMean, QuantileSketch, Summary, rate, wilsonInterval } from './stats.js';
import { SumAccumulator } from './sum-accumulator.js';
import type { DebuggingReport, OptimizationReport, PipelineReport } from './report-types.js';
import type { SectionSums } from '../model/metric-defs.js';

/** CI pipeline attempts, with the first-attempt pass rate. */
export class PipelineAccumulator {
  total = 0;
  passed = 0;
  failed = 0;
  other = 0;
  open = 0;
  abandoned = 0;
  firstAttempts = 0;
  firstAttemptsPassed = 0;

  add(span: SpanSummary): void {
    this.total++;
    if (span.state === 'open') this.open++;
    else if (span.state === 'abandoned') this.abandoned++;
    else if (span.status === 'success') this.passed++;
    else if (span.status === 'failure') this.failed++;
    else this.other++;
    // A first attempt that is still running has no outcome yet; one cancelled or skipped
    // did not pass first time, so it stays in the denominator.
    if (span.state === 'ended' && numberAttr(span.attrs, 'pipeline.attempt') === 1) {
      this.firstAttempts++;
      if (span.status === 'success') this.firstAttemptsPassed++;
    }
  }

  get passRate(): number | null {
    return rate(this.passed, this.failed);
  }

  merge(o: PipelineAccumulator): void {
    this.total += o.total;
    this.passed += o.passed;
    this.failed += o.failed;
    this.other += o.other;
    this.open += o.open;
    this.abandoned += o.abandoned;
    this.firstAttempts += o.firstAttempts;
    this.firstAttemptsPassed += o.firstAttemptsPassed;
  }

  build(prev: PipelineAccumulator): PipelineReport {
    return {
      total: this.total,
      passed: this.passed,
      failed: this.failed,
      other: this.other,
      open: this.open,
      abandoned: this.abandoned,
      pass_rate: this.passRate,
      pass_rate_ci: wilsonInterval(this.passed, this.passed + this.failed),
      first_attempt: { tasks: this.firstAttempts, passed: this.firstAttemptsPassed },
      first_attempt_pass_rate: rate(this.firstAttemptsPassed, this.firstAttempts - this.firstAttemptsPassed),
      first_attempt_pass_rate_ci: wilsonInterval(this.firstAttemptsPassed, this.firstAttempts),
      trend: trend(this.passRate, prev.passRate, prev.total),
    };
  }
}

/** Debugging cycles: resolution, attempts, time to resolve. */
export class DebugAccumulator {
  cycles = 0;
  resolved = 0;
  unresolved = 0;
  open = 0;
  abandoned = 0;
  readonly attempts = new Summary();
  readonly timeToResolve = new QuantileSketch();

  add(span: SpanSummary): void {
    this.cycles++;
    if (span.state === 'open') {
      this.open++;
      return;
    }
    if (span.state === 'abandoned') {
      this.abandoned++;
      return;
    }
    this.attempts.add(numberAttr(span.attrs, 'debug.attempts') ?? span.pointEvents);
    if (span.attrs['debug.resolved'] === true || span.status === 'success') {
      this.resolved++;
      const d = endedDuration(span);
      if (d !== undefined) this.timeToResolve.add(d);
    } else this.unresolved++;
  }

  merge(o: DebugAccumulator): void {
    this.cycles += o.cycles;
    this.resolved += o.resolved;
    this.unresolved += o.unresolved;
    this.open += o.open;
    this.abandoned += o.abandoned;
    this.attempts.merge(o.attempts);
    this.timeToResolve.merge(o.timeToResolve);
  }

  build(tasks: number): DebuggingReport {
    return {
      cycles: this.cycles,
      resolved: this.resolved,
      unresolved: this.unresolved,
      open: this.open,
      abandoned: this.abandoned,
      resolution_rate: rate(this.resolved, this.unresolved),
      resolution_rate_ci: wilsonInterval(this.resolved, this.resolved + this.unresolved),
      attempts_per_cycle: this.attempts.mean,
      time_to_resolve_ms: quantiles(this.timeToResolve),
      cycles_per_task: tasks > 0 ? this.cycles / tasks : null,
    };
  }
}

/** Optimisation sessions: variant funnel, speedup geomean, latency and wall-clock. */
/** A `Summary` from its parts (a count of 0 has no min or max). */
export function summaryOf(p: SummaryParts): Summary {
  const s = new Summary();
  s.count = p.count;
  s.sum = p.sum;
  s.min = p.count > 0 ? p.min : null;
  s.max = p.count > 0 ? p.max : null;
  return s;
}

export class OptimizationAccumulator {
  sessions = 0;
  open = 0;
  abandoned = 0;
  /** The declared sums of the section (variants generated, validated, promoted …). */
  readonly sums = new SumAccumulator('optimizations');
  readonly speedup = new GeoMean();
  withoutBaseline = 0;
  latencySavedMs = 0;
  readonly wallclock = new Summary();

  add(span: SpanSummary): void {
    const a = span.attrs;
    this.sessions++;
    if (span.state === 'open') this.open++;
    else if (span.state === 'abandoned') this.abandoned++;
    this.sums.add(span);
    const base = numberAttr(a, 'baseline_latency_ms');
    const opt = numberAttr(a, 'optimized_latency_ms');
    // Offline runs of the autotuning seed write 0 ms and Python writes Infinity (read as
    // null): such a session has no meaningful ratio, so it is counted, not divided by.
    if (base !== undefined && opt !== undefined && base > 0 && opt > 0 && this.speedup.add(base / opt)) {
      this.latencySavedMs += base - opt;
    } else this.withoutBaseline++;
    const wall = numberAttr(a, 'wallclock_seconds');
    if (wall !== undefined && wall >= 0) this.wallclock.add(wall);
  }

  /** Add sessions already summed elsewhere (in SQL). */
  addParts(sessions: number, open: number, abandoned: number, p: OptimizationParts): void {
    this.sessions += sessions;
    this.open += open;
    this.abandoned += abandoned;
    this.sums.addParts(p.sums);
    this.speedup.addParts(p.speedupCount, p.speedupSumLn);
    this.withoutBaseline += p.withoutBaseline;
    this.latencySavedMs += p.latencySavedMs;
    this.wallclock.merge(summaryOf(p.wallclock));
  }

  merge(o: OptimizationAccumulator): void {
    this.sessions += o.sessions;
    this.open += o.open;
    this.abandoned += o.abandoned;
    this.sums.merge(o.sums);
    this.speedup.merge(o.speedup);
    this.withoutBaseline += o.withoutBaseline;
    this.latencySavedMs += o.latencySavedMs;
    this.wallclock.merge(o.wallclock);
  }

  get variantsGenerated(): number {
    return this.sums.get('variants_generated');
  }
  get validated(): number {
    return this.sums.get('validated');
  }
  get promoted(): number {
    return this.sums.get('promoted');
  }
  get validationFailures(): number {
    return this.sums.get('validation_failures');
  }
  get autotuneSamples(): number {
    return this.sums.get('autotune_samples');
  }

  build(prev: OptimizationAccumulator): OptimizationReport {
    const geomean = this.speedup.value;
    const sums: Record<string, unknown> = {};
    this.sums.writeInto(sums);
    return {
      sessions: this.sessions,
      open: this.open,
      abandoned: this.abandoned,
      ...(sums as SectionSums<'optimizations'>),
      validation_rate: this.variantsGenerated > 0 ? this.validated / this.variantsGenerated : null,
      promotion_rate: this.validated > 0 ? this.promoted / this.validated : null,
      speedup_geomean: geomean,
      speedup_sessions: this.speedup.count,
      sessions_without_baseline: this.withoutBaseline,
      latency_saved_ms: this.latencySavedMs,
      wallclock_seconds: { total: this.wallclock.sum, mean: this.wallclock.mean },
      trend: trend(geomean, prev.speedup.value, prev.sessions),
    };
  }
}

