/**
 * `anomalies`: days on which a series (agent × model × task type, rolled up where the data
 * is too thin) failed far more often, or ran far slower, than its own recent past. The
 * baseline is robust (median and MAD, pooled rates without earlier anomalous days), uses
 * the same weekday where the series has a weekly pattern, and the thresholds are corrected
 * for the number of points examined, so a month of demo data raises few false alarms.
 * Methods and limits: docs/statistics.md.
 */
import { binomialUpperTail, normalCdf, normalQuantile } from './distributions.js';

/** One observation of a series: when, and what is known of it. */
export interface AnomalyObservation {
  ms: number;
  /** 1 failure, 0 success, undefined when the outcome is neither. */
  failed?: 0 | 1;
  durationMs?: number;
}

/** Options of `detectAnomalies`. */
export interface AnomalyOptions {
  /** Days examined: [sinceMs, untilMs). Earlier observations serve as baseline only. */
  sinceMs: number;
  untilMs: number;
  /** Baseline: the preceding days, default 28. */
  baselineDays?: number;
  /** Baseline days with data needed before a day is examined. Default 7. */
  minBaselineDays?: number;
  /** Observations a day needs to be examined (and to count as a baseline day). Default 5. */
  minCount?: number;
  /** Family-wise false-alarm level over every point examined. Default 0.05. */
  alpha?: number;
  /** A failure rate must also exceed its baseline by this much. Default 0.2 (20 points). */
  minRateIncrease?: number;
  /** A median duration must also be at least this many times its baseline. Default 1.5. */
  minDurationRatio?: number;
}

/** What an anomaly is about (names kept in constants: they are not attribute keys). */
export type AnomalyMetric = typeof FAILURE_RATE | 'duration';
const FAILURE_RATE = 'failure_rate';

/** One anomalous point, with the evidence. */
export interface Anomaly {
  series: string;
  day: string;
  metric: AnomalyMetric;
  n: number;
  value: number;
  expected: number;
  /** One-sided binomial tail probability (failure rate) or normal tail of the robust z. */
  p_value: number;
  /** Robust z (duration) or the binomial z (failure rate), for ranking. */
  z: number;
  /** Whether the baseline was the same weekday's. */
  seasonal: boolean;
  baseline_days: number;
  evidence: string;
}

/** What `detectAnomalies` examined and found. */
export interface AnomalyReport {
  series: number;
  points_examined: number;
  /** Per-point threshold: alpha / points examined (Bonferroni). */
  point_alpha: number;
  anomalies: Anomaly[];
}

const DAY_MS = 86_400_000;

interface Day {
  index: number;
  n: number;
  failures: number;
  outcomes: number;
  /** Median log duration of the day, or null. */
  logMedian: number | null;
  /** Robust spread (1.4826·MAD) of log durations within the day, or null below two. */
  logSpread: number | null;
  durations: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function mad(xs: readonly number[], centre: number): number {
  return 1.4826 * median(xs.map((v) => Math.abs(v - centre)));
}

function days(observations: readonly AnomalyObservation[]): Map<number, Day> {
  const byDay = new Map<number, { obs: AnomalyObservation[] }>();
  for (const o of observations) {
    const i = Math.floor(o.ms / DAY_MS);
    let d = byDay.get(i);
    if (!d) byDay.set(i, (d = { obs: [] }));
    d.obs.push(o);
  }
  const out = new Map<number, Day>();
  for (const [index, { obs }] of byDay) {
    let failures = 0;
    let outcomes = 0;
    const logs: number[] = [];
    for (const o of obs) {
      if (o.failed !== undefined) {
        outcomes++;
        failures += o.failed;
      }
      if (o.durationMs !== undefined && o.durationMs > 0) logs.push(Math.log(o.durationMs));
    }
    const logMedian = logs.length > 0 ? median(logs) : null;
    const logSpread = logMedian !== null && logs.length >= 2 ? mad(logs, logMedian) : null;
    out.set(index, { index, n: obs.length, failures, outcomes, logMedian, logSpread, durations: logs.length });
  }
  return out;
}

/** Weekday of a day index (0 = Thursday 1970-01-01; only equality matters). */
const weekday = (index: number): number => ((index % 7) + 7) % 7;

/**
 * Kruskal–Wallis test of "no weekday effect" over seven weekday groups: H against the
 * χ² distribution with 6 degrees of freedom, whose tail has the closed form
 * e^(−x/2)·(1 + x/2 + (x/2)²/2). Ties (common among daily failure rates) get mid-ranks
 * without the tie correction of H, which only makes the test conservative.
 */
function weekdayEffectP(groups: readonly (readonly number[])[]): number {
  const all = groups.flatMap((g, gi) => g.map((v) => [v, gi] as const)).sort((a, b) => a[0] - b[0]);
  const n = all.length;
  const rankSum = new Array<number>(groups.length).fill(0);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && (all[j + 1] as readonly [number, number])[0] === (all[i] as readonly [number, number])[0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      const g = (all[k] as readonly [number, number])[1];
      rankSum[g] = (rankSum[g] as number) + r;
    }
    i = j + 1;
  }
  let h = 0;
  groups.forEach((g, gi) => {
    if (g.length > 0) h += ((rankSum[gi] as number) ** 2) / g.length;
  });
  h = (12 / (n * (n + 1))) * h - 3 * (n + 1);
  const x = Math.max(0, h) / 2;
  return Math.exp(-x) * (1 + x + (x * x) / 2);
}

/**
 * The baseline of a day: the same weekday's days when the series has a weekly pattern
 * ("where data allows": every weekday has at least 3 baseline days and the Kruskal–Wallis
 * test finds a weekday effect at p < 0.05), else all baseline days. With a pattern the
 * spread is that of residuals from each weekday's median, pooled over the week, which is
 * far steadier than the spread of three same-weekday values.
 */
function baselineOf(base: readonly { index: number; v: number }[], target: number): { centre: number; spread: number; days: number; seasonal: boolean } {
  const all = base.map((b) => b.v);
  const byWeekday = new Map<number, number[]>();
  for (const b of base) {
    const w = weekday(b.index);
    const list = byWeekday.get(w) ?? [];
    list.push(b.v);
    byWeekday.set(w, list);
  }
  const groups = [...byWeekday.values()];
  if (byWeekday.size === 7 && groups.every((l) => l.length >= 3) && weekdayEffectP(groups) < 0.05) {
    const residuals: number[] = [];
    for (const l of groups) {
      const m = median(l);
      for (const v of l) residuals.push(v - m);
    }
    const same = byWeekday.get(weekday(target)) ?? [];
    return { centre: median(same), spread: mad(residuals, 0), days: same.length, seasonal: true };
  }
  const centre = median(all);
  return { centre, spread: mad(all, centre), days: all.length, seasonal: false };
}

/**
 * Find anomalous days in each series. A day is examined when it has at least `minCount`
 * observations and the `baselineDays` before it hold at least `minBaselineDays` such days.
 * Failure rate: the day's failures against the pooled baseline rate by the exact binomial
 * tail. Duration: the day's median against the baseline days' medians by a robust z
 * (median/MAD, Iglewicz & Hoaglin 1993), on the log scale. Either is flagged only when its
 * tail probability is below alpha / points examined and the change is large enough to act
 * on. Days flagged are left out of later baselines, so one incident does not hide the next.
 *
 * @example
 * detectAnomalies(new Map([['coding · gpt-4.1', observations]]), { sinceMs, untilMs })
 */
export function detectAnomalies(series: ReadonlyMap<string, readonly AnomalyObservation[]>, o: AnomalyOptions): AnomalyReport {
  const baselineDays = o.baselineDays ?? 28;
  const minBaseline = o.minBaselineDays ?? 7;
  const minCount = o.minCount ?? 5;
  const alpha = o.alpha ?? 0.05;
  const minRate = o.minRateIncrease ?? 0.2;
  const minRatio = o.minDurationRatio ?? 1.5;
  const first = Math.floor(o.sinceMs / DAY_MS);
  const last = Math.ceil(o.untilMs / DAY_MS) - 1;
  const prepared = [...series].map(([key, obs]) => ({ key, days: days(obs) }));
  // Pass 1: which points are examined, so the threshold is fixed before any is tested.
  type Candidate = { key: string; day: Day; metric: Anomaly['metric'] };
  const candidates: Candidate[] = [];
  for (const s of prepared) {
    for (let i = first; i <= last; i++) {
      const d = s.days.get(i);
      if (!d) continue;
      const baseCount = (pick: (b: Day) => boolean): number => {
        let c = 0;
        for (let j = i - baselineDays; j < i; j++) {
          const b = s.days.get(j);
          if (b && pick(b)) c++;
        }
        return c;
      };
      if (d.outcomes >= minCount && baseCount((b) => b.outcomes >= minCount) >= minBaseline) candidates.push({ key: s.key, day: d, metric: FAILURE_RATE });
      if (d.durations >= minCount && baseCount((b) => b.durations >= minCount) >= minBaseline) candidates.push({ key: s.key, day: d, metric: 'duration' });
    }
  }
  const m = Math.max(1, candidates.length);
  const pointAlpha = alpha / m;
  const zThreshold = Math.max(3.5, normalQuantile(1 - pointAlpha));
  const byKey = new Map(prepared.map((p) => [p.key, p]));
  const flagged = new Set<string>();
  const anomalies: Anomaly[] = [];
  const dayIso = (i: number): string => new Date(i * DAY_MS).toISOString().slice(0, 10);
  // Candidates are in series, then day order: earlier flags are known to later baselines.
  for (const c of candidates) {
    const s = byKey.get(c.key);
    if (!s) continue;
    const i = c.day.index;
    const base: Day[] = [];
    for (let j = i - baselineDays; j < i; j++) {
      const b = s.days.get(j);
      if (b && !flagged.has(`${c.key}|${j}|${c.metric}`)) base.push(b);
    }
    if (c.metric === FAILURE_RATE) {
      const usable = base.filter((b) => b.outcomes >= minCount);
      if (usable.length < minBaseline) continue;
      const { seasonal } = baselineOf(usable.map((b) => ({ index: b.index, v: b.failures / b.outcomes })), i);
      const chosen = seasonal ? usable.filter((b) => weekday(b.index) === weekday(i)) : usable;
      let f = 0;
      let n = 0;
      for (const b of chosen) {
        f += b.failures;
        n += b.outcomes;
      }
      // Half a failure of prior knowledge keeps a spotless baseline from making one failure an alarm.
      const p0 = (f + 0.5) / (n + 1);
      const rate = c.day.failures / c.day.outcomes;
      const p = binomialUpperTail(c.day.failures, c.day.outcomes, p0);
      const z = (rate - p0) / Math.sqrt((p0 * (1 - p0)) / c.day.outcomes);
      if (p < pointAlpha && rate - p0 >= minRate) {
        flagged.add(`${c.key}|${i}|${c.metric}`);
        anomalies.push({
          series: c.key,
          day: dayIso(i),
          metric: FAILURE_RATE,
          n: c.day.outcomes,
          value: rate,
          expected: p0,
          p_value: p,
          z,
          seasonal,
          baseline_days: chosen.length,
          evidence: `${c.day.failures}/${c.day.outcomes} failed (${(rate * 100).toFixed(0)} %) against ${(p0 * 100).toFixed(1)} % over ${chosen.length} ${seasonal ? 'same-weekday ' : ''}baseline days; binomial tail p = ${p.toExponential(1)} < ${pointAlpha.toExponential(1)}`,
        });
      }
    } else {
      const usable = base.filter((b) => b.durations >= minCount && b.logMedian !== null);
      if (usable.length < minBaseline) continue;
      const b = baselineOf(usable.map((d) => ({ index: d.index, v: d.logMedian as number })), i);
      const { centre, seasonal } = b;
      // A day's median is noisier the fewer invocations it has: split the baseline spread of
      // daily medians into a between-day part and the sampling error of a median
      // (≈ 1.2533·σ/√n, σ the within-day spread), then rescale the latter to this day's n.
      const within = median(usable.map((d) => d.logSpread ?? 0));
      const typicalN = median(usable.map((d) => d.durations));
      const sampling = (n: number): number => (1.5708 * within * within) / n;
      const between2 = Math.max(0, b.spread * b.spread - sampling(typicalN));
      // A spread of 0 (identical medians) would make any change infinite; floor it at 1 % of a log unit.
      const spread = Math.max(Math.sqrt(between2 + sampling(c.day.durations)), 0.01);
      const x = c.day.logMedian as number;
      const z = (x - centre) / spread;
      const ratio = Math.exp(x - centre);
      const p = normalCdf(-z);
      if (z > zThreshold && ratio >= minRatio) {
        flagged.add(`${c.key}|${i}|${c.metric}`);
        anomalies.push({
          series: c.key,
          day: dayIso(i),
          metric: 'duration',
          n: c.day.durations,
          value: Math.exp(x),
          expected: Math.exp(centre),
          p_value: p,
          z,
          seasonal,
          baseline_days: b.days,
          evidence: `median ${formatMs(Math.exp(x))} is ${ratio.toFixed(1)}× the baseline ${formatMs(Math.exp(centre))} (robust z ${z.toFixed(1)} > ${zThreshold.toFixed(1)}, ${b.days} ${seasonal ? 'same-weekday ' : ''}baseline days)`,
        });
      }
    }
  }
  anomalies.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : b.z - a.z));
  return { series: prepared.length, points_examined: candidates.length, point_alpha: pointAlpha, anomalies };
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/**
 * Group observations into series by their dimension values (most specific first), rolling
 * a series up into its parent (dropping the last dimension) while it averages fewer than
 * `minPerDay` observations per day on the days it has data, so thin series are still
 * watched.
 *
 * @example
 * rollUpSeries(items, 5) // keys like "gpt-4.1 · coding · bug_fix" or "gpt-4.1 · coding · *"
 */
export function rollUpSeries<T>(items: readonly { dims: readonly string[]; ms: number; item: T }[], minPerDay: number): Map<string, T[]> {
  const out = new Map<string, T[]>();
  let level = items.reduce((m, i) => Math.max(m, i.dims.length), 0);
  let pending = items;
  while (pending.length > 0) {
    const groups = new Map<string, (typeof items)[number][]>();
    for (const p of pending) {
      const key = p.dims.slice(0, level).join(' · ');
      const g = groups.get(key) ?? [];
      g.push(p);
      groups.set(key, g);
    }
    const next: (typeof items)[number][] = [];
    for (const [key, g] of groups) {
      const activeDays = new Set(g.map((p) => Math.floor(p.ms / DAY_MS))).size;
      if (level === 0 || g.length / Math.max(1, activeDays) >= minPerDay) {
        const width = g[0]?.dims.length ?? 0;
        const label = level === 0 ? '(all)' : [key, ...Array.from({ length: width - level }, () => '*')].join(' · ');
        out.set(label, g.map((p) => p.item));
      } else next.push(...g);
    }
    pending = next;
    level--;
  }
  return out;
}
