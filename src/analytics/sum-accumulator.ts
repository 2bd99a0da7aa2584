/**
 * The summed fields of one section (`metric-defs.ts`), accumulated from spans or from partial
 * aggregates and written into the section's JSON at their declared paths.
 */
import type { SpanSummary } from '../model/span.js';
import { numberAttr } from './attrs.js';
import { setAtPath, sumsOf } from '../model/metric-defs.js';
import type { SumDef, SumSection } from '../model/metric-defs.js';

/** Sums of one section's declared fields. Constant memory; `merge` is exact. */
export class SumAccumulator {
  readonly defs: readonly SumDef[];
  readonly values: Float64Array;

  constructor(section: SumSection) {
    this.defs = sumsOf(section);
    this.values = new Float64Array(this.defs.length);
  }

  /** Add a span's attributes (the caller has checked its kind). */
  add(span: SpanSummary): void {
    const defs = this.defs;
    for (let i = 0; i < defs.length; i++) this.values[i]! += numberAttr(span.attrs, (defs[i] as SumDef).attr) ?? 0;
  }

  /** Add sums computed elsewhere (a partial aggregate's `sums`, keyed by id). */
  addParts(sums: Readonly<Record<string, number>>): void {
    for (let i = 0; i < this.defs.length; i++) this.values[i]! += sums[(this.defs[i] as SumDef).id] ?? 0;
  }

  merge(o: SumAccumulator): void {
    for (let i = 0; i < this.values.length; i++) this.values[i]! += o.values[i]!;
  }

  /** The sum of one declared field (0 for an id of another section). */
  get(id: string): number {
    const i = this.defs.findIndex((d) => d.id === id);
    return i < 0 ? 0 : this.values[i]!;
  }

  /** Write every sum at its declared path of a section object. */
  writeInto(section: Record<string, unknown>): void {
    for (let i = 0; i < this.defs.length; i++) setAtPath(section, (this.defs[i] as SumDef).path, this.values[i]!);
  }
}
