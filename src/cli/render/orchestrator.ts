/** Renders `agentmeter report orchestrator`: the orchestrator seed's example queries answered. */
import type { ConfigSuccess, OrchestratorAnswers } from '../../analytics/index.js';
import { formatDuration, formatInterval, formatNumber, formatPercent, type Paint } from './format.js';
import { renderTable } from './table.js';

function configTable(rows: readonly ConfigSuccess[], label: string): string[] {
  return renderTable(
    [{ header: label, align: 'left' }, { header: 'runs' }, { header: 'issues' }, { header: 'completed' }, { header: 'failed' }, { header: 'success' }, { header: '95 % CI', align: 'left' }],
    rows.map((r) => [r.key, String(r.runs), String(r.issues), String(r.completed), String(r.failed), formatPercent(r.success_rate), formatInterval(r.success_rate_ci)]),
  );
}

/** The answers for people. */
export function renderOrchestrator(a: OrchestratorAnswers, window: string, paint: Paint): string {
  const out: string[] = [paint(`agentmeter report orchestrator  ${window}  ${a.runs} runs, ${a.issues} issues`, 'bold'), ''];
  if (a.runs === 0) {
    out.push('No orchestrator runs in this window. Record them with RunLogger (agentmeter/compat),');
    out.push('or bring history: agentmeter import orchestrator-runs logs/runs');
    return out.join('\n') + '\n';
  }
  out.push(paint('Which LLM model has the highest success rate? (issues completed / issues processed; best lower bound first)', 'bold'));
  out.push(...configTable(a.success_by_model, 'model'), '');
  out.push(paint('… and which temperature?', 'bold'));
  out.push(...configTable(a.success_by_temperature, 'temperature'), '');
  out.push(paint('Which agent causes the most retries?', 'bold'));
  out.push(
    ...renderTable(
      [{ header: 'agent', align: 'left' }, { header: 'attempts' }, { header: 'retries' }, { header: 'per attempt' }, { header: 'issues with retries' }],
      a.agent_retries.map((r) => [r.agent, String(r.attempts), String(r.retries), formatNumber(r.retries_per_attempt, 2), String(r.issues_with_retries)]),
    ),
    '',
  );
  const f = a.first_pipeline;
  out.push(paint('What percentage of pipelines pass on the first attempt?', 'bold'));
  out.push(`${formatPercent(f.rate)} ${formatInterval(f.rate_ci)} of issues with a pipeline (${f.passed}/${f.issues}); ${f.pipelines} pipelines in all`, '');
  const d = a.debugging;
  out.push(paint('How many debugging cycles per issue, and how fast are errors resolved?', 'bold'));
  out.push(
    `${formatNumber(d.cycles_per_issue, 2)} cycles per issue (${d.cycles} cycles)  resolved ${formatPercent(d.resolution_rate)} (${d.resolved})  ` +
      `${formatNumber(d.mean_attempts, 1)} attempts per cycle  time to resolve median ${formatDuration(d.time_to_resolve_seconds.median === null ? null : d.time_to_resolve_seconds.median * 1000)}, ` +
      `mean ${formatDuration(d.time_to_resolve_seconds.mean === null ? null : d.time_to_resolve_seconds.mean * 1000)}`,
    '',
  );
  const c = a.complexity;
  out.push(paint(`Retries against issue complexity (${c.grouped_by === 'complexity' ? 'by the complexity attribute' : 'issues bucketed by total retries'})`, 'bold'));
  out.push(
    ...renderTable(
      [{ header: c.grouped_by, align: 'left' }, { header: 'issues' }, { header: 'mean retries' }, { header: 'mean duration' }, { header: 'success' }],
      c.rows.map((r) => [r.key, String(r.issues), formatNumber(r.mean_retries, 2), formatDuration(r.mean_duration_seconds === null ? null : r.mean_duration_seconds * 1000), formatPercent(r.success_rate)]),
    ),
  );
  out.push(`Spearman ρ (total retries vs issue duration): ${c.spearman_retries_vs_duration === null ? '– (fewer than 3 timed issues)' : formatNumber(c.spearman_retries_vs_duration, 2)}`);
  return out.join('\n') + '\n';
}
