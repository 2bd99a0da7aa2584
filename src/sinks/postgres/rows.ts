/** Reading the numbers of a result row: pg returns bigint and numeric columns as strings. */
import { SUMS } from '../../model/index.js';
import type { OptimizationParts, SumDef, SumSection, SummaryParts } from '../../model/index.js';

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

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The select-list entries (each with a leading comma) that sum the declared fields
 * (`metric-defs.ts`) of some sections: `attr` over spans of `kind` into a column `s_<id>`,
 * with the accumulators' reading of a number (`am_num`: finite numbers and numeric strings).
 */
export function sumColumnsSql(sections: readonly SumSection[]): string {
  return sumsIn(sections)
    .map((d) => {
      if (!/^[a-z][a-z0-9_]*$/.test(d.id)) throw new RangeError(`sum id ${JSON.stringify(d.id)} is not a plain identifier`);
      return `,\n  coalesce(sum(am_num(attrs -> ${literal(d.attr)})) FILTER (WHERE kind = ${literal(d.kind)}), 0)::float8 AS s_${d.id}`;
    })
    .join('');
}

function sumsIn(sections: readonly SumSection[]): readonly SumDef[] {
  return SUMS.filter((d) => sections.includes(d.section));
}

/** The declared sums of some sections in a result row, keyed by id. */
export function sumValues(r: Row, sections: readonly SumSection[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of sumsIn(sections)) out[d.id] = n(r[`s_${d.id}`]);
  return out;
}

/** The optimisation columns both the report and the automation query select, by the same names. */
export function optimizationParts(r: Row, sections: readonly SumSection[]): OptimizationParts {
  return {
    sums: sumValues(r, sections),
    speedupCount: n(r['speedup_n']),
    speedupSumLn: n(r['speedup_ln']),
    withoutBaseline: n(r['n']) - n(r['speedup_n']),
    latencySavedMs: n(r['latency_saved']),
    wallclock: summary(r['wall_n'], r['wall_sum'], r['wall_min'], r['wall_max']),
  };
}
