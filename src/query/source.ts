/**
 * The query layer's one interface: every read command and the dashboard ask a `ReportSource`
 * for their figures, whatever the store is (docs/architecture.md). Implementations: a
 * directory read through the span cache, a directory folded afresh, PostgreSQL. Each
 * computes with the analytics layer's accumulators and definitions, so the same store gives
 * the same numbers through every source; one contract suite holds them to it.
 */
import type { AgentAnalysis, AutomationSummary, GroupBy, OrchestratorAnswers, Report, SkippedSample } from '../analytics/index.js';
import type { DetailedSummary, EnvSelection, Feedback, Span } from '../model/index.js';

/** A time window of span starts, Unix ms, [sinceMs, untilMs), and the clock for open vs abandoned. */
export interface QueryWindow {
  sinceMs: number;
  untilMs: number;
  nowMs: number;
}

/** What `report` asks. */
export interface ReportQuery extends QueryWindow {
  by?: GroupBy | undefined;
  envs?: EnvSelection;
}

/** What `agents` asks: a window (or all history), envs, a task type. */
export interface AgentsQuery {
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  envs?: EnvSelection;
  taskType?: string | undefined;
  nowMs: number;
}

/** What a seed report (`report automation`, `report orchestrator`) asks. */
export interface SeedQuery extends QueryWindow {
  envs?: EnvSelection;
}

/** Lines a directory reader skipped (none for a database): the count and a few samples. */
export interface Skipped {
  skipped_lines: number;
  skipped_samples: SkippedSample[];
}

/**
 * A span as a scan hands it over. When the scan was asked for ids, agent and workflow spans
 * come with `spanId`, `name`, `endMs` and their detail attributes (`DETAIL_KEYS_OF`); a span of
 * another kind may have them too (one folded across segments is a whole `Span`), or not.
 */
export type ScannedSpan = DetailedSummary;

/** Callbacks of `ReportSource.scan`. */
export interface ScanHandlers {
  /** Every span started in the window, of every env (the caller selects). */
  onSpan: (s: ScannedSpan) => void;
  /** The last feedback of each span, given in the window, of every env. */
  onFeedback?: ((f: Feedback) => void) | undefined;
  /** Hand over the ids, names and ends of agent and workflow spans (`DETAIL_KINDS`), for joins on span ids. */
  withIds?: boolean | undefined;
}

/** Whole-store scan window: omit both bounds. */
export interface ScanWindow {
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  nowMs: number;
}

/** A store to compute reports from. */
export interface ReportSource {
  /** What the source reads, for messages: a directory or a redacted URL. */
  readonly label: string;
  /** The general report (`agentmeter report`). */
  report(q: ReportQuery): Promise<Report>;
  /** Agent statistics and ranking (`agentmeter agents`). */
  agents(q: AgentsQuery): Promise<{ analysis: AgentAnalysis } & Skipped>;
  /** The automation-metrics summary (`report automation`). */
  automation(q: SeedQuery): Promise<{ summary: AutomationSummary } & Skipped>;
  /** The orchestrator's example queries (`report orchestrator`). */
  orchestrator(q: SeedQuery): Promise<{ answers: OrchestratorAnswers } & Skipped>;
  /**
   * Stream spans started in the window and feedback given in it: what `compare`, `trends`,
   * `anomalies` and the dashboard observe. Spans come as folded summaries with the report's
   * attributes; objects may be reused between calls, so copy what you keep.
   */
  scan(w: ScanWindow, h: ScanHandlers): Promise<Skipped>;
  /**
   * Stream whole spans (ids, names, parents, every attribute) started in the window, and the
   * last feedback of each span given in it: what exports that list spans read.
   */
  spans(w: ScanWindow, h: { onSpan: (s: Span) => void; onFeedback?: ((f: Feedback) => void) | undefined }): Promise<Skipped>;
  /** Release connections. */
  close(): Promise<void>;
}
