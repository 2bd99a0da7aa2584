// Public surface of the server layer: the dashboard's routes and the one function that opens a port.
export { BREAKDOWN_DIMENSIONS, dashboardRoutes, defaultAssetsDir } from './dashboard/routes.js';
export type { DashboardRoutesOptions } from './dashboard/routes.js';
export { DEFAULT_HOST, listen } from './listen.js';
export type { ListenOptions, Listening } from './listen.js';
