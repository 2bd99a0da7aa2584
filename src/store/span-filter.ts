/**
 * Which folded spans a read keeps: a window on their start or end, kinds and envs. Apart from
 * the folds that use it (fold-segment.ts, collect.ts), so a reader that filters spans it is
 * handed (the query layer) loads no fold.
 */
import type { SpanKind } from '../model/events.js';
import { envSelected } from '../model/envs.js';
import type { EnvSelection } from '../model/envs.js';
import type { SpanSummary } from '../model/span.js';

/** Which folded spans a collecting read keeps (`collectStore`'s options, as data a worker can take). */
export interface SpanFilter {
  sinceMs: number;
  untilMs: number;
  /** Which time of a span the window selects on: its start, or its end (an open span: its start). */
  windowOn: 'start' | 'end';
  envs: EnvSelection;
  kinds: readonly SpanKind[] | undefined;
}

/** Whether `s` passes `f`. */
export function spanSelected(s: SpanSummary, f: SpanFilter): boolean {
  const at = f.windowOn === 'end' && s.state === 'ended' && s.durationMs !== null && Number.isFinite(s.durationMs) ? Math.round(s.startMs + s.durationMs) : s.startMs;
  return at >= f.sinceMs && at < f.untilMs && (f.kinds === undefined || f.kinds.includes(s.kind)) && envSelected(s.env, f.envs);
}
