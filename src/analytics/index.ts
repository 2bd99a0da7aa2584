// Public surface of the analytics layer: pure functions and accumulators from spans to reports.
export {
  GeoMean,
  QuantileSketch,
  SKETCH_MAX_BUCKETS,
  SKETCH_RELATIVE_ACCURACY,
  Summary,
  rate,
  wilsonInterval,
} from './stats.js';
export { DEFAULT_EXCLUDED_ENVS, MAX_SKIPPED_SAMPLES, NO_GROUP_KEY, ReportBuilder, buildReport } from './report.js';
export type { ReportOptions } from './report.js';
export { GROUP_BY_VALUES } from './report-types.js';
export type {
  AgentReport,
  DebuggingReport,
  DurationQuantiles,
  FeedbackReport,
  GroupBy,
  GroupReport,
  Interval,
  OptimizationReport,
  OutcomeReport,
  PipelineReport,
  Report,
  SectionReports,
  SkippedSample,
  Trend,
} from './report-types.js';
export { analyzeAgents, performanceStats } from './seeds/agents.js';
export type { AgentAnalysis, AgentAnalysisOptions, AgentStats, AgentTrend, WorkflowStats } from './seeds/agents.js';
export { buildRunRecords, percent, runTotals, seedRunId } from './seeds/orchestrator-runs.js';
export type { AgentMetrics, DebugDetail, ErrorDetail, IssueRecord, PipelineDetail, RunRecord } from './seeds/orchestrator-runs.js';
export { answerOrchestratorQueries, spearman } from './seeds/orchestrator-queries.js';
export type { AgentRetries, ComplexityRow, ConfigSuccess, OrchestratorAnswers } from './seeds/orchestrator-queries.js';
export { automationSummary } from './seeds/automation.js';
export type { AutomationFigures, AutomationSummary } from './seeds/automation.js';
