import { exportOak } from '../../integrations/oak/export.js';
import { exportOrchestratorRuns } from '../../integrations/orchestrator/export.js';
import { exportOrchestratorCsv } from '../../integrations/orchestrator/csv.js';
import { exportCsv } from '../../integrations/csv-export.js';
import { exportAutomationMetrics } from '../../integrations/automation/export.js';
import { buildDataset, datasetToCsv, datasetToJsonl } from '../../integrations/dataset.js';
import { writeFileAtomic } from '../../store/index.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT, UsageError } from '../io.js';
import { DirectorySource } from '../../query/index.js';
import type { ReportSource } from '../../query/index.js';
import { DATABASE_OPTION, ENV_FILTER, WINDOW_RULE, read, readOptionalWindow, windowOptions } from '../options.js';
import { STORE_OPTION, sourceOf } from '../stores.js';
import { envPredicate } from '../../model/index.js';
import { elapsedLine } from '../progress.js';

/** What an exporter gets. */
export interface ExportContext {
  dir: string;
  /** The source the dataset reads (`--database`); the seed layouts read `dir`. */
  source?: ReportSource;
  out: string;
  envs: readonly string[] | 'all' | undefined;
  sinceMs?: number;
  untilMs?: number;
  nowMs: number;
  /** Where `--out -` writes (formats that are a single file). */
  stdout: { write(text: string): unknown };
}

/** What an exporter wrote: lines for people, and the reader's skipped-line count. */
export interface ExportOutcome {
  files: string[];
  summary: string;
  skipped: number;
}

/** One export format. Add an entry to `EXPORTERS` to add a format. */
export interface Exporter {
  summary: string;
  /** The seed's own path, used without --out. */
  defaultOut: string;
  run(ctx: ExportContext): Promise<ExportOutcome>;
}

/** Every `agentmeter export <format>`. */
export const EXPORTERS: Record<string, Exporter> = {
  oak: {
    summary: 'agent_invocations.jsonl, success_metrics.jsonl, workflow_events.jsonl, agent_reviews.jsonl, performance_stats.json (claude-oak-agents\' analyser\'s own figures)',
    defaultOut: 'telemetry',
    async run(c) {
      const r = await exportOak({ dir: c.dir, out: c.out, envs: c.envs, sinceMs: c.sinceMs, untilMs: c.untilMs, nowMs: c.nowMs });
      const unrated = r.unratedMetrics > 0 ? ` (${r.unratedMetrics} without a 1–5 rating left out: claude-oak-agents' analyser cannot read them)` : '';
      return { files: r.files, summary: `${r.invocations} invocations, ${r.metrics} success metrics${unrated}, ${r.workflowEvents} workflow events, ${r.reviews} reviews`, skipped: r.skipped };
    },
  },
  'orchestrator-runs': {
    summary: '<run_id>_metadata.json, <run_id>_final.json, <run_id>/issues/issue_<iid>_{metrics,report}.json',
    defaultOut: 'logs/runs',
    async run(c) {
      const r = await exportOrchestratorRuns({ dir: c.dir, out: c.out, envs: c.envs, sinceMs: c.sinceMs, untilMs: c.untilMs, nowMs: c.nowMs });
      return { files: r.files, summary: `${r.runs} runs and ${r.issues} issues (${r.files.length} files)`, skipped: r.skipped };
    },
  },
  'orchestrator-csv': {
    summary: 'the orchestrator\'s CSVExporter files (runs.csv, issues.csv …) that its MetricsAnalyzer reads',
    defaultOut: 'logs/csv',
    async run(c) {
      const r = await exportOrchestratorCsv({ dir: c.dir, out: c.out, envs: c.envs, sinceMs: c.sinceMs, untilMs: c.untilMs, nowMs: c.nowMs });
      return { files: r.files, summary: `${r.runs} finished runs and ${r.issues} finished issues`, skipped: r.skipped };
    },
  },
  'automation-metrics': {
    summary: 'one line per optimisation session with the automation-metrics field names (JSONL)',
    defaultOut: 'logs/automation_metrics.jsonl',
    async run(c) {
      const r = await exportAutomationMetrics({ dir: c.dir, out: c.out, envs: c.envs, sinceMs: c.sinceMs, untilMs: c.untilMs, nowMs: c.nowMs });
      return { files: [c.out], summary: `${r.sessions} optimisation sessions`, skipped: r.skipped };
    },
  },
  dataset: {
    summary: 'a learning dataset for agent routing: one row per agent invocation; CSV when --out ends in .csv, - for stdout',
    defaultOut: 'dataset.jsonl',
    async run(c) {
      // Through the query layer, so --database reads PostgreSQL; feedback given up to a day
      // after the window still joins its invocation, as ends do.
      const source = c.source ?? new DirectorySource(c.dir);
      const r = await buildDataset({
        dir: c.dir,
        read: (w, h) => source.spans({ ...w, untilMs: w.untilMs + 86_400_000 }, h),
        sinceMs: c.sinceMs ?? 0,
        untilMs: c.untilMs ?? c.nowMs,
        nowMs: c.nowMs,
        ...(c.envs ? { envs: c.envs } : {}),
      });
      const text = c.out.endsWith('.csv') ? datasetToCsv(r.rows) : datasetToJsonl(r.rows);
      if (c.out === '-') c.stdout.write(text);
      else await writeFileAtomic(c.out, text);
      const left = r.rows.length === 0 && r.excluded > 0 ? ` (${r.excluded} left out by env: use --env demo, or --env all)` : '';
      return { files: c.out === '-' ? [] : [c.out], summary: `${r.rows.length} invocation${r.rows.length === 1 ? '' : 's'}${left}`, skipped: r.skippedLines };
    },
  },
  csv: {
    summary: 'runs.csv, issues.csv, agents.csv, pipelines.csv, debugging_cycles.csv (one header vocabulary)',
    defaultOut: 'agentmeter-csv',
    async run(c) {
      const r = await exportCsv({ dir: c.dir, out: c.out, envs: c.envs, sinceMs: c.sinceMs, untilMs: c.untilMs, nowMs: c.nowMs });
      return { files: r.files, summary: Object.entries(r.rows).map(([k, n]) => `${n} ${k}`).join(', '), skipped: r.skipped };
    },
  },
};

function formatsHelp(): string {
  return Object.entries(EXPORTERS)
    .map(([name, e]) => `  ${name.padEnd(20)} ${e.summary} (default --out ${e.defaultOut})`)
    .join('\n');
}

export const exportCommand: CommandSpec = {
  name: 'export',
  summary: 'write other tools\' file layouts (claude-oak-agents, orchestrator, automation metrics) or CSV from the store, atomically',
  args: [{ name: 'format', description: `output format: ${Object.keys(EXPORTERS).join(', ')}`, required: true }],
  options: [
    { flags: '-o, --out <path>', description: 'output file or directory (default: the format\'s own path)' },
    ...windowOptions('all'),
    ENV_FILTER,
    { flags: '--json', description: 'machine-readable result' },
    DIR_OPTION,
    { ...STORE_OPTION, description: 'dataset: read PostgreSQL instead of the directory (postgres://…; the other formats read a directory)' },
  ],
  get help(): string {
    return `
Formats:
${formatsHelp()}

Examples:
  $ agentmeter export oak --out telemetry
  $ agentmeter export orchestrator-runs --out logs/runs --since 30d
  $ agentmeter export orchestrator-csv --out logs/csv
  $ agentmeter export automation-metrics --out logs/automation_metrics.jsonl
  $ agentmeter export csv --out analysis/
  $ agentmeter export dataset --since 30d --out invocations.csv
  $ agentmeter export dataset --out - | head -1
  $ agentmeter export dataset --database postgres://postgres@127.0.0.1/agentmeter --out -

Files are derived from the events and written atomically (temp file, fsync, rename).
${WINDOW_RULE}`;
  },
  async run(args, opts, io) {
    const [format] = args as [string];
    const exporter = EXPORTERS[format];
    if (!Object.hasOwn(EXPORTERS, format) || !exporter) throw new UsageError(`unknown export format ${JSON.stringify(format)}; one of: ${Object.keys(EXPORTERS).join(', ')}`);
    const now = Date.now();
    const window = readOptionalWindow(opts, now);
    const envs = read(ENV_FILTER, opts);
    const database = read(DATABASE_OPTION, opts);
    if (database !== undefined && format !== 'dataset') throw new UsageError(`export ${format} reads a directory; --database works for export dataset`);
    const source = await sourceOf(opts, io);
    if (!source) return EXIT.noStore;
    const dir = source instanceof DirectorySource ? source.dir : source.label;
    const out = typeof opts['out'] === 'string' ? opts['out'] : exporter.defaultOut;
    if (out === '-' && format !== 'dataset') throw new UsageError(`--out - (stdout) works for the dataset format only; ${format} writes files`);
    const ticking = elapsedLine(io, `exporting ${format}`, { json: opts['json'] === true });
    const r = await exporter
      .run({ dir, source, out, envs, nowMs: now, stdout: io.stdout, ...(window ? { sinceMs: window.sinceMs, untilMs: window.untilMs } : {}) })
      .finally(() => ticking.stop());
    // With --out - stdout carries the data, so the summary goes to stderr.
    if (opts['json'] === true && out !== '-') io.stdout.write(JSON.stringify({ format, dir, out, files: r.files, summary: r.summary, skipped_lines: r.skipped }, null, 2) + '\n');
    else (out === '-' ? io.stderr : io.stdout).write(`wrote ${r.summary} to ${out === '-' ? 'stdout' : out}\n`);
    if (r.skipped > 0) io.stderr.write(`agentmeter: skipped ${r.skipped} corrupt or torn store lines; run \`agentmeter validate\` to list them\n`);
    // Nothing written while the store holds data: say which envs the filter left out.
    if (/^0 /.test(r.summary) && envs !== 'all') {
      const left = new Map<string, number>();
      const included = envPredicate(envs);
      await source.scan({ sinceMs: window?.sinceMs, untilMs: window?.untilMs, nowMs: now }, {
        onSpan: (sp) => {
          if (!included(sp.env)) left.set(sp.env, (left.get(sp.env) ?? 0) + 1);
        },
      });
      const top = [...left].sort(([, a], [, b]) => b - a);
      if (top.length > 0) io.stderr.write(`agentmeter: nothing exported from the included envs; left out: ${top.map(([e, n]) => `${e} ${n} spans`).join(', ')} (use --env ${top[0]?.[0] ?? 'all'}, or --env all)\n`);
    }
    return EXIT.ok;
  },
};
