// Public surface of `agentmeter/otlp`: the OTLP/HTTP JSON exporter and its pure encoder.
export { OtlpHttpSink, parseRetryAfter } from './otlp-sink.js';
export type { OtlpHttpSinkOptions, OtlpHttpSinkStats } from './otlp-sink.js';
export { OTLP_SCOPE, feedbackToOtlp, feedbackToOtlpLogs, nanos, otlpSpanName, otlpValue, spanIdOf, spanToOtlp, spansToOtlp, traceIdOf } from './encode.js';
export type { OtlpKeyValue, OtlpLogRecord, OtlpLogsRequest, OtlpResource, OtlpSpan, OtlpTraceRequest, OtlpValue } from './encode.js';
