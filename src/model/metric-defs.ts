/**
 * The summed fields of a report, declared once. Every reader derives its part from this
 * table: the span cache keeps each attribute (`SUMMARY_NUMBER_KEYS`); the accumulators
 * (`AgentAccumulator`, `OptimizationAccumulator`) add and merge the sums; the PostgreSQL
 * report selects one `sum(...)` column per entry; the report's JSON
 * puts each at its `path`; the table's headline and group columns, the CSV columns and the
 * dashboard's daily series are generated from it. Adding a summed field is one entry here
 * plus whatever writes its attribute (docs/architecture.md, "Adding a metric"). A contract
 * test runs every entry through every output, so an entry that some reader misses fails.
 *
 * Rates, durations and the speedup keep their own accumulators (a Wilson interval, a
 * quantile sketch and a geometric mean do not reduce to a sum), but read spans through the
 * shared readers (`endedDuration`, `outcomeOf`, `numberAttr` in the analytics layer), so every
 * reader counts the same spans. The table lives in the model layer because the store's cache
 * and the PostgreSQL sink read it too, and both sit below analytics.
 */
import type { SpanKind } from './events.js';

/** The report sections that carry summed fields. */
export type SumSection = 'agents' | 'optimizations' | 'model_calls';

/** How a sum is shown. */
export type SumUnit = 'count' | 'tokens' | 'usd';

/** One summed field. */
export interface SumDef {
  /** Stable id: the key in partial aggregates, the SQL column (`s_<id>`), the dashboard series key. */
  readonly id: string;
  /** The section whose JSON holds it. */
  readonly section: SumSection;
  /** Spans of this kind are summed (others are ignored). */
  readonly kind: SpanKind;
  /** The attribute read: finite numbers and numeric strings count; anything else adds 0. */
  readonly attr: string;
  /** Where it sits inside its section's JSON (the documented `--json` contract). */
  readonly path: readonly [string] | readonly [string, string];
  /** Label in the table headline and group columns. */
  readonly label: string;
  readonly unit: SumUnit;
  /** A column of the grouped table (shown when some group has a non-zero value). */
  readonly column?: boolean;
  /** A daily series of the dashboard's overview. */
  readonly series?: boolean;
}

/** Every summed field, in display order. */
export const SUMS = [
  { id: 'input_tokens', section: 'agents', kind: 'agent', attr: 'gen_ai.usage.input_tokens', path: ['tokens', 'input'], label: 'input tokens', unit: 'tokens', column: true, series: true },
  { id: 'output_tokens', section: 'agents', kind: 'agent', attr: 'gen_ai.usage.output_tokens', path: ['tokens', 'output'], label: 'output tokens', unit: 'tokens', column: true, series: true },
  { id: 'cost_usd', section: 'agents', kind: 'agent', attr: 'cost_usd', path: ['cost_usd'], label: 'cost', unit: 'usd', column: true, series: true },
  // Model calls (kind `llm`): tokens are counted here once per call; an agent's own tokens are
  // its own figure (docs/metrics.md, "Model calls and tool calls").
  { id: 'model_input_tokens', section: 'model_calls', kind: 'llm', attr: 'gen_ai.usage.input_tokens', path: ['tokens', 'input'], label: 'model-call input tokens', unit: 'tokens' },
  { id: 'model_output_tokens', section: 'model_calls', kind: 'llm', attr: 'gen_ai.usage.output_tokens', path: ['tokens', 'output'], label: 'model-call output tokens', unit: 'tokens' },
  { id: 'model_cost_usd', section: 'model_calls', kind: 'llm', attr: 'cost_usd', path: ['cost_usd'], label: 'model-call cost', unit: 'usd' },
  { id: 'variants_generated', section: 'optimizations', kind: 'optimization', attr: 'variants_generated', path: ['variants_generated'], label: 'variants', unit: 'count', series: true },
  { id: 'validated', section: 'optimizations', kind: 'optimization', attr: 'validated', path: ['validated'], label: 'validated', unit: 'count', series: true },
  { id: 'promoted', section: 'optimizations', kind: 'optimization', attr: 'promoted', path: ['promoted'], label: 'promoted', unit: 'count', series: true },
  { id: 'validation_failures', section: 'optimizations', kind: 'optimization', attr: 'validation_failures', path: ['validation_failures'], label: 'validation failures', unit: 'count' },
  { id: 'autotune_samples', section: 'optimizations', kind: 'optimization', attr: 'autotune_samples', path: ['autotune_samples'], label: 'autotune samples', unit: 'count' },
] as const satisfies readonly SumDef[];

/** The id of a declared sum. */
export type SumId = (typeof SUMS)[number]['id'];

/** The sums of one section, in declaration order. */
export function sumsOf(section: SumSection): readonly SumDef[] {
  return SUMS.filter((d) => d.section === section);
}

/** The declared sum with this id. */
export function sumDef(id: SumId): SumDef {
  return SUMS.find((d) => d.id === id) as SumDef;
}

// The JSON shape of a section's sums, derived from the table: `path: ['tokens', 'input']`
// becomes `{ tokens: { input: number } }`, and the entries of a section are intersected.
type PathObject<P> = P extends readonly [infer H extends string]
  ? { [K in H]: number }
  : P extends readonly [infer H extends string, infer T extends string]
    ? { [K in H]: { [L in T]: number } }
    : never;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The summed fields of a section's JSON, as the declarations place them. */
export type SectionSums<S extends SumSection> = UnionToIntersection<PathObject<Extract<(typeof SUMS)[number], { section: S }>['path']>>;

/** The declared daily series of a section, as the dashboard's points carry them: `{ cost_usd: number, … }`. */
export type SeriesSums<S extends SumSection> = { [D in Extract<(typeof SUMS)[number], { section: S; series: true }> as D['id']]: number };

/** Write `value` at a declared path of a section object. */
export function setAtPath(target: Record<string, unknown>, path: SumDef['path'], value: number): void {
  if (path.length === 1) {
    target[path[0]] = value;
    return;
  }
  const [head, leaf] = path;
  const inner = (target[head] ??= {}) as Record<string, unknown>;
  inner[leaf] = value;
}

/** Read a declared path of a section object (0 when absent). */
export function readAtPath(source: unknown, path: SumDef['path']): number {
  let v: unknown = source;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return typeof v === 'number' ? v : 0;
}
