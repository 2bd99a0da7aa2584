/**
 * A directory of segments as a `ReportSource`: spans read through the span cache (per-segment
 * digests, docs/performance.md) or, with `cache: false`, folded afresh from every event.
 * Reports and `agents` stream through the span cache, so memory is bounded by the number of
 * groups (and, for `agents` and `report orchestrator`, a few fields per span: the cache keeps
 * the detail they read, `DETAIL_KINDS`); `report automation` keeps its optimization sessions,
 * few in a store.
 */
import { MAX_SKIPPED_SAMPLES } from '../analytics/report.js';
import { AgentAnalysisBuilder } from '../analytics/seeds/agents.js';
import { automationSummary } from '../analytics/seeds/automation.js';
import { answerOrchestratorQueries } from '../analytics/seeds/orchestrator-queries.js';
import { RunRecordsBuilder } from '../analytics/seeds/orchestrator-runs.js';
import { envSelected } from '../model/envs.js';
import type { DetailedSummary, Feedback, SpanKind } from '../model/index.js';
import type { AgentSpan, RecordSpan, Report } from '../analytics/index.js';
import { spanSelected } from '../store/span-filter.js';
import { scanSummaries } from '../store/scan-summaries.js';
import type { ScanSummariesOptions } from '../store/index.js';
import type { ScanProgress, SkippedLine, SpanFilter } from '../store/index.js';
import { reportBuilderFor } from './report-builder.js';
import type { AgentsQuery, ReportQuery, ReportSource, ScanHandlers, ScanWindow, SeedQuery, Skipped } from './source.js';

const DAY_MS = 86_400_000;

/** The kinds `agents` reads, and a scan `withIds` hands over with their ids (`ScanHandlers.withIds`). */
const AGENT_KINDS: readonly SpanKind[] = ['agent', 'workflow'];
/** The kinds the automation report reads. */
const AUTOMATION_KINDS: readonly SpanKind[] = ['optimization'];
/** The kinds the orchestrator's run records are built from. */
const ORCHESTRATOR_KINDS: readonly SpanKind[] = ['run', 'task', 'agent', 'pipeline', 'debug'];

/** Options of `DirectorySource`. */
export interface DirectorySourceOptions {
  /** Default true: read segments through the span cache, writing digests for sealed ones. */
  cache?: boolean;
  /** Called after each report scan with the number of segments read (progress). */
  onSegments?: (segments: number) => void;
  /** Called after each segment a report or summary scan reads (a progress line). */
  onProgress?: ((p: ScanProgress) => void) | undefined;
}

function sampler(): { samples: SkippedLine[]; onSkip: (s: SkippedLine) => void } {
  const samples: SkippedLine[] = [];
  return {
    samples,
    onSkip: (s) => {
      if (samples.length < MAX_SKIPPED_SAMPLES) samples.push(s);
    },
  };
}

/** The reader options of a scan's window, for `scan` (summaries) and `spans` (whole spans) alike. */
interface Windowed<S> {
  nowMs: number;
  sinceMs?: number;
  untilMs?: number;
  onSpan: (s: S) => void;
  onFeedback?: (f: Feedback) => void;
}

/**
 * A window as reader options: partitions from its start to a day past its end (ends of spans
 * started inside it may land in a later partition); spans by start and feedback by time
 * inside it, unfiltered for the whole store.
 */
function windowed<S extends { startMs: number }>(w: ScanWindow, onSpan: (s: S) => void, onFeedback: ((f: Feedback) => void) | undefined): Windowed<S> {
  const whole = w.sinceMs === undefined && w.untilMs === undefined;
  const since = w.sinceMs ?? -Infinity;
  const until = w.untilMs ?? Infinity;
  return {
    nowMs: w.nowMs,
    ...(w.sinceMs !== undefined ? { sinceMs: w.sinceMs } : {}),
    ...(w.untilMs !== undefined ? { untilMs: w.untilMs + DAY_MS } : {}),
    onSpan: whole
      ? onSpan
      : (s: S): void => {
          if (s.startMs >= since && s.startMs < until) onSpan(s);
        },
    ...(onFeedback ? { onFeedback: whole ? onFeedback : (f: Feedback): void => (f.tsMs >= since && f.tsMs < until ? onFeedback(f) : undefined) } : {}),
  };
}

/** A store directory read as a report source. */
export class DirectorySource implements ReportSource {
  readonly dir: string;
  readonly label: string;
  readonly #cache: boolean;
  readonly #onSegments: ((segments: number) => void) | undefined;
  readonly #onProgress: ((p: ScanProgress) => void) | undefined;

  constructor(dir: string, o: DirectorySourceOptions = {}) {
    this.dir = dir;
    this.label = dir;
    this.#cache = o.cache !== false;
    this.#onSegments = o.onSegments;
    this.#onProgress = o.onProgress;
  }

  async report(q: ReportQuery): Promise<Report> {
    const builder = reportBuilderFor(q);
    const { samples, onSkip } = sampler();
    // The previous window (for trends) is as long as the current one and ends where it starts.
    const previousSince = q.sinceMs - (q.untilMs - q.sinceMs);
    const stats = await scanSummaries({
      root: this.dir,
      cache: this.#cache,
      sinceMs: previousSince,
      // Ends of spans started inside the window may land in a later day partition.
      untilMs: q.untilMs + DAY_MS,
      nowMs: q.nowMs,
      onSpan: (s) => builder.addSpan(s),
      onFeedbackSummary: (f) => builder.addFeedback(f),
      onSkip,
      ...(this.#onProgress ? { onProgress: this.#onProgress } : {}),
    });
    this.#onSegments?.(stats.read.segments);
    builder.setSkippedLines(stats.read.skipped, samples);
    return builder.build();
  }

  async agents(q: AgentsQuery): Promise<Awaited<ReturnType<ReportSource['agents']>>> {
    // Streamed: the analysis keeps a few fields per invocation, not the window's spans.
    const b = new AgentAnalysisBuilder({ nowMs: q.nowMs, taskType: q.taskType });
    const { samples, onSkip } = sampler();
    const filter: SpanFilter = { sinceMs: q.sinceMs ?? -Infinity, untilMs: q.untilMs ?? Infinity, windowOn: 'start', envs: q.envs, kinds: AGENT_KINDS };
    const stats = await scanSummaries({
      ...this.#summaryOptions(),
      nowMs: q.nowMs,
      // Spans started in the window may end days later; partitions before it hold nothing of it.
      ...(q.sinceMs !== undefined ? { sinceMs: q.sinceMs } : {}),
      detail: AGENT_KINDS,
      onSpan: (s) => {
        // Agent and workflow spans (the only kinds the filter keeps) come with their detail.
        if (spanSelected(s, filter) && s.spanId !== undefined) b.addSpan(s as AgentSpan);
      },
      onFeedback: (f) => {
        if (envSelected(f.env, q.envs)) b.addFeedback(f);
      },
      onSkip,
    });
    return { analysis: b.build(), skipped_lines: stats.read.skipped, skipped_samples: samples };
  }

  async automation(q: SeedQuery): Promise<Awaited<ReturnType<ReportSource['automation']>>> {
    // The previous window of equal length feeds the trend.
    const previousSince = q.sinceMs - (q.untilMs - q.sinceMs);
    // Sessions are placed by their end (the seed writes a record when a session finishes).
    // Few spans are optimization sessions: they are kept (copied, as the replay reuses its objects).
    const sessions: DetailedSummary[] = [];
    const { samples, onSkip } = sampler();
    const filter: SpanFilter = { sinceMs: previousSince, untilMs: q.untilMs, windowOn: 'end', envs: q.envs, kinds: AUTOMATION_KINDS };
    const stats = await scanSummaries({
      ...this.#summaryOptions(),
      nowMs: q.nowMs,
      sinceMs: previousSince,
      detail: AUTOMATION_KINDS,
      onSpan: (s) => {
        if (spanSelected(s, filter)) sessions.push({ ...s, attrs: { ...s.attrs } });
      },
      onSkip,
    });
    // In order of start, then id, as whole spans are collected: sums are taken in the same order.
    sessions.sort((a, b) => a.startMs - b.startMs || ((a.spanId ?? '') < (b.spanId ?? '') ? -1 : (a.spanId ?? '') > (b.spanId ?? '') ? 1 : 0));
    return { summary: automationSummary(sessions, { sinceMs: q.sinceMs, untilMs: q.untilMs }), skipped_lines: stats.read.skipped, skipped_samples: samples };
  }

  async orchestrator(q: SeedQuery): Promise<Awaited<ReturnType<ReportSource['orchestrator']>>> {
    // Streamed: the builder keeps a run's and a task's own fields and a line per agent,
    // pipeline and debug span, not the window's spans; the answers sum its records one run
    // at a time, not all of them at once.
    const b = new RunRecordsBuilder();
    const { samples, onSkip } = sampler();
    const filter: SpanFilter = { sinceMs: q.sinceMs, untilMs: q.untilMs, windowOn: 'start', envs: q.envs, kinds: ORCHESTRATOR_KINDS };
    const stats = await scanSummaries({
      ...this.#summaryOptions(),
      nowMs: q.nowMs,
      // Spans started in the window may end days later; partitions before it hold nothing of it.
      sinceMs: q.sinceMs,
      detail: ORCHESTRATOR_KINDS,
      links: true,
      onSpan: (s) => {
        // The filter's kinds are all `DETAIL_KINDS`: they come with their ids, name and end.
        if (spanSelected(s, filter) && s.spanId !== undefined) b.addSpan(s as RecordSpan);
      },
      onSkip,
    });
    return { answers: answerOrchestratorQueries(b.records()), skipped_lines: stats.read.skipped, skipped_samples: samples };
  }

  async scan(w: ScanWindow, h: ScanHandlers): Promise<Skipped> {
    const { samples, onSkip } = sampler();
    const stats = await scanSummaries({ ...windowed(w, h.onSpan, h.onFeedback), onSkip, ...this.#summaryOptions(), detail: h.withIds === true ? AGENT_KINDS : false });
    return { skipped_lines: stats.read.skipped, skipped_samples: samples };
  }

  async spans(w: ScanWindow, h: Parameters<ReportSource['spans']>[1]): Promise<Skipped> {
    const { samples, onSkip } = sampler();
    // Whole spans: every event parsed (the span cache keeps summaries). The reader and the event
    // validator load with it: reports, which read summaries, start without them.
    const { scanSpans } = await import('../store/scan-spans.js');
    const stats = await scanSpans({ ...windowed(w, h.onSpan, h.onFeedback), onSkip, root: this.dir });
    return { skipped_lines: stats.read.skipped, skipped_samples: samples };
  }

  async close(): Promise<void> {}

  /** Where and how a summary scan reads: the root, the cache setting and the progress line. */
  #summaryOptions(): Pick<ScanSummariesOptions, 'root' | 'cache' | 'onProgress'> {
    return { root: this.dir, cache: this.#cache, ...(this.#onProgress ? { onProgress: this.#onProgress } : {}) };
  }
}
