// Public surface of the server layer: the ingest app (a pure fetch handler), the dashboard's
// routes, and the one function that opens a port.
export { DEFAULT_MAX_BODY_BYTES, createApp } from './app.js';
export type { AppOptions } from './app.js';
export { BREAKDOWN_DIMENSIONS, dashboardRoutes, defaultAssetsDir } from './dashboard/routes.js';
export type { DashboardRoutesOptions } from './dashboard/routes.js';
export { DEFAULT_HOST, DEFAULT_PORT, listen } from './listen.js';
export type { FetchApp, ListenOptions, RunningServer } from './listen.js';
export { LOOPBACK_HOSTS, acceptedHosts, isLoopbackHost } from './host-check.js';
export { tokenProblem } from './token.js';
export { mapOtlpTraces } from './otlp-map.js';
export { mapOtlpLogs } from './otlp-logs-map.js';
export type { OtlpMapOptions, OtlpMapResult } from './otlp-map.js';
