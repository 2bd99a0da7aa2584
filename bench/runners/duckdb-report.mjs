// DuckDB baseline for bench/report.mjs, run as its own process so its peak RSS is its own.
// Usage: node bench/runners/duckdb-report.mjs <glob> <auto|declared|noop>
// Prints one JSON line: { ms, rows, maxRssKb } (ms = query only, after DuckDB has loaded).
import { DuckDBInstance } from '@duckdb/node-api';

const [glob, variant = 'auto'] = process.argv.slice(2);
if (!glob) {
  console.error('usage: duckdb-report.mjs <glob> <auto|declared|noop>');
  process.exit(2);
}
const path = glob.replaceAll("'", "''");
const source =
  variant === 'declared'
    ? `read_json('${path}', format = 'newline_delimited', columns = {type: 'VARCHAR', kind: 'VARCHAR', span_id: 'VARCHAR', ` +
      `status: 'VARCHAR', duration_ms: 'DOUBLE', attrs: 'STRUCT("gen_ai.request.model" VARCHAR)'})`
    : `read_json_auto('${path}')`;

// The same questions the report answers first: spans per kind and per model (a span's model is
// on its start; its status on its end, so starts are joined to ends as the report's folder
// does), successes, failures, duration p50/p95.
const sql = `
WITH e AS MATERIALIZED (
  SELECT type, kind, span_id, status, duration_ms, attrs."gen_ai.request.model" AS model FROM ${source}
),
s AS (SELECT span_id, model FROM e WHERE type = 'span.start'),
f AS (
  SELECT x.kind, x.status, x.duration_ms, coalesce(x.model, s.model) AS model
  FROM e AS x LEFT JOIN s USING (span_id)
  WHERE x.type IN ('span.end', 'span')
)
SELECT kind, model, count(*) AS spans,
  count(*) FILTER (WHERE status = 'success') AS success,
  count(*) FILTER (WHERE status = 'failure') AS failure,
  quantile_cont(duration_ms, 0.5) AS p50_ms,
  quantile_cont(duration_ms, 0.95) AS p95_ms
FROM f GROUP BY GROUPING SETS ((kind), (model)) ORDER BY kind, model`;

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
const t = performance.now();
const reader = await con.runAndReadAll(variant === 'noop' ? 'SELECT 1' : sql);
const rows = reader.getRowObjectsJson();
const ms = performance.now() - t;
console.log(JSON.stringify({ ms, rows }));
console.error(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
