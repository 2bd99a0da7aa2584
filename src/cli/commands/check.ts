import { evaluateGates } from '../../analytics/index.js';
import type { AnomalyReport, GateReport, GateSpec } from '../../analytics/index.js';
import { toIso } from '../../model/time.js';
import type { CommandSpec, OptionSpec } from '../command.js';
import { COMMON_OPTIONS, commonOptions, parseFraction, print, warnScan } from '../insights.js';
import { EXIT, UsageError } from '../io.js';
import { painter } from '../render/format.js';
import { useColor } from '../io.js';
import { renderRows } from '../render/table.js';
import { WINDOW_RULE, readWindow, windowOptions } from '../options.js';
import { ANOMALY_OPTIONS, findAnomalies } from './anomalies.js';

const GATE_FAILED_EXIT = EXIT.gateFailed;

/** The gates as text, Markdown or CSV. */
export function renderGates(r: GateReport, format: 'table' | 'md' | 'csv', color: boolean): string {
  const paint = painter(color && format === 'table');
  const rows = r.gates.map((g) => [g.ok ? paint('pass', 'green') : paint('FAIL', 'red'), g.gate, g.reason]);
  const table = renderRows([{ header: 'result' }, { header: 'gate' }, { header: 'reason' }], rows, format);
  if (format === 'csv') return table;
  return `${table}\n\n${r.ok ? 'all gates passed' : `${r.gates.filter((g) => !g.ok).length} gate(s) failed`}`;
}

/** The rate gates' options, shared by `check` and `alert`. */
export const GATE_OPTIONS: readonly OptionSpec[] = [
  { flags: '--max-failure-rate <pct>', description: 'fail when the failure rate exceeds this, e.g. 20%' },
  { flags: '-k, --kind <kind>', description: 'spans the failure rate reads', choices: ['agent', 'task', 'run'], default: 'agent' },
  { flags: '--min-first-attempt-pass <pct>', description: 'fail when the first-attempt pipeline pass rate is below this, e.g. 50%' },
];

/** The rate gates the options ask for (`--max-failure-rate`, `--kind`, `--min-first-attempt-pass`). */
export function gateSpecOf(opts: Record<string, unknown>): GateSpec {
  const spec: GateSpec = {};
  const maxFailure = parseFraction(opts['maxFailureRate'], '--max-failure-rate');
  const minPass = parseFraction(opts['minFirstAttemptPass'], '--min-first-attempt-pass');
  if (maxFailure !== undefined) spec.maxFailureRate = maxFailure;
  if (minPass !== undefined) spec.minFirstAttemptPass = minPass;
  const sections = { agent: 'agents', task: 'tasks', run: 'runs' } as const;
  spec.kind = sections[(opts['kind'] as keyof typeof sections | undefined) ?? 'agent'];
  return spec;
}

export const checkCommand: CommandSpec = {
  name: 'check',
  summary: `quality gates for CI: exit ${GATE_FAILED_EXIT} with a readable reason when one fails`,
  options: [
    ...GATE_OPTIONS,
    { flags: '--no-anomalies', description: 'fail when `agentmeter anomalies` finds any in the window' },
    ...windowOptions('7d'),
    ...ANOMALY_OPTIONS,
    ...COMMON_OPTIONS,
  ],
  help: `
Examples:
  $ agentmeter check --max-failure-rate 20% --since 24h
  $ agentmeter check --min-first-attempt-pass 50% --no-anomalies --env prod
  $ agentmeter check --max-failure-rate 10% --json | jq '.gates[] | select(.ok | not) | .reason'

Exit codes: 0 every gate passed, ${GATE_FAILED_EXIT} a gate failed (a gate with no data fails too:
a CI step that measured nothing should not pass), 2 usage error, 3 no store. A rate gate
compares the measured rate with the limit; its reason shows the 95 % interval, and says
whether the whole interval is past the limit or more runs would tell.
${WINDOW_RULE}`,
  async run(_args, opts, io) {
    const now = Date.now();
    const spec = gateSpecOf(opts);
    if (opts['anomalies'] === false) spec.noAnomalies = true;
    if (spec.maxFailureRate === undefined && spec.minFirstAttemptPass === undefined && spec.noAnomalies !== true) {
      throw new UsageError('no gate given: use --max-failure-rate, --min-first-attempt-pass and/or --no-anomalies');
    }
    const window = readWindow(opts, '7d', now);
    const c = await commonOptions(opts, io);
    if (!c) return EXIT.noStore;
    const report = await c.source.report({ ...window, nowMs: now, envs: c.envs });
    let anomalies: AnomalyReport | undefined;
    if (spec.noAnomalies) {
      const found = await findAnomalies(c, { ...window, nowMs: now }, opts);
      anomalies = found.report;
      warnScan({ ...found.info, skipped: 0 }, io, false);
    }
    if (report.skipped_lines > 0) warnScan({ skipped: report.skipped_lines, firstSkip: report.skipped_samples[0], excluded: {} }, io, false);
    const result = evaluateGates(spec, report, anomalies);
    if (c.format === 'json') {
      print(io, JSON.stringify({ window: { since: toIso(window.sinceMs), until: toIso(window.untilMs) }, envs: report.envs, ...result }, null, 2));
    } else print(io, renderGates(result, c.format, useColor(io)));
    if (!result.ok && c.format !== 'json') io.stderr.write(`agentmeter: check failed: ${result.gates.filter((g) => !g.ok).map((g) => g.reason).join('; ')}\n`);
    return result.ok ? EXIT.ok : GATE_FAILED_EXIT;
  },
};
