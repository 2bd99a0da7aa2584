import type { ChartConfiguration } from 'chart.js';
import { useApi } from '../api.js';
import type { AgentRank } from '../api.js';
import { COLORS, ChartView } from '../chart.js';
import type { PageProps } from '../filter-bar.js';
import { ci, count, delta, duration, pct, usd } from '../format.js';
import { apiQuery } from '../route.js';

function sparkline(a: AgentRank, days: string[]): ChartConfiguration {
  return {
    type: 'line',
    data: { labels: days, datasets: [{ data: a.sparkline, borderColor: COLORS[0], borderWidth: 1.5, pointRadius: 0, spanGaps: true }] },
    options: { responsive: false, events: [], scales: { x: { display: false }, y: { display: false, min: 0, max: 1 } }, plugins: { legend: { display: false }, tooltip: { enabled: false } } },
  } as ChartConfiguration;
}

function Spark(props: { a: AgentRank; days: string[] }) {
  const filled = props.a.sparkline.filter((x) => x !== null);
  const first = filled[0];
  const last = filled[filled.length - 1];
  return (
    <div class="spark">
      <ChartView config={sparkline(props.a, props.days)} height={28} label={`Daily success rate of ${props.a.agent}: from ${pct(first)} to ${pct(last)}`} />
    </div>
  );
}

export function Agents(props: PageProps) {
  const q = apiQuery(props.route.params, props.defaults);
  const { data, error } = useApi<{ days: string[]; agents: AgentRank[] }>(`api/agents?${q}`, props.version);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (!data) return <p class="muted">Loading…</p>;
  return (
    <section aria-labelledby="h-agents">
      <h1 id="h-agents">Agents</h1>
      <p class="muted">Ranked by the lower bound of the 95 % Wilson interval of the success rate, so an agent with few invocations does not outrank a proven one by luck.</p>
      {data.agents.length === 0 ? <p class="muted">No agent invocations in this window and filter.</p> : (
        <div class="table-wrap">
          <table data-testid="agents-table">
            <caption>Agent ranking</caption>
            <thead>
              <tr>
                <th scope="col" class="num">#</th><th scope="col">Agent</th><th scope="col" class="num">Invocations</th><th scope="col" class="num">Success</th>
                <th scope="col" class="num">95 % CI</th><th scope="col">Trend (per day)</th><th scope="col" class="num">vs previous</th><th scope="col" class="num">Retries</th>
                <th scope="col" class="num">Median</th><th scope="col" class="num">p95</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Quality</th>
              </tr>
            </thead>
            <tbody>
              {data.agents.map((a, i) => (
                <tr key={a.agent}>
                  <td class="num">{i + 1}</td>
                  <th scope="row">{a.agent}</th>
                  <td class="num">{count(a.invocations)}</td>
                  <td class="num">{pct(a.success_rate)}</td>
                  <td class="num">{ci(a.success_rate_ci)}</td>
                  <td><Spark a={a} days={data.days} /></td>
                  <td class="num">{delta(a.trend_delta, 'rate')}</td>
                  <td class="num">{a.retries}</td>
                  <td class="num">{duration(a.duration_ms?.median)}</td>
                  <td class="num">{duration(a.duration_ms?.p95)}</td>
                  <td class="num">{usd(a.cost_usd)}</td>
                  <td class="num">{a.quality.mean === null ? '–' : `${a.quality.mean.toFixed(1)} / 5 (${a.quality.ratings})`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
