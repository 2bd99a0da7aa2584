/**
 * The automation-metrics seed's report (docs/automation.md): totals, averages, validation and
 * promotion rates, the geometric-mean speedup (sessions without a valid baseline counted
 * apart, never divided by), time saved, per operation, and the trend against the previous
 * window of equal length. Pure; formulas in docs/automation.md.
 */
import type { SpanSummary } from '../../model/span.js';
import { keyAttr, numberAttr } from '../attrs.js';
import { rate, wilsonInterval } from '../stats.js';
import type { Interval, OptimizationReport } from '../report-types.js';
import { OptimizationAccumulator } from '../work-accumulators.js';

/** The figures of one window (or one operation within it). */
export interface AutomationFigures extends Omit<OptimizationReport, 'trend'> {
  /** validated / (validated + validation_failures) when failures were reported, else validated / variants_generated. */
  validation_success_rate: number | null;
  /** Sessions that promoted at least one variant / sessions. */
  session_success_rate: number | null;
  session_success_rate_ci: Interval;
  /** Per session: variants generated, validated, promoted, autotune samples. */
  averages: { variants_generated: number | null; validated: number | null; promoted: number | null; autotune_samples: number | null; wallclock_seconds: number | null };
  /**
   * Wall-clock time saved vs baseline: `wallclock_saved_seconds` where the host reported it,
   * else derived as (baseline − optimized latency) × `calls` / 1000 where the record has all
   * three; `not_derivable` counts the sessions that have neither (a latency alone says
   * nothing about how often the kernel runs).
   */
  wallclock_saved_seconds: { total: number; sessions: number; not_derivable: number };
  /** Mean `search_depth` where reported. */
  mean_search_depth: number | null;
}

/** `agentmeter report automation --json`. */
export interface AutomationSummary {
  window: { since: string; until: string; previous_since: string };
  current: AutomationFigures;
  previous: AutomationFigures;
  /** current − previous (fractions for rates, a ratio difference for the speedup). */
  trend: { validation_success_rate: number | null; session_success_rate: number | null; promotion_rate: number | null; speedup_geomean: number | null; sessions: number };
  by_operation: (AutomationFigures & { operation: string })[];
}

/**
 * Sums of one window (or one operation) of optimisation sessions: what `automationSummary`
 * accumulates from spans, or what a database computes (`automationSummaryFromParts`).
 */
export class AutomationAccumulator {
  readonly core = new OptimizationAccumulator();
  successful = 0;
  saved = 0;
  savedSessions = 0;
  depthSum = 0;
  depths = 0;

  add(s: SpanSummary): void {
    this.core.add(s);
    const promoted = numberAttr(s.attrs, 'promoted');
    if (s.state === 'ended' && promoted !== undefined && promoted > 0) this.successful++;
    const saved = numberAttr(s.attrs, 'wallclock_saved_seconds') ?? derivedSavedSeconds(s);
    if (saved !== undefined) {
      this.saved += saved;
      this.savedSessions++;
    }
    const depth = numberAttr(s.attrs, 'search_depth');
    if (depth !== undefined) {
      this.depthSum += depth;
      this.depths++;
    }
  }

  merge(o: AutomationAccumulator): void {
    this.core.merge(o.core);
    this.successful += o.successful;
    this.saved += o.saved;
    this.savedSessions += o.savedSessions;
    this.depthSum += o.depthSum;
    this.depths += o.depths;
  }

  build(): AutomationFigures {
    const { trend: _trend, ...core } = this.core.build(new OptimizationAccumulator());
    const c = this.core;
    const n = c.sessions;
    const per = (x: number): number | null => (n > 0 ? x / n : null);
    return {
      ...core,
      validation_success_rate: c.validationFailures > 0 ? rate(c.validated, c.validationFailures) : c.variantsGenerated > 0 ? c.validated / c.variantsGenerated : null,
      session_success_rate: n > 0 ? this.successful / n : null,
      session_success_rate_ci: wilsonInterval(this.successful, n),
      averages: {
        variants_generated: per(c.variantsGenerated),
        validated: per(c.validated),
        promoted: per(c.promoted),
        autotune_samples: per(c.autotuneSamples),
        wallclock_seconds: c.wallclock.mean,
      },
      wallclock_saved_seconds: { total: this.saved, sessions: this.savedSessions, not_derivable: n - this.savedSessions },
      mean_search_depth: this.depths > 0 ? this.depthSum / this.depths : null,
    };
  }
}

/** (baseline − optimized) ms × calls, in seconds, when the session has both latencies (> 0) and a call count. */
function derivedSavedSeconds(s: SpanSummary): number | undefined {
  const base = numberAttr(s.attrs, 'baseline_latency_ms');
  const opt = numberAttr(s.attrs, 'optimized_latency_ms');
  const calls = numberAttr(s.attrs, 'calls');
  if (base === undefined || opt === undefined || calls === undefined || !(base > 0) || !(opt > 0) || calls < 0) return undefined;
  return ((base - opt) * calls) / 1000;
}

function delta(a: number | null, b: number | null): number | null {
  return a !== null && b !== null ? a - b : null;
}

/**
 * A session's place in time: its end, the record's `timestamp` (the seed's `--since` filters
 * on it), or its start while it is still open.
 */
export function sessionTimeMs(s: SpanSummary): number {
  return s.state === 'ended' && s.durationMs !== null && Number.isFinite(s.durationMs) ? Math.round(s.startMs + s.durationMs) : s.startMs;
}

/**
 * Summarise optimisation sessions that ended in [sinceMs, untilMs), with the previous window
 * of equal length for the trend.
 *
 * @example
 * const s = automationSummary(spans, { sinceMs: Date.now() - 7 * 86_400_000, untilMs: Date.now() });
 * s.current.speedup_geomean
 */
export function automationSummary(spans: Iterable<SpanSummary>, o: { sinceMs: number; untilMs: number }): AutomationSummary {
  const previousSince = o.sinceMs - (o.untilMs - o.sinceMs);
  const current = new AutomationAccumulator();
  const previous = new AutomationAccumulator();
  const ops = new Map<string, AutomationAccumulator>();
  for (const s of spans) {
    if (s.kind !== 'optimization') continue;
    const at = sessionTimeMs(s);
    if (at >= o.sinceMs && at < o.untilMs) {
      current.add(s);
      const op = keyAttr(s.attrs, 'operation') ?? '(none)';
      let a = ops.get(op);
      if (!a) ops.set(op, (a = new AutomationAccumulator()));
      a.add(s);
    } else if (at >= previousSince && at < o.sinceMs) previous.add(s);
  }
  return automationSummaryFromParts(current, previous, ops, o);
}

/**
 * The summary from sums of the window, the previous window and each operation of the window
 * (`(none)` for sessions without one).
 *
 * @example
 * automationSummaryFromParts(current, previous, new Map([['matmul', current]]), { sinceMs, untilMs })
 */
export function automationSummaryFromParts(
  current: AutomationAccumulator,
  previous: AutomationAccumulator,
  ops: ReadonlyMap<string, AutomationAccumulator>,
  o: { sinceMs: number; untilMs: number },
): AutomationSummary {
  const previousSince = o.sinceMs - (o.untilMs - o.sinceMs);
  const cur = current.build();
  const prev = previous.build();
  return {
    window: { since: new Date(o.sinceMs).toISOString(), until: new Date(o.untilMs).toISOString(), previous_since: new Date(previousSince).toISOString() },
    current: cur,
    previous: prev,
    trend: {
      validation_success_rate: delta(cur.validation_success_rate, prev.validation_success_rate),
      session_success_rate: delta(cur.session_success_rate, prev.session_success_rate),
      promotion_rate: delta(cur.promotion_rate, prev.promotion_rate),
      speedup_geomean: delta(cur.speedup_geomean, prev.speedup_geomean),
      sessions: cur.sessions - prev.sessions,
    },
    by_operation: [...ops]
      .map(([operation, a]) => ({ operation, ...a.build() }))
      .sort((a, b) => b.sessions - a.sessions || (a.operation < b.operation ? -1 : 1)),
  };
}
