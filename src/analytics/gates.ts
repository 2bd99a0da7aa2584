/**
 * `check`: quality gates for CI. Each gate reads the same report `agentmeter report`
 * prints, so a gate's figure is the figure people see, with its 95 % interval in the
 * reason so a failure on five runs reads differently from one on five hundred.
 */
import type { Report } from './report-types.js';
import type { AnomalyReport } from './anomalies.js';

/** The gates asked for; an absent field is a gate not applied. */
export interface GateSpec {
  /** Fail when failures / (successes + failures) of `kind` exceeds this (0–1). */
  maxFailureRate?: number;
  /** Spans the failure-rate gate reads. Default `agents`. */
  kind?: 'runs' | 'tasks' | 'agents';
  /** Fail when the first-attempt pipeline pass rate is below this (0–1). */
  minFirstAttemptPass?: number;
  /** Fail when `anomalies` found anything. */
  noAnomalies?: boolean;
}

// Gate names, kept in one constant (they are not attribute keys).
const GATE = { failureRate: 'max_failure_rate', firstAttempt: 'min_first_attempt_pass', anomalies: 'no_anomalies' } as const;

/** One gate's outcome. */
export interface GateResult {
  gate: (typeof GATE)[keyof typeof GATE];
  ok: boolean;
  /** The measured figure (a rate, or a count of anomalies); null without data. */
  value: number | null;
  threshold: number;
  /** 95 % Wilson interval of a rate. */
  ci: [number, number] | null;
  /** Observations behind the figure. */
  n: number;
  reason: string;
}

/** All gates: `ok` only when every gate passed. */
export interface GateReport {
  ok: boolean;
  gates: GateResult[];
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/**
 * Evaluate the gates. A gate without data fails: a CI step that measured nothing should
 * not report success (the reason says "no data").
 *
 * @example
 * evaluateGates({ maxFailureRate: 0.2 }, report).ok
 */
export function evaluateGates(spec: GateSpec, report: Report, anomalies?: AnomalyReport): GateReport {
  const gates: GateResult[] = [];
  if (spec.maxFailureRate !== undefined) {
    const kind = spec.kind ?? 'agents';
    const s = report[kind];
    const n = s.success + s.failure;
    const t = spec.maxFailureRate;
    if (n === 0) {
      gates.push({ gate: GATE.failureRate, ok: false, value: null, threshold: t, ci: null, n, reason: `no data: no ${kind} with a success or failure outcome in the window` });
    } else {
      const rate = s.failure / n;
      const ci: [number, number] | null = s.success_rate_ci ? [1 - s.success_rate_ci[1], 1 - s.success_rate_ci[0]] : null;
      const ok = rate <= t;
      const interval = ci ? ` [${pct(ci[0])}–${pct(ci[1])}]` : '';
      const certainty = ci && !ok ? (ci[0] > t ? '; the whole interval is above the limit' : '; the interval still reaches the limit, so more runs would tell') : '';
      gates.push({
        gate: GATE.failureRate,
        ok,
        value: rate,
        threshold: t,
        ci,
        n,
        reason: `${kind} failure rate ${pct(rate)}${interval} (${s.failure} of ${n}) ${ok ? 'is within' : 'exceeds'} the limit of ${pct(t)}${certainty}`,
      });
    }
  }
  if (spec.minFirstAttemptPass !== undefined) {
    const p = report.pipelines;
    const n = p.first_attempt.tasks;
    const t = spec.minFirstAttemptPass;
    if (n === 0 || p.first_attempt_pass_rate === null) {
      gates.push({ gate: GATE.firstAttempt, ok: false, value: null, threshold: t, ci: null, n, reason: 'no data: no first pipeline attempts in the window' });
    } else {
      const rate = p.first_attempt_pass_rate;
      const ci = p.first_attempt_pass_rate_ci;
      const ok = rate >= t;
      const interval = ci ? ` [${pct(ci[0])}–${pct(ci[1])}]` : '';
      gates.push({
        gate: GATE.firstAttempt,
        ok,
        value: rate,
        threshold: t,
        ci,
        n,
        reason: `first-attempt pipeline pass rate ${pct(rate)}${interval} (${p.first_attempt.passed} of ${n}) ${ok ? 'meets' : 'is below'} the minimum of ${pct(t)}`,
      });
    }
  }
  if (spec.noAnomalies === true) {
    const found = anomalies?.anomalies ?? [];
    const firstFound = found[0];
    gates.push({
      gate: GATE.anomalies,
      ok: found.length === 0,
      value: found.length,
      threshold: 0,
      ci: null,
      n: anomalies?.points_examined ?? 0,
      reason:
        found.length === 0
          ? `no anomalies in ${anomalies?.points_examined ?? 0} points examined`
          : `${found.length} anomal${found.length === 1 ? 'y' : 'ies'}; first: ${firstFound ? `${firstFound.day} ${firstFound.series} ${firstFound.metric.replace('_', ' ')}: ${firstFound.evidence}` : ''}`,
    });
  }
  return { ok: gates.every((g) => g.ok), gates };
}
