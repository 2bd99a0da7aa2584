/**
 * How agents are ranked, in one place for `agents` and the dashboard: the sub-agent seed's
 * weights (0.6 · success rate + 0.4 · quality / 5) applied to the lower 95 % Wilson bounds
 * of the success rate and of the rating (mapped to [0, 1]), so 1 success out of 1 does not
 * outrank 95 out of 100. Formula: docs/metrics.md.
 */
import { wilsonInterval } from './stats.js';

/** Lower Wilson bound, 0 without trials. */
export function lowerBound(successes: number, trials: number): number {
  return wilsonInterval(successes, trials)?.[0] ?? 0;
}

/** What the ranking reads of one agent. */
export interface RankingInput {
  successes: number;
  failures: number;
  /** Ratings (1–5) received. */
  ratings: number;
  /** Σ (rating − 1) / 4 over them: each rating as a fraction of the scale. */
  ratingUnitSum: number;
}

/**
 * The ranking score of an agent, in [0, 1].
 *
 * @example
 * agentRankingScore({ successes: 95, failures: 5, ratings: 0, ratingUnitSum: 0 }) // 0.54…
 */
export function agentRankingScore(a: RankingInput): number {
  const qualityLow = a.ratings > 0 ? 1 + 4 * lowerBound(a.ratingUnitSum, a.ratings) : 0;
  return 0.6 * lowerBound(a.successes, a.successes + a.failures) + 0.4 * (qualityLow / 5);
}
