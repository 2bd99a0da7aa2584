// Public surface of the analytics layer: pure functions and accumulators from spans to reports.
export {
  GeoMean,
  QuantileSketch,
  SKETCH_MAX_BUCKETS,
  SKETCH_MIN_INDEXABLE,
  SKETCH_RELATIVE_ACCURACY,
  Summary,
  rate,
  wilsonInterval,
} from './stats.js';
export { DEFAULT_EXCLUDED_ENVS, MAX_SKIPPED_SAMPLES, NO_GROUP_KEY, ReportBuilder, buildReport, groupAttribute } from './report.js';
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
export { AgentAnalysisBuilder, agentAnalysisFromParts, analyzeAgents, performanceStats, workflowStatsFromParts } from './seeds/agents.js';
export type { AgentAnalysis, AgentSpan, AgentAnalysisOptions, AgentParts, AgentStats, AgentTrend, WorkflowParts, WorkflowStats } from './seeds/agents.js';
export { buildRunRecords, percent, RunRecordsBuilder, runTotals, seedRunId } from './seeds/orchestrator-runs.js';
export type { AgentMetrics, DebugDetail, ErrorDetail, IssueRecord, PipelineDetail, RecordSpan, RunRecord } from './seeds/orchestrator-runs.js';
export { answerOrchestratorQueries, orchestratorAnswersFromParts, orchestratorParts, spearman } from './seeds/orchestrator-queries.js';
export type {
  AgentRetries,
  AgentRetryParts,
  ComplexityParts,
  ComplexityRow,
  ConfigParts,
  ConfigSuccess,
  MedianParts,
  OrchestratorAnswers,
  OrchestratorParts,
  SpearmanParts,
} from './seeds/orchestrator-queries.js';
export { AutomationAccumulator, automationSummary, automationSummaryFromParts } from './seeds/automation.js';
export type { AutomationFigures, AutomationSummary } from './seeds/automation.js';
export {
  binomialUpperTail,
  incompleteBeta,
  logGamma,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
} from './distributions.js';
export { compareProportions, fisherExact, newcombeInterval } from './tests-proportions.js';
export type { ProportionComparison } from './tests-proportions.js';
export { HODGES_LEHMANN_MAX_PAIRS, hodgesLehmann, mannWhitney } from './tests-ranks.js';
export type { MannWhitneyResult, ShiftEstimate } from './tests-ranks.js';
export { welchTest } from './tests-means.js';
export type { WelchResult } from './tests-means.js';
export { holmAdjust } from './multiple-comparisons.js';
export { BOOTSTRAP_MAX_N, bootstrapMeanRatio } from './bootstrap.js';
export type { BootstrapRatio } from './bootstrap.js';
export { sampleSizeTwoMeans, sampleSizeTwoProportions } from './power.js';
export { mulberry32 } from './random.js';
export { keyAttr, numberAttr } from './attrs.js';
export { endedDuration, outcomeOf } from './outcome-accumulators.js';
export { agentRankingScore, lowerBound } from './ranking.js';
export type { RankingInput } from './ranking.js';
export { SumAccumulator } from './sum-accumulator.js';
export { DIMENSIONS, METRICS, METRIC_SPECS, OUTCOME_KINDS, dimensionValue, isDimension, observe, observeFeedback } from './metrics.js';
export type { Dimension, Metric, MetricSpec } from './metrics.js';
export { compareGroups, estimateGroup, formatEffect } from './compare.js';
export type { CompareOptions, ComparisonReport, GroupEstimate, PairComparison, Verdict } from './compare.js';
export { TREND_MIN_BUCKETS, TREND_MIN_PER_BUCKET, bucketStart, mannKendall, theilSen, trendSeries } from './trends.js';
export type { MannKendallResult, SlopeEstimate, TrendDirection, TrendPoint, TrendSeries } from './trends.js';
export { AnomalyCollector, DEFAULT_ANOMALY_SETTINGS, QUALITY_JOIN_LOOKBACK_MS, QualityObservations, groupKeyOf, observationOf, samplesOf, trendsOf } from './insight-inputs.js';
export type { AnomalySettings, GroupKeyOf, Observation } from './insight-inputs.js';
export { detectAnomalies, rollUpSeries } from './anomalies.js';
export type { Anomaly, AnomalyMetric, AnomalyObservation, AnomalyOptions, AnomalyReport } from './anomalies.js';
export { evaluateGates } from './gates.js';
export type { GateReport, GateResult, GateSpec } from './gates.js';
