// Public surface of the server layer: the ingest app (a pure fetch handler) and the listener.
export { DEFAULT_MAX_BODY_BYTES, createApp } from './app.js';
export type { AppOptions } from './app.js';
export { DEFAULT_PORT, listen } from './listen.js';
export type { ListenOptions, RunningServer } from './listen.js';
export { LOOPBACK_HOSTS, isLoopbackHost } from './host-check.js';
export { mapOtlpTraces } from './otlp-map.js';
export type { OtlpMapOptions, OtlpMapResult } from './otlp-map.js';
