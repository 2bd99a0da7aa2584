/**
 * The per-window, per-group bundle of section accumulators, and feedback totals. Each
 * holds counters and sketches only, so memory is constant in the number of spans;
 * `build(previous)` turns the current window's bundle into its JSON sections with trends
 * read from the previous window's bundle of the same group.
 */
import type { SpanKind } from '../model/events.js';
import type { FeedbackSummary, SpanSummary } from '../model/span.js';
import { AgentAccumulator, ModelCallAccumulator, OutcomeAccumulator } from './outcome-accumulators.js';
import { rate, Summary } from './stats.js';
import { DebugAccumulator, OptimizationAccumulator, PipelineAccumulator } from './work-accumulators.js';
import type { FeedbackReport, SectionReports } from './report-types.js';

/** All feedback in the window. */
export class FeedbackAccumulator {
  count = 0;
  success = 0;
  failure = 0;
  readonly ratings = new Summary();

  add(f: FeedbackSummary): void {
    this.count++;
    if (f.success === true) this.success++;
    else if (f.success === false) this.failure++;
    if (f.rating !== null) this.ratings.add(f.rating);
  }

  merge(o: FeedbackAccumulator): void {
    this.count += o.count;
    this.success += o.success;
    this.failure += o.failure;
    this.ratings.merge(o.ratings);
  }

  build(): FeedbackReport {
    return { count: this.count, success_rate: rate(this.success, this.failure), mean_rating: this.ratings.mean };
  }
}

const SECTION_KINDS: ReadonlySet<SpanKind> = new Set<SpanKind>(['run', 'task', 'agent', 'pipeline', 'debug', 'optimization', 'llm', 'tool']);

/** Whether spans of this kind feed a report section (workflow spans do not). */
export function hasSection(kind: SpanKind): boolean {
  return SECTION_KINDS.has(kind);
}

/** The span sections of one group (or of the whole report) in one window. */
export class SectionAccumulators {
  /** Spans added (the group's volume). */
  volume = 0;
  readonly runs = new OutcomeAccumulator();
  readonly tasks = new OutcomeAccumulator();
  readonly agents = new AgentAccumulator();
  readonly pipelines = new PipelineAccumulator();
  readonly debugging = new DebugAccumulator();
  readonly optimizations = new OptimizationAccumulator();
  readonly modelCalls = new ModelCallAccumulator();
  readonly toolCalls = new OutcomeAccumulator();

  /** Add a span; kinds without a section (workflow) are ignored. */
  add(span: SpanSummary): void {
    if (!hasSection(span.kind)) return;
    this.volume++;
    switch (span.kind) {
      case 'run':
        this.runs.add(span);
        return;
      case 'task':
        this.tasks.add(span);
        return;
      case 'agent':
        this.agents.add(span);
        return;
      case 'pipeline':
        this.pipelines.add(span);
        return;
      case 'debug':
        this.debugging.add(span);
        this.agents.addRetries(span);
        return;
      case 'optimization':
        this.optimizations.add(span);
        return;
      case 'llm':
        this.modelCalls.add(span);
        return;
      case 'tool':
        this.toolCalls.add(span);
        return;
      default:
        return;
    }
  }

  merge(o: SectionAccumulators): void {
    this.volume += o.volume;
    this.runs.merge(o.runs);
    this.tasks.merge(o.tasks);
    this.agents.merge(o.agents);
    this.pipelines.merge(o.pipelines);
    this.debugging.merge(o.debugging);
    this.optimizations.merge(o.optimizations);
    this.modelCalls.merge(o.modelCalls);
    this.toolCalls.merge(o.toolCalls);
  }

  build(prev: SectionAccumulators): SectionReports {
    return {
      runs: this.runs.build(prev.runs),
      tasks: this.tasks.build(prev.tasks),
      agents: this.agents.build(prev.agents),
      pipelines: this.pipelines.build(prev.pipelines),
      debugging: this.debugging.build(this.tasks.total),
      optimizations: this.optimizations.build(prev.optimizations),
      model_calls: this.modelCalls.build(prev.modelCalls),
      tool_calls: this.toolCalls.build(prev.toolCalls),
    };
  }
}
