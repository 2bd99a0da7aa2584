// Public surface of the store layer: layout and retention, the segment writer, the streaming reader.
export { CACHE_DIR, listPartitions, listSegments, pruneBefore, resolveStoreDir, storeExists } from './layout.js';
export { SegmentWriter } from './segment-writer.js';
export type { Durability } from './segment-writer.js';
export { MAX_LINE_BYTES, scanEvents, scanSegmentFile } from './reader.js';
export type { ReadStats, SkippedLine } from './reader.js';
export { scanSpans } from './scan-spans.js';
export type { ScanSpansOptions, ScanSpansStats } from './scan-spans.js';
export { scanSummaries } from './scan-summaries.js';
export type { ScanProgress, ScanSummariesOptions, ScanSummariesStats } from './scan-summaries.js';
export { createLocalSink, storeWriteProblem } from './local-sink.js';
export type { LocalSink, LocalSinkOptions } from './local-sink.js';
export { derivedUuid } from './derived-ids.js';
export { writeFileAtomic } from './atomic-file.js';
export { collectStore } from './collect.js';
export { spanSelected } from './span-filter.js';
export type { SpanFilter } from './span-filter.js';
export type { CollectOptions, Collected } from './collect.js';
