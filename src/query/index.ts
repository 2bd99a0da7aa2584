// Public surface of the query layer: one `ReportSource` interface and its implementations,
// through which every read command and the dashboard compute their answers.
export { DirectorySource } from './directory-source.js';
export type { DirectorySourceOptions } from './directory-source.js';
export { NotMigratedError, PostgresSource, loadPostgres, requireMigrated } from './postgres-source.js';
export { isPostgresStore, openSource } from './open-source.js';
export type { OpenSourceOptions, StoreChoice } from './open-source.js';
export type {
  AgentsQuery,
  QueryWindow,
  ReportQuery,
  ReportSource,
  ScanHandlers,
  ScanWindow,
  ScannedSpan,
  SeedQuery,
  Skipped,
} from './source.js';
