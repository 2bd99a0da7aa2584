// Public surface of the model layer: event and span types, schema validation, codec, ids, time.
export type {
  AgentmeterEvent,
  AgentAttributes,
  AttributesByKind,
  BaseAttributes,
  DebugAttributes,
  EventEnvelope,
  EventType,
  FeedbackAttributes,
  FeedbackEvent,
  FeedbackSource,
  JsonValue,
  LlmAttributes,
  OptimizationAttributes,
  PipelineAttributes,
  RunAttributes,
  SpanCompleteEvent,
  SpanEndEvent,
  SpanIdentity,
  SpanKind,
  SpanPointEvent,
  SpanStartEvent,
  SpanStatus,
  TaskAttributes,
  ToolAttributes,
  WorkflowAttributes,
} from './events.js';
export { FEEDBACK_SOURCES, SCHEMA_VERSION, SPAN_KINDS, SPAN_STATUSES } from './events.js';
export type { DetailedSummary, Feedback, FeedbackSummary, Span, SpanState, SpanSummary } from './span.js';
export { DETAIL_KEYS, DETAIL_KEYS_OF, DETAIL_KINDS, SUMMARY_NUMBER_KEYS, SUMMARY_PROFILE_KEYS, SUMMARY_SIGNATURE, summaryProfile } from './summary.js';
export { DEFAULT_OPEN_TIMEOUT_MS, SpanFolder, feedbackFromEvent, hashId, mergeAttrs } from './fold.js';
export type { FoldStats, SpanFolderOptions } from './fold.js';
export { validateEvent } from './validate.js';
export { ATTRIBUTE_TYPES } from './generated/attribute-types.js';
export type { AttributeType } from './generated/attribute-types.js';
export type { ValidationResult } from './validate.js';
export { MAX_DEPTH, decodeLine, encodeLine, exceedsDepth, stringifyFinite } from './codec.js';
export type { DecodeResult } from './codec.js';
export { isUuid, uuidv7, uuidv7Time } from './ids.js';
export { parseDurationMs, parseSince, parseTimestamp, startOfUtcDay, toIso, utcDay } from './time.js';
export { normalizeStatus, pipelineResult } from './status.js';
export { AgentmeterError, DiagnosticChannel, OPTIONAL_PACKAGES, loadOptional, missingDependency, stderrListener } from './diagnostics.js';
export { createRedactor, redactText } from './redact.js';
export type { RedactOptions } from './redact.js';
export type { Diagnostic, DiagnosticListener } from './diagnostics.js';
export type { EventSink, ExportResult } from './sink.js';
export type { AggregateWindow, FeedbackAggregate, OptimizationParts, SketchParts, SpanAggregate, SummaryParts } from './aggregate.js';
export { DEFAULT_EXCLUDED_ENVS, envPredicate, envSelected } from './envs.js';
export type { EnvSelection } from './envs.js';
export { SUMS, readAtPath, setAtPath, sumDef, sumsOf } from './metric-defs.js';
export type { SectionSums, SeriesSums, SumDef, SumId, SumSection, SumUnit } from './metric-defs.js';
