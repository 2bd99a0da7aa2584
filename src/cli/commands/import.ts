import { stat } from 'node:fs/promises';
import { importOak } from '../../integrations/oak/import.js';
import { importOrchestratorRuns } from '../../integrations/orchestrator/import.js';
import { importAutomationMetrics } from '../../integrations/automation/import.js';
import type { ImportResult } from '../../integrations/source-files.js';
import { resolveStoreDir, scanSummaries } from '../../store/index.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT, UsageError } from '../io.js';
import type { Io } from '../io.js';
import { elapsedLine, progressLine } from '../progress.js';
import { envTagOption, read } from '../options.js';
import type { TypedOption } from '../options.js';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { writeFileAtomic } from '../../store/index.js';

/** What an importer gets: the source path, the store, the env tag for imported events. */
export interface ImportContext {
  from: string;
  dir: string;
  env: string;
  /** A line for the user, on stderr. */
  note(text: string): void;
}

/** One importable format. Add an entry to `IMPORTERS` to add a format. */
export interface Importer {
  /** One line for `--help`. */
  summary: string;
  /** Whether the source is a directory (else a file). */
  source: 'dir' | 'file';
  run(ctx: ImportContext): Promise<ImportResult>;
}

/** Every `agentmeter import <format>`. */
export const IMPORTERS: Record<string, Importer> = {
  oak: {
    summary: 'sub-agent telemetry dir: agent_invocations.jsonl, success_metrics.jsonl, workflow_events.jsonl',
    source: 'dir',
    run: (c) => importOak({ from: c.from, dir: c.dir, env: c.env }),
  },
  'orchestrator-runs': {
    summary: 'orchestrator logs/runs: <run_id>_metadata.json, _final.json, <run_id>/issues/issue_<iid>_{metrics,report}.json',
    source: 'dir',
    run: (c) => importOrchestratorRuns({ from: c.from, dir: c.dir, env: c.env }),
  },
  'automation-metrics': {
    summary: 'logs/automation_metrics.jsonl: one optimisation session per line (Infinity, epoch floats, offline zeros)',
    source: 'file',
    async run(c) {
      const r = await importAutomationMetrics({ from: c.from, dir: c.dir, env: c.env });
      const dropped = Object.entries(r.droppedFields);
      if (dropped.length > 0) c.note(`dropped fields not kept for privacy: ${dropped.map(([k, n]) => `${k} (${n})`).join(', ')}`);
      return r;
    },
  },
};

const BUILD_CACHE: TypedOption<boolean> = {
  flags: '--no-cache',
  description: 'do not build the span cache for what was imported (the first report then builds it)',
  parse: (v) => v !== false,
};

/** Default env of imported history: it is real work, unlike test or demo data. */
export const DEFAULT_IMPORT_ENV = 'prod';

function formatsHelp(): string {
  return Object.entries(IMPORTERS)
    .map(([name, i]) => `  ${name.padEnd(20)} ${i.summary}`)
    .join('\n');
}

/** Where `import` remembers what it imported: `<dir>/imports.json`. */
const IMPORT_MANIFEST = 'imports.json';

type Manifest = Record<string, { at: string; from: string; records: number }>;

async function readManifest(path: string): Promise<Manifest> {
  try {
    const m = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return m !== null && typeof m === 'object' && !Array.isArray(m) ? (Object.assign(Object.create(null), m) as Manifest) : (Object.create(null) as Manifest);
  } catch {
    return Object.create(null) as Manifest;
  }
}

/** A hash of a source's content (a directory: its files' relative paths and contents, sorted). */
async function sourceFingerprint(from: string, isDir: boolean): Promise<string> {
  const hash = createHash('sha256');
  if (!isDir) {
    hash.update(await readFile(from));
    return hash.digest('hex');
  }
  const files = (await readdir(from, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const f of files) {
    hash.update(relative(from, f)).update('\0');
    hash.update(await readFile(f)).update('\0');
  }
  return hash.digest('hex');
}

export const importCommand: CommandSpec = {
  name: 'import',
  summary: 'bring history from other tools\' files into the store: claude-oak-agents telemetry (oak), orchestrator run logs, automation metrics (idempotent)',
  args: [
    { name: 'format', description: `source format: ${Object.keys(IMPORTERS).join(', ')}`, required: true },
    { name: 'path', description: 'source file or directory', required: true },
  ],
  options: [
    envTagOption(`env tag of imported records that carry none of their own (default: ${DEFAULT_IMPORT_ENV})`),
    { flags: '--strict', description: 'exit 4 when bad source lines were skipped' },
    { flags: '--again', description: 'import a source even if the same content was imported before (it would be stored twice)' },
    { flags: '--json', description: 'machine-readable result' },
    BUILD_CACHE,
    DIR_OPTION,
  ],
  get help(): string {
    return `
Formats:
${formatsHelp()}

Examples:
  $ agentmeter import oak telemetry/
  $ agentmeter import orchestrator-runs logs/runs --env-tag prod
  $ agentmeter import automation-metrics logs/automation_metrics.jsonl

Event ids are derived from the source, so importing the same files again adds nothing.
A record's own "env" field (a valid tag) is kept; records without one get --env-tag.
Corrupt lines (and Python's Infinity/NaN, read as null) never stop an import: bad lines are
skipped, counted and listed (first 20). Exit codes: 0 ok, 2 bad format or missing source,
4 lines skipped and --strict.`;
  },
  async run(args, opts, io) {
    const [format, from] = args as [string, string];
    const importer = IMPORTERS[format];
    if (!Object.hasOwn(IMPORTERS, format) || !importer) throw new UsageError(`unknown import format ${JSON.stringify(format)}; one of: ${Object.keys(IMPORTERS).join(', ')}`);
    const st = await stat(from).catch(() => undefined);
    if (!st) throw new UsageError(`no such ${importer.source === 'dir' ? 'directory' : 'file'}: ${from}`);
    if (importer.source === 'dir' && !st.isDirectory()) throw new UsageError(`${format} reads a directory; ${from} is a file`);
    if (importer.source === 'file' && st.isDirectory()) throw new UsageError(`${format} reads a file; ${from} is a directory`);
    const env = typeof opts['envTag'] === 'string' ? opts['envTag'] : DEFAULT_IMPORT_ENV;
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(env)) throw new UsageError(`--env-tag must be 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(env)}`);
    const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
    // The same files imported twice would double the store on disk (reports drop the
    // duplicates by id, the disk does not): an unchanged source is skipped, and said so.
    const fingerprint = await sourceFingerprint(from, st.isDirectory());
    const manifestPath = join(dir, IMPORT_MANIFEST);
    const manifest = await readManifest(manifestPath);
    const key = `${format}:${fingerprint}`;
    const earlier = manifest[key];
    if (earlier && opts['again'] !== true) {
      const text = `${from} was already imported as ${format} on ${earlier.at.slice(0, 10)} (${earlier.records} records, unchanged since): nothing imported. --again imports it anyway.`;
      if (opts['json'] === true) io.stdout.write(JSON.stringify({ format, from, dir, env, skipped_as_already_imported: true, earlier }, null, 2) + '\n');
      else io.stdout.write(`${text}\n`);
      return EXIT.ok;
    }
    io.stderr.write(`importing ${format} from ${from} …\n`);
    const ticking = elapsedLine(io, `importing ${format}`, { json: opts['json'] === true });
    const r = await importer.run({ from, dir, env, note: (t) => io.stderr.write(`agentmeter: ${t}\n`) }).finally(() => ticking.stop());
    if (r.dropped === 0 && r.records > 0) {
      manifest[key] = { at: new Date().toISOString(), from, records: r.records };
      await writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    }
    const cache = r.spans + r.feedback > 0 && read(BUILD_CACHE, opts) && io.env['AGENTMETER_NO_CACHE'] !== '1' ? await buildSpanCache(dir, io, opts['json'] === true) : undefined;
    if (opts['json'] === true) io.stdout.write(JSON.stringify({ format, from, dir, env, ...r, ...(cache ? { span_cache: cache } : {}) }, null, 2) + '\n');
    else {
      io.stdout.write(
        `imported ${r.records} record${r.records === 1 ? '' : 's'} from ${r.files} file${r.files === 1 ? '' : 's'}: ` +
          `${r.spans} span${r.spans === 1 ? '' : 's'}, ${r.feedback} feedback, env "${env}", into ${dir}\n`,
      );
      if (r.files === 0) io.stderr.write(`agentmeter: no ${format} files found under ${from}\n`);
    }
    if (r.dropped > 0) io.stderr.write(`agentmeter: ${r.dropped} events could not be written (see the messages above)\n`);
    if (r.skipped > 0) {
      io.stderr.write(`agentmeter: skipped ${r.skipped} bad source line${r.skipped === 1 ? '' : 's'}:\n`);
      for (const s of r.samples) io.stderr.write(`  ${s.file}:${s.line}: ${s.reason}\n`);
      if (r.skipped > r.samples.length) io.stderr.write(`  … and ${r.skipped - r.samples.length} more\n`);
    }
    if (r.dropped > 0) return EXIT.failure;
    return r.skipped > 0 && opts['strict'] === true ? EXIT.dataErrors : EXIT.ok;
  },
};

/**
 * The first report after an import would fold every segment the import wrote. Fold them now,
 * once, into the span cache that `report`, `agents`, the insight commands and the dashboard
 * replay (docs/performance.md): an imported history's first report is then as fast as its
 * hundredth. Derived data: a failure is said and costs nothing but that speed.
 */
async function buildSpanCache(dir: string, io: Io, json: boolean): Promise<{ segments: number; written: number } | undefined> {
  const progress = progressLine(io, 'building the span cache', { json });
  try {
    const stats = await scanSummaries({ root: dir, onSpan: () => undefined, onProgress: (p) => progress.update(p.done, p.total) });
    return { segments: stats.read.segments, written: stats.cache.writes };
  } catch (e: unknown) {
    io.stderr.write(`agentmeter: the span cache was not built (${e instanceof Error ? e.message : String(e)}); the first report will build it\n`);
    return undefined;
  } finally {
    progress.end();
  }
}
