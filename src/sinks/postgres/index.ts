// Public surface of `agentmeter/postgres`: the PostgreSQL sink, schema migrations and the
// report computed in SQL. Loads `pg`; nothing else in the package does.
export { PostgresSink } from './postgres-sink.js';
export type { PostgresSinkOptions, PostgresSinkStats, SetAsideInfo } from './postgres-sink.js';
export { isPostgresUrl, openPool, parsePostgresUrl, redactUrl } from './connection.js';
export type { PostgresTarget } from './connection.js';
export { LATEST_VERSION, MIGRATIONS, dropPartitionsBefore, listDayPartitions, listSetAside, migrate, migrationStatus } from './migrations.js';
export type { Migration, MigrationStatus, SetAsideRow } from './migrations.js';
export { queryReportAggregates } from './report-query.js';
export { querySpans } from './span-query.js';
export type { PostgresSpanRow, PostgresSpansQuery } from './span-query.js';
export type { PostgresReportQuery, PostgresReportResult } from './report-query.js';
export { queryAgentAggregates, queryAutomationAggregates, queryOrchestratorAggregates } from './seed-queries.js';
export type {
  EnvFilter,
  PostgresAgentRow,
  PostgresAgentsQuery,
  PostgresAutomationQuery,
  PostgresAutomationRow,
  PostgresConfigRow,
  PostgresOrchestratorQuery,
  PostgresOrchestratorResult,
  PostgresWorkflowRow,
} from './seed-queries.js';
