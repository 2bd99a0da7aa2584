import type { SyncProgress, SyncResult } from '../../sinks/index.js';
import { resolveStoreDir, storeExists } from '../../store/index.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { openDestination } from '../destinations.js';
import { EXIT, UsageError } from '../io.js';
import type { Io } from '../io.js';
import { parseDurationMs } from '../../model/index.js';
import { noStoreMessage } from './report.js';
import { DATABASE_OPTION, read } from '../options.js';

function mb(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

function line(label: string, p: SyncProgress): string {
  return `agentmeter: sync → ${label}: ${p.events} events in ${p.batches} batches (${mb(p.bytes)}) from ${p.segments} segments`;
}

function waitFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function report(io: Io, label: string, r: SyncResult, json: boolean): number {
  const { ok: _ok, ...stats } = r;
  if (json) {
    const out = r.ok ? { ok: true, ...stats } : { ...stats, ok: false, error: r.error.message, retryable: r.retryable };
    io.stdout.write(JSON.stringify(out) + '\n');
  }
  io.stderr.write(line(label, r) + (r.skipped > 0 ? `; ${r.skipped} invalid lines skipped (see agentmeter validate)` : '') + (r.ok ? ' (done)' : '') + '\n');
  if (r.ok) return EXIT.ok;
  const code = (r.error as { code?: unknown }).code;
  if (code === 'E_PG_NOT_MIGRATED') {
    io.stderr.write(`agentmeter: ${r.error.message}\n`);
    return EXIT.noStore;
  }
  io.stderr.write(
    `agentmeter: ${r.retryable ? 'gave up after retries' : 'refused by the destination'}: ${r.error.message}\n` +
      `  the cursor stays before this batch; run sync again to resume\n`,
  );
  return EXIT.failure;
}

/** Attempts per batch before sync gives up (the sync loop's default, stated in --help). */
const RETRY_ATTEMPTS = 8;

export const syncCommand: CommandSpec = {
  name: 'sync',
  summary: 'forward the store to PostgreSQL or an OpenTelemetry collector, resuming where it stopped',
  options: [
    { flags: '-t, --to <destination>', description: 'postgres://user@host:5432/db[?schema=name] or otlp+http://host:4318' },
    { ...DATABASE_OPTION, description: 'the same as --to for a PostgreSQL destination (the database flag of every command)' },
    { flags: '-w, --watch', description: 'keep forwarding new events until SIGINT/SIGTERM' },
    { flags: '--interval <duration>', description: 'with --watch: how often to look for new events', default: '2s' },
    { flags: '--batch-size <n>', description: 'events per batch', default: '5000' },
    { flags: '--from-start', description: 'ignore the cursor and send everything again (the destination drops what it has)' },
    { flags: '--json', description: 'print the final counts as JSON on stdout' },
    DIR_OPTION,
  ],
  help: `
Each destination keeps its own cursor in <dir>/cursors/ (per segment, the bytes it has
acknowledged), so an interrupted sync (Ctrl-C, a crash, kill -9) resumes where it stopped,
and lines sent twice are dropped by the destination (idempotent on event id). After
recreating a database, --from-start sends the whole store again.

PostgreSQL needs its schema first: agentmeter db migrate --database postgres://…
OTLP: spans go to /v1/traces, feedback to /v1/logs as gen_ai.evaluation.result events;
OTEL_EXPORTER_OTLP_HEADERS (k=v,k2=v2) adds headers, OTEL_SERVICE_NAME names the service.

Examples:
  $ agentmeter sync --to postgres://postgres@127.0.0.1:5432/agentmeter
  $ agentmeter sync --to 'postgres://am@db.internal/metrics?schema=agentmeter' --watch
  $ agentmeter sync --to otlp+http://localhost:4318

Retries, one policy for every destination: a batch the destination could not take for a
passing reason (unreachable, restarting, overloaded) is tried ${RETRY_ATTEMPTS} times, waiting 0.5 s,
then twice as long each time up to 30 s (about a minute in all; an OTLP collector's
Retry-After is honoured); then sync exits 1. A refused batch (bad data, no schema) is not
retried. With --watch an unreachable destination is retried until it answers (or a signal
stops it).

Exit codes: 0 done (or stopped by a signal with --watch), 1 the destination refused a batch
or stayed unreachable, 2 usage, 3 no store or an unmigrated database (docs/postgres.md).`,
  async run(_args, opts, io) {
    const database = read(DATABASE_OPTION, opts);
    if (database !== undefined && opts['to'] !== undefined) throw new UsageError('--to and --database name two destinations; give one');
    const to = database ?? opts['to'];
    if (typeof to !== 'string' || to === '') throw new UsageError('sync needs --to postgres://… (or --database postgres://…) or --to otlp+http://host:4318');
    const batchSize = Number(opts['batchSize']);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1_000_000) throw new UsageError('--batch-size must be an integer from 1 to 1000000');
    const intervalMs = parseDurationMs(String(opts['interval'] ?? '2s'));
    if (intervalMs === undefined || intervalMs <= 0) throw new UsageError(`--interval ${JSON.stringify(opts['interval'])} is not a duration like 0.5s, 2s, 1m`);
    if (!/^(postgres(ql)?|otlp\+https?):\/\//i.test(to)) {
      throw new UsageError(`--to ${JSON.stringify(to)}: expected postgres://user@host:5432/db or otlp+http://host:4318`);
    }
    const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
    if (!(await storeExists(dir))) {
      io.stderr.write(noStoreMessage(dir, io.self));
      return EXIT.noStore;
    }
    const dest = await openDestination(to, io.env);
    const { syncStore } = await import('../../sinks/index.js');
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    const watch = opts['watch'] === true;
    if (watch) {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
    let lastPrint = Date.now();
    let lastRetry = '';
    const totals: SyncProgress = { segments: 0, batches: 0, events: 0, bytes: 0, skipped: 0, tornTails: 0 };
    try {
      for (;;) {
        const r = await syncStore({
          root: dir,
          sink: dest.sink,
          sinkId: dest.id,
          destination: dest.label,
          batchSize,
          maxAttempts: RETRY_ATTEMPTS,
          fromStart: opts['fromStart'] === true && totals.batches === 0,
          signal: controller.signal,
          onProgress: (p) => {
            if (Date.now() - lastPrint < 1000) return;
            lastPrint = Date.now();
            io.stderr.write(line(dest.label, { ...p, events: totals.events + p.events, batches: totals.batches + p.batches, bytes: totals.bytes + p.bytes }) + '\n');
          },
          onRetry: (attempt, waitMs, error) => {
            // Two batches are in flight: both retry, but the user hears of each attempt once.
            const text = `agentmeter: ${error.message}; retry ${attempt} of ${RETRY_ATTEMPTS - 1} in ${Math.round(waitMs / 100) / 10} s\n`;
            if (text !== lastRetry) io.stderr.write(text);
            lastRetry = text;
          },
        });
        for (const k of ['segments', 'batches', 'events', 'bytes', 'skipped'] as const) totals[k] += r[k];
        totals.tornTails = r.tornTails;
        if (!r.ok && r.retryable && watch && !controller.signal.aborted) {
          // A watcher outlives a database restart or a collector outage: wait, then resume.
          io.stderr.write(`agentmeter: ${r.error.message}; still unreachable after retries, trying again in ${Math.round(Math.max(intervalMs, 5000) / 100) / 10} s\n`);
          await waitFor(Math.max(intervalMs, 5000), controller.signal);
          if (!controller.signal.aborted) continue;
          return report(io, dest.label, { ok: true, ...totals }, opts['json'] === true);
        }
        if (!r.ok || !watch || controller.signal.aborted) {
          return report(io, dest.label, r.ok ? { ...r, ...totals } : { ...r, ...totals }, opts['json'] === true);
        }
        await waitFor(intervalMs, controller.signal);
        if (controller.signal.aborted) return report(io, dest.label, { ok: true, ...totals }, opts['json'] === true);
      }
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      await dest.sink.shutdown();
    }
  },
};
