// Public surface of the sinks layer shared by every destination: the forwarder and its
// durable cursor. Each destination has its own subpath (`agentmeter/postgres`,
// `agentmeter/otlp`), so importing one never loads another's dependencies.
export { syncStore } from './sync.js';
export type { EncodedBatch, EncodingSink, RememberingSink, SyncOptions, SyncProgress, SyncResult } from './sync.js';
export type { EncoderRef } from './encode-pool.js';
export type { EncodeEvents } from './line-codec.js';
export { CURSORS_DIR, cursorPath, emptyCursor, loadCursor, saveCursor, sinkId } from './cursor.js';
export type { CursorState } from './cursor.js';
