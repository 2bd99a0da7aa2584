/**
 * CSV rendering of a report: one header row, then one row per group (or a single `all`
 * row), with every section flattened to `<section>_<field>` columns at full precision.
 * RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF.
 */
import type { Report, SectionReports } from '../../analytics/index.js';
import { SUMS, setAtPath } from '../../model/metric-defs.js';

const NO_TREND = { previous: 0, delta: 0, previous_total: 0 };
const OUTCOME = {
  total: 0,
  success: 0,
  failure: 0,
  partial: 0,
  unknown: 0,
  skipped: 0,
  cancelled: 0,
  open: 0,
  abandoned: 0,
  success_rate: 0,
  success_rate_ci: [0, 0] as [number, number],
  duration_ms: { median: 0, p95: 0 },
  trend: NO_TREND,
};

// Every field with its nullable parts filled in: the column set must not depend on which
// values happen to be null. Typed as SectionReports so a new report field fails to compile
// here until it has a column; declared sums (metric-defs.ts) are placed by `withSums`.
const TEMPLATE: SectionReports = withSums({
  runs: OUTCOME,
  tasks: OUTCOME,
  agents: {
    ...OUTCOME,
    invocations: 0,
    retries: 0,
    tokens: { input: 0, output: 0 },
    cost_usd: 0,
    quality: { ratings: 0, mean: 0 },
    feedback_success_rate: 0,
  },
  pipelines: {
    total: 0,
    passed: 0,
    failed: 0,
    other: 0,
    open: 0,
    abandoned: 0,
    pass_rate: 0,
    pass_rate_ci: [0, 0],
    first_attempt: { tasks: 0, passed: 0 },
    first_attempt_pass_rate: 0,
    first_attempt_pass_rate_ci: [0, 0],
    trend: NO_TREND,
  },
  debugging: {
    cycles: 0,
    resolved: 0,
    unresolved: 0,
    open: 0,
    abandoned: 0,
    resolution_rate: 0,
    resolution_rate_ci: [0, 0],
    attempts_per_cycle: 0,
    time_to_resolve_ms: { median: 0, p95: 0 },
    cycles_per_task: 0,
  },
  optimizations: {
    sessions: 0,
    open: 0,
    abandoned: 0,
    variants_generated: 0,
    validated: 0,
    promoted: 0,
    validation_failures: 0,
    autotune_samples: 0,
    validation_rate: 0,
    promotion_rate: 0,
    speedup_geomean: 0,
    speedup_sessions: 0,
    sessions_without_baseline: 0,
    latency_saved_ms: 0,
    wallclock_seconds: { total: 0, mean: 0 },
    trend: NO_TREND,
  },
  model_calls: OUTCOME,
  tool_calls: OUTCOME,
} as unknown as SectionReports);

/** The template with every declared sum at its path, in its section's key order. */
function withSums(t: SectionReports): SectionReports {
  const out = structuredClone(t) as unknown as Record<string, Record<string, unknown>>;
  for (const d of SUMS) setAtPath(out[d.section] as Record<string, unknown>, d.path, 0);
  return out as unknown as SectionReports;
}

interface Column {
  name: string;
  path: readonly (string | number)[];
}

function columnsOf(value: unknown, path: (string | number)[], names: string[], out: Column[]): void {
  if (Array.isArray(value)) {
    // The only arrays in a section are [low, high] intervals.
    columnsOf(value[0], [...path, 0], [...names, 'low'], out);
    columnsOf(value[1], [...path, 1], [...names, 'high'], out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) columnsOf(v, [...path, k], [...names, k], out);
  } else out.push({ name: names.join('_'), path });
}

const COLUMNS: readonly Column[] = (() => {
  const out: Column[] = [];
  columnsOf(TEMPLATE, [], [], out);
  return out;
})();

/** The CSV header names after `key`, in order (pinned by a test: it is a contract). */
export const CSV_COLUMN_NAMES: readonly string[] = COLUMNS.map((c) => c.name);

function read(root: unknown, path: readonly (string | number)[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

// A cell starting with one of these is run as a formula by spreadsheet programs (OWASP
// "CSV injection"); group keys come from recorded data, so they are defused with a quote.
const FORMULA_START = /^[=+\-@\t\r]/;

/** Quote one field per RFC 4180 §2. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function cell(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'string') return csvField(v);
  return '';
}

/** The report as CSV. */
export function renderReportCsv(report: Report): string {
  const rows: string[] = [['key', ...CSV_COLUMN_NAMES].join(',')];
  const groups: Array<{ key: string } & SectionReports> = report.groups ?? [{ ...report, key: 'all' }];
  for (const g of groups) {
    const key = FORMULA_START.test(g.key) ? `'${g.key}` : g.key;
    rows.push([csvField(key), ...COLUMNS.map((c) => cell(read(g, c.path)))].join(','));
  }
  return `${rows.join('\r\n')}\r\n`;
}
