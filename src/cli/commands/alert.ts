import { setTimeout as sleep } from 'node:timers/promises';
import { evaluateGates } from '../../analytics/index.js';
import { parseDurationMs, toIso } from '../../model/time.js';
import { resolveStoreDir } from '../../store/index.js';
import type { CommandSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { commonOptions, warnScan } from '../insights.js';
import type { Common } from '../insights.js';
import { EXIT, UsageError } from '../io.js';
import type { Io } from '../io.js';
import { CACHE_OPTION, DATABASE_OPTION, ENV_FILTER, WINDOW_RULE, read, readWindow, windowOptions } from '../options.js';
import { STORE_OPTION } from '../stores.js';
import { ANOMALY_OPTIONS, findAnomalies } from './anomalies.js';
import { GATE_OPTIONS, gateSpecOf } from './check.js';
import { DEFAULT_RETRY, PAYLOAD_FORMATS, anomalyFinding, gateFinding, payload, postWithRetries, readSentState, stateFileFor, writeSentState } from './alert-delivery.js';
import type { Finding, FindingContext, PayloadFormat, RetryPolicy, SentState } from './alert-delivery.js';

/** Environment variable read when `--webhook` is not given (keeps the URL out of `ps` and crontabs). */
const WEBHOOK_ENV = 'AGENTMETER_ALERT_WEBHOOK';

interface AlertSettings {
  webhook: string | undefined;
  format: PayloadFormat;
  dryRun: boolean;
  stateFile: string | undefined;
  retry: RetryPolicy;
}

function webhookOf(opts: Record<string, unknown>, io: Io): string | undefined {
  const text = (opts['webhook'] as string | undefined) ?? io.env[WEBHOOK_ENV];
  if (text === undefined || text === '') return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--webhook must be an http(s) URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--webhook must be an http(s) URL, got ${JSON.stringify(text)}`);
  return text;
}

function settingsOf(opts: Record<string, unknown>, io: Io): AlertSettings {
  const webhook = webhookOf(opts, io);
  const dryRun = opts['dryRun'] === true;
  if (webhook === undefined && !dryRun) throw new UsageError(`say where to post: --webhook <url> (or $${WEBHOOK_ENV}), or --dry-run to print what would be sent`);
  const retries = Number(opts['retries'] ?? DEFAULT_RETRY.retries);
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) throw new UsageError(`--retries must be a whole number from 0 to 10, got ${JSON.stringify(opts['retries'])}`);
  let stateFile = opts['state'] as string | undefined;
  if (stateFile === undefined && webhook !== undefined) {
    if (read(DATABASE_OPTION, opts) !== undefined) throw new UsageError('with --database, say where to keep the findings already sent: --state <file>');
    stateFile = stateFileFor(resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd }), webhook);
  }
  return { webhook, format: (opts['format'] as PayloadFormat | undefined) ?? 'slack', dryRun, stateFile, retry: { ...DEFAULT_RETRY, retries } };
}

/** Anomalies of the window and failed gates, as findings; the gates that pass, by name. */
async function findings(c: Common, opts: Record<string, unknown>, io: Io, nowMs: number): Promise<{ found: Finding[]; passing: string[]; ctx: Omit<FindingContext, 'store'> }> {
  const window = readWindow(opts, '7d', nowMs);
  const w = { ...window, nowMs };
  const { report, info } = await findAnomalies(c, w, opts);
  warnScan(info, io, false);
  const found = report.anomalies.map(anomalyFinding);
  const spec = gateSpecOf(opts);
  const passing: string[] = [];
  let envs = c.envs === 'all' ? 'all' : c.envs === undefined ? 'all but test and demo' : c.envs.join(',');
  if (spec.maxFailureRate !== undefined || spec.minFirstAttemptPass !== undefined) {
    const r = await c.source.report({ ...w, envs: c.envs });
    envs = r.envs.included === 'all' ? 'all' : r.envs.included.join(',') || '(none)';
    for (const g of evaluateGates(spec, r).gates) {
      if (g.ok) passing.push(g.gate);
      else found.push(gateFinding(g));
    }
  }
  return { found, passing, ctx: { window: { since: toIso(window.sinceMs), until: toIso(window.untilMs) }, envs } };
}

/** One round: find, keep what is new, send it (or print it), remember what was sent. Returns how many sends failed. */
async function round(c: Common, s: AlertSettings, opts: Record<string, unknown>, io: Io, signal: AbortSignal | undefined): Promise<number> {
  const nowMs = Date.now();
  const { found, passing, ctx } = await findings(c, opts, io, nowMs);
  const state: SentState = s.stateFile ? await readSentState(s.stateFile) : { version: 1, sent: {} };
  // A gate that passes again is forgotten, so its next failure is news.
  let changed = false;
  for (const gate of passing) {
    if (state.sent[`gate|${gate}`] !== undefined) {
      delete state.sent[`gate|${gate}`];
      changed = true;
    }
  }
  const fresh = found.filter((f) => state.sent[f.id] === undefined);
  const context: FindingContext = { store: c.source.label, ...ctx };
  let sent = 0;
  let failed = 0;
  for (const f of fresh) {
    const body = payload(f, s.format, context);
    if (s.dryRun) {
      io.stdout.write(`would send ${f.type} ${f.id}${s.webhook ? ` to the webhook` : ''} (${s.format}):\n${JSON.stringify(body, null, 2)}\n`);
      continue;
    }
    const r = await postWithRetries(s.webhook as string, body, s.retry, signal);
    if (r.ok) {
      sent++;
      state.sent[f.id] = new Date().toISOString();
      changed = true;
      // Saved after each send: a crash part-way never repeats what was already delivered.
      if (s.stateFile) await writeSentState(s.stateFile, state, nowMs);
      io.stdout.write(`sent: ${f.title}: ${f.text}\n`);
    } else {
      failed++;
      io.stderr.write(`agentmeter: could not post "${f.title}" after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}: ${r.error}; it stays unsent and is tried again next time\n`);
    }
  }
  if (changed && !s.dryRun && s.stateFile) await writeSentState(s.stateFile, state, nowMs);
  const already = found.length - fresh.length;
  const verb = s.dryRun ? `${fresh.length} would be sent` : `${sent} sent${failed > 0 ? `, ${failed} failed` : ''}`;
  io.stdout.write(`${toIso(nowMs)} alert: ${found.length} finding${found.length === 1 ? '' : 's'} (${ctx.window.since} → ${ctx.window.until}), ${already} already sent, ${verb}\n`);
  return failed;
}

export const alertCommand: CommandSpec = {
  name: 'alert',
  summary: 'post new anomalies and failed gates to a webhook (Slack-compatible or JSON), each once',
  options: [
    { flags: '--webhook <url>', description: `where to POST findings (default: $${WEBHOOK_ENV})` },
    { flags: '--format <shape>', description: 'payload: slack ({ text, blocks }) or json (the finding)', choices: PAYLOAD_FORMATS, default: 'slack' },
    { flags: '--dry-run', description: 'print what would be sent; send nothing, remember nothing' },
    { flags: '--watch', description: 'keep running: look again every --interval until stopped (Ctrl-C, SIGTERM)' },
    { flags: '--interval <duration>', description: 'time between looks with --watch, e.g. 30s, 5m, 1h', default: '5m' },
    { flags: '--retries <n>', description: 'retries of a failed POST (network error, 408, 429, 5xx), waiting 0.5 s, 1 s, 2 s …', default: String(DEFAULT_RETRY.retries) },
    { flags: '--state <file>', description: 'file of findings already sent (default: <store>/alerts/sent-<hash of the webhook>.json)' },
    ...GATE_OPTIONS,
    ...windowOptions('7d'),
    ...ANOMALY_OPTIONS,
    ENV_FILTER,
    CACHE_OPTION,
    DIR_OPTION,
    STORE_OPTION,
  ],
  help: `
Examples:
  $ agentmeter alert --webhook https://hooks.slack.com/services/T…/B…/…       once, e.g. from cron
  $ agentmeter alert --webhook http://alerts.internal/agentmeter --format json --max-failure-rate 20%
  $ agentmeter alert --watch --interval 5m --env prod                         (URL in $${WEBHOOK_ENV})
  $ agentmeter alert --dry-run --since 30d                                    print what would be sent

Findings: each anomalous day of \`agentmeter anomalies\` (same window and options) and, with
--max-failure-rate or --min-first-attempt-pass, each failed gate of \`agentmeter check\`.
Each is posted once: sent findings are kept in a state file per webhook, so a cron run every
few minutes or --watch repeats nothing; a gate that passes again is forgotten, so its next
failure is posted. A POST that still fails after the retries is reported on stderr, left
unsent for the next run, and the exit code is 1. Payloads: docs/alerts.md.
${WINDOW_RULE}`,
  async run(_args, opts, io) {
    const s = settingsOf(opts, io);
    const watch = opts['watch'] === true;
    const intervalText = String(opts['interval'] ?? '5m');
    const intervalMs = parseDurationMs(intervalText);
    if (intervalMs === undefined || intervalMs < 1000) throw new UsageError(`--interval must be a duration of at least 1s, like 30s, 5m or 1h, got ${JSON.stringify(intervalText)}`);
    const c = await commonOptions({ ...opts, format: 'table' }, io);
    if (!c) return EXIT.noStore;
    if (!watch) return (await round(c, s, opts, io, undefined)) > 0 ? EXIT.failure : EXIT.ok;
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      while (!stop.signal.aborted) {
        try {
          await round(c, s, opts, io, stop.signal);
        } catch (e: unknown) {
          // A watcher outlives a store or database that is briefly unreadable: say so, look again next round.
          io.stderr.write(`agentmeter: alert: this round failed (${e instanceof Error ? e.message : String(e)}); trying again in ${intervalText}\n`);
        }
        try {
          await sleep(intervalMs, undefined, { signal: stop.signal });
        } catch {
          break;
        }
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    io.stdout.write('alert: stopped\n');
    return EXIT.ok;
  },
};

