/**
 * Turns partial aggregates computed by a store (`SpanAggregate`, `FeedbackAggregate` from
 * the model) into the same accumulators `ReportBuilder` fills from spans, so a report
 * computed in SQL goes through the one `build()` that renders every report.
 */
import type { FeedbackAggregate, SketchParts, SpanAggregate } from '../model/aggregate.js';
import type { SpanStatus } from '../model/events.js';
import { AgentAccumulator, OutcomeAccumulator } from './outcome-accumulators.js';
import { FeedbackAccumulator, SectionAccumulators } from './sections.js';
import { QuantileSketch } from './stats.js';
import { summaryOf } from './work-accumulators.js';


/**
 * Each group holds values of one sketch bucket, so adding its min once, its max once and
 * the rest at its min gives the same bucket counts, count, min and max as adding every value.
 */
export function sketchOf(p: SketchParts, into: QuantileSketch = new QuantileSketch()): QuantileSketch {
  if (p.zeros > 0) into.add(0, p.zeros);
  for (const b of p.buckets) {
    if (b.count <= 0) continue;
    if (b.count === 1) {
      into.add(b.min, 1);
      continue;
    }
    into.add(b.min, b.count - 1);
    into.add(b.max, 1);
  }
  return into;
}

function fillOutcome(o: OutcomeAccumulator, a: SpanAggregate): void {
  o.total += a.count;
  o.open += a.open;
  o.abandoned += a.abandoned;
  for (const k of Object.keys(o.statuses) as SpanStatus[]) o.statuses[k] += a.statuses[k];
  sketchOf(a.durations, o.durations);
}

function ended(a: SpanAggregate): number {
  let n = 0;
  for (const k of Object.keys(a.statuses) as SpanStatus[]) n += a.statuses[k];
  return n;
}

/** The section accumulators of one partial aggregate (kinds without a section stay empty). */
export function sectionsOfAggregate(a: SpanAggregate): SectionAccumulators {
  const acc = new SectionAccumulators();
  switch (a.kind) {
    case 'run':
      fillOutcome(acc.runs, a);
      break;
    case 'task':
      fillOutcome(acc.tasks, a);
      break;
    case 'agent':
      fillAgent(acc.agents, a);
      break;
    case 'pipeline': {
      const p = acc.pipelines;
      p.total = a.count;
      p.open = a.open;
      p.abandoned = a.abandoned;
      p.passed = a.statuses.success;
      p.failed = a.statuses.failure;
      p.other = ended(a) - a.statuses.success - a.statuses.failure;
      p.firstAttempts = a.firstAttempts;
      p.firstAttemptsPassed = a.firstAttemptsPassed;
      break;
    }
    case 'debug': {
      const d = acc.debugging;
      d.cycles = a.count;
      d.open = a.open;
      d.abandoned = a.abandoned;
      d.resolved = a.resolved;
      d.unresolved = a.unresolved;
      d.attempts.merge(summaryOf(a.attempts));
      sketchOf(a.durations, d.timeToResolve);
      acc.agents.retries = a.retries;
      break;
    }
    case 'optimization':
      acc.optimizations.addParts(a.count, a.open, a.abandoned, a);
      break;
    case 'llm':
      fillOutcome(acc.modelCalls.outcome, a);
      acc.modelCalls.sums.addParts(a.sums);
      break;
    case 'tool':
      fillOutcome(acc.toolCalls, a);
      break;
    default:
      return acc;
  }
  acc.volume = a.count;
  return acc;
}

function fillAgent(g: AgentAccumulator, a: SpanAggregate): void {
  fillOutcome(g.outcome, a);
  g.sums.addParts(a.sums);
}

/** Feedback totals of one partial aggregate. */
export function feedbackOfAggregate(f: FeedbackAggregate): FeedbackAccumulator {
  const acc = new FeedbackAccumulator();
  acc.count = f.count;
  acc.success = f.success;
  acc.failure = f.failure;
  acc.ratings.merge(summaryOf(f.ratings));
  return acc;
}

/** Agent feedback of one partial aggregate, as section accumulators with no spans. */
export function agentFeedbackOfAggregate(f: FeedbackAggregate): SectionAccumulators {
  const acc = new SectionAccumulators();
  acc.agents.ratings.merge(summaryOf(f.ratings));
  acc.agents.feedbackSuccess = f.success;
  acc.agents.feedbackFailure = f.failure;
  return acc;
}
