// `agentmeter/compat`: the seed systems' own APIs on agentmeter (docs/oak.md,
// docs/orchestrator.md, docs/automation.md). Kept off the root entry so the SDK stays small.
export { TelemetryLogger } from './oak/telemetry-logger.js';
export type { InvocationInput, InvocationUpdate, SuccessMetricInput, TelemetryLoggerOptions } from './oak/telemetry-logger.js';
export { IssueTracker, RunLogger } from './orchestrator/run-logger.js';
export type { IssueError, RunConfig, RunLoggerOptions, RunSummary } from './orchestrator/run-logger.js';
export { createAutomationMetrics } from './automation/automation-metrics.js';
export type { AutomationMetricsOptions, AutomationRecord, AutomationRecorder } from './automation/automation-metrics.js';
