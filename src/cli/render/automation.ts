/** Renders `agentmeter report automation`: the automation-metrics seed's summary table. */
import type { AutomationFigures, AutomationSummary } from '../../analytics/index.js';
import { formatCount, formatDuration, formatNumber, formatPercent, formatSpeedup, formatTrend, type Paint } from './format.js';
import { renderTable } from './table.js';

function short(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

function seconds(s: number | null): string {
  return formatDuration(s === null ? null : s * 1000);
}

function speedup(f: AutomationFigures): string {
  if (f.speedup_geomean === null) return f.sessions > 0 ? `– (no session with a baseline)` : '–';
  return `${formatSpeedup(f.speedup_geomean)} (geomean of ${f.speedup_sessions})`;
}

/** The summary for people. */
export function renderAutomation(s: AutomationSummary, paint: Paint): string {
  const c = s.current;
  const p = s.previous;
  const trendOf = (d: number | null, unit: 'pts' | 'ratio'): string => formatTrend({ previous: null, delta: d, previous_total: p.sessions }, unit, paint);
  const out = [paint(`agentmeter report automation  ${short(s.window.since)} → ${short(s.window.until)} UTC  (previous: ${short(s.window.previous_since)} →)`, 'bold'), ''];
  if (c.sessions === 0 && p.sessions === 0) {
    out.push('No optimisation sessions in this window or the previous one.');
    out.push('Record them with `agentmeter record optimization …` (any language), createAutomationMetrics() from');
    out.push("'agentmeter/compat', or bring history: agentmeter import automation-metrics logs/automation_metrics.jsonl");
    return out.join('\n') + '\n';
  }
  const count = (x: number): string => formatCount(x);
  const rows: string[][] = [
    ['sessions', count(c.sessions), count(p.sessions), `${s.trend.sessions >= 0 ? '+' : '−'}${Math.abs(s.trend.sessions)}`],
    ['variants generated', count(c.variants_generated), count(p.variants_generated), ''],
    ['validated (passed)', count(c.validated), count(p.validated), ''],
    ['validation failures', count(c.validation_failures), count(p.validation_failures), ''],
    ['promoted', count(c.promoted), count(p.promoted), ''],
    ['autotune samples', count(c.autotune_samples), count(p.autotune_samples), ''],
    ['validation success rate', formatPercent(c.validation_success_rate), formatPercent(p.validation_success_rate), trendOf(s.trend.validation_success_rate, 'pts')],
    ['promotion rate (of validated)', formatPercent(c.promotion_rate), formatPercent(p.promotion_rate), trendOf(s.trend.promotion_rate, 'pts')],
    ['sessions promoting ≥ 1', formatPercent(c.session_success_rate), formatPercent(p.session_success_rate), trendOf(s.trend.session_success_rate, 'pts')],
    ['average speedup', speedup(c), speedup(p), trendOf(s.trend.speedup_geomean, 'ratio')],
    ['sessions without baseline', count(c.sessions_without_baseline), count(p.sessions_without_baseline), ''],
    ['avg variants / session', formatNumber(c.averages.variants_generated, 1), formatNumber(p.averages.variants_generated, 1), ''],
    ['avg autotune samples / session', formatNumber(c.averages.autotune_samples, 1), formatNumber(p.averages.autotune_samples, 1), ''],
    ['avg wall-clock / session', seconds(c.averages.wallclock_seconds), seconds(p.averages.wallclock_seconds), ''],
    ['wall-clock total', seconds(c.wallclock_seconds.total), seconds(p.wallclock_seconds.total), ''],
    ['latency saved (Σ baseline − optimized)', formatDuration(c.latency_saved_ms), formatDuration(p.latency_saved_ms), ''],
  ];
  const saved = (f: typeof c): string =>
    f.wallclock_saved_seconds.sessions === 0 ? '—' : `${seconds(f.wallclock_saved_seconds.total)}${f.wallclock_saved_seconds.not_derivable > 0 ? ` (${f.wallclock_saved_seconds.sessions} of ${f.sessions})` : ''}`;
  rows.push(['wall-clock saved vs baseline', saved(c), saved(p), '']);
  if (c.wallclock_saved_seconds.not_derivable > 0) rows.push(['  sessions it cannot be derived for', count(c.wallclock_saved_seconds.not_derivable), count(p.wallclock_saved_seconds.not_derivable), '']);
  if (c.mean_search_depth !== null || p.mean_search_depth !== null) rows.push(['mean search depth', formatNumber(c.mean_search_depth, 1), formatNumber(p.mean_search_depth, 1), '']);
  out.push(...renderTable([{ header: '', align: 'left' }, { header: 'this window' }, { header: 'previous' }, { header: 'trend', align: 'left' }], rows));
  if (s.by_operation.length > 0) {
    out.push('');
    out.push(
      ...renderTable(
        [{ header: 'operation', align: 'left' }, { header: 'sessions' }, { header: 'variants' }, { header: 'validated' }, { header: 'promoted' }, { header: 'validation' }, { header: 'speedup', align: 'left' }, { header: 'no baseline' }],
        s.by_operation.map((o) => [o.operation, String(o.sessions), String(o.variants_generated), String(o.validated), String(o.promoted), formatPercent(o.validation_success_rate), speedup(o), String(o.sessions_without_baseline)]),
      ),
    );
  }
  out.push('');
  out.push(paint('Speedup = geometric mean of baseline_latency_ms / optimized_latency_ms over sessions with both > 0; others are counted as "without baseline".', 'dim'));
  return out.join('\n') + '\n';
}
