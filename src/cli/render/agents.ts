/** Renders `agentmeter agents`: the ranking table, per-agent details, workflow statistics. */
import type { AgentAnalysis, AgentStats } from '../../analytics/index.js';
import { formatDuration, formatInterval, formatNumber, formatPercent, type Paint } from './format.js';
import { renderTable } from './table.js';

function trendText(a: AgentStats, paint: Paint): string {
  const t = a.trend;
  if (t.direction === 'insufficient_data' || t.change === null) return '–';
  const pts = `${t.change >= 0 ? '+' : '−'}${Math.abs(t.change * 100).toFixed(1)} pts`;
  if (t.direction === 'improving') return paint(`▲ ${pts}`, 'green');
  if (t.direction === 'declining') return paint(`▼ ${pts}`, 'red');
  return `= ${pts}`;
}

/** The analysis for people. */
export function renderAgents(a: AgentAnalysis, paint: Paint): string {
  const out: string[] = [];
  const range = a.date_range ? `${a.date_range.start.slice(0, 16).replace('T', ' ')} → ${a.date_range.end.slice(0, 16).replace('T', ' ')} UTC` : '';
  out.push(paint(`agentmeter agents  ${a.total_invocations} invocation${a.total_invocations === 1 ? '' : 's'}  ${range}${a.task_type ? `  task type: ${a.task_type}` : ''}`, 'bold'));
  out.push('');
  const rows = a.agents.map((s, i) => [
    String(i + 1),
    s.agent_name,
    String(s.invocation_count),
    `${s.successes}/${s.successes + s.failures}`,
    formatPercent(s.success_rate),
    formatInterval(s.success_rate_ci),
    s.average_quality === null ? '–' : `${formatNumber(s.average_quality, 1)} (${s.ratings})`,
    formatDuration(s.average_duration_seconds === null ? null : s.average_duration_seconds * 1000),
    formatNumber(s.ranking_score, 3),
    formatNumber(s.score, 3),
    trendText(s, paint),
  ]);
  out.push(
    ...renderTable(
      [
        { header: '#' }, { header: 'agent', align: 'left' }, { header: 'calls' }, { header: 'ok' }, { header: 'success' },
        { header: '95 % CI', align: 'left' }, { header: 'quality' }, { header: 'avg time' }, { header: 'rank score' },
        { header: 'orig score' }, { header: 'trend 7d', align: 'left' },
      ],
      rows,
    ),
  );
  out.push('');
  out.push(paint('Ranked by rank score: 0.6·(lower 95 % bound of success) + 0.4·(lower bound of quality)/5. orig score = 0.6·success + 0.4·quality/5.', 'dim'));
  const details = a.agents.filter((s) => s.common_task_types.length + s.common_failures.length + s.recommended_for.length > 0);
  if (details.length > 0) {
    out.push('');
    for (const s of details) {
      const parts = [
        s.common_task_types.length > 0 ? `task types: ${s.common_task_types.join(', ')}` : '',
        s.recommended_for.length > 0 ? `recommended for: ${s.recommended_for.join(', ')}` : '',
        s.common_failures.length > 0 ? `common failures: ${s.common_failures.map((f) => (f.length > 60 ? `${f.slice(0, 57)}…` : f)).join('; ')}` : '',
      ].filter((p) => p !== '');
      out.push(`${s.agent_name}: ${parts.join('  |  ')}`);
    }
  }
  const w = a.workflows;
  if (w.workflows > 0) {
    out.push('');
    out.push(paint('Workflows', 'bold'));
    out.push(
      `${w.workflows} workflow${w.workflows === 1 ? '' : 's'} (${w.ended} ended)  success ${formatPercent(w.success_rate)}  ` +
        `avg ${formatDuration(w.average_duration_seconds === null ? null : w.average_duration_seconds * 1000)}  ` +
        `agents/workflow ${formatNumber(w.average_agents_per_workflow, 1)}`,
    );
    const o = w.coordination_overhead;
    out.push(`coordination overhead ${o.mean === null ? '–' : formatPercent(o.mean)} mean, ${o.median === null ? '–' : formatPercent(o.median)} median (over ${o.workflows} timed workflow${o.workflows === 1 ? '' : 's'})`);
    for (const s of w.top_sequences) out.push(`  ${String(s.count).padStart(4)}×  ${s.sequence}`);
  }
  return out.join('\n') + '\n';
}
