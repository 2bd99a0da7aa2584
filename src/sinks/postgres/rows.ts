/** Reading the numbers of a result row: pg returns bigint and numeric columns as strings. */
import type { OptimizationParts, SummaryParts } from '../../model/index.js';

/** A result row of the report queries. */
export type Row = Record<string, unknown>;

/** A count or sum: null (no rows) is 0. */
export function n(v: unknown): number {
  return typeof v === 'number' ? v : v === null || v === undefined ? 0 : Number(v);
}

/** A min or max: null stays null. */
export function nOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : n(v);
}

export function summary(count: unknown, sum: unknown, min: unknown, max: unknown): SummaryParts {
  return { count: n(count), sum: n(sum), min: nOrNull(min), max: nOrNull(max) };
}

/** The optimisation columns both the report and the automation query select, by the same names. */
export function optimizationParts(r: Row): OptimizationParts {
  return {
    variantsGenerated: n(r['variants_generated']),
    validated: n(r['validated']),
    promoted: n(r['promoted']),
    validationFailures: n(r['validation_failures']),
    autotuneSamples: n(r['autotune_samples']),
    speedupCount: n(r['speedup_n']),
    speedupSumLn: n(r['speedup_ln']),
    withoutBaseline: n(r['n']) - n(r['speedup_n']),
    latencySavedMs: n(r['latency_saved']),
    wallclock: summary(r['wall_n'], r['wall_sum'], r['wall_min'], r['wall_max']),
  };
}
