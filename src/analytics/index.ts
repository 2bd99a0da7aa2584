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
