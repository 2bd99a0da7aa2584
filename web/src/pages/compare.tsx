// The Compare page: groups of a dimension compared on a metric, each group with its 95 %
// interval and each pair with its difference, interval, Holm-corrected p-value and a plain
// verdict, exactly as `agentmeter compare --by … --metric …` (GET /api/compare).
import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { formatEffect } from '../../../src/analytics/compare.js';
import { useApi } from '../api.js';
import type { CompareAnswer } from '../api.js';
import { ChartView, RATE_AXIS, intervalBars } from '../chart.js';
import type { PageProps } from '../filter-bar.js';
import { DIMENSIONS, duration, pct, ratio, usd } from '../format.js';
import { apiQuery, navigate } from '../route.js';
import { DimensionToggles } from '../dimension-toggles.js';


const METRICS = [
  { metric: 'success_rate', label: 'Success rate', kinds: true },
  { metric: 'first_attempt_pass_rate', label: 'First-attempt pass rate', kinds: false },
  { metric: 'duration', label: 'Duration (median)', kinds: true },
  { metric: 'cost', label: 'Cost (mean)', kinds: true },
  { metric: 'speedup', label: 'Optimisation speedup (geometric mean)', kinds: false },
] as const;

const KINDS = ['agent', 'run', 'task', 'pipeline', 'debug', 'optimization'];

type Group = CompareAnswer['groups'][number];
type Pair = CompareAnswer['comparisons'][number];

function estimate(g: Group, unit: CompareAnswer['unit']): string {
  if (g.estimate === null || !Number.isFinite(g.estimate)) return '–';
  if (unit === 'rate') return pct(g.estimate);
  if (unit === 'ms') return duration(g.estimate);
  if (unit === 'usd') return usd(g.estimate);
  if (unit === 'ratio') return ratio(g.estimate);
  return g.estimate.toFixed(2);
}

function interval(g: Group, unit: CompareAnswer['unit']): string {
  if (!g.ci) return '';
  const f = (x: number) => (unit === 'rate' ? `${(x * 100).toFixed(1)} %` : unit === 'ratio' ? `${x.toFixed(2)}×` : x.toFixed(2));
  return `${f(g.ci[0])} – ${f(g.ci[1])}`;
}

const VERDICT: Record<Pair['verdict'], { word: (p: Pair) => string; cls: string }> = {
  a_better: { word: (p) => `${p.a} better`, cls: 'status-success' },
  b_better: { word: (p) => `${p.b} better`, cls: 'status-success' },
  no_difference: { word: () => 'no detectable difference', cls: 'status-cancelled' },
  not_enough_data: { word: (p) => `not enough data (+${p.more_per_group ?? '?'} per group)`, cls: 'status-partial' },
};

function pText(p: number): string {
  return p < 0.0001 ? '< 0.0001' : p.toFixed(4);
}

export function Compare(props: PageProps) {
  const { route } = props;
  const by = DIMENSIONS.find((d) => d.by === route.params.get('by'))?.by ?? 'model';
  // `metric` is shared with Breakdowns, whose values differ: an unknown one is the default here.
  const m = METRICS.find((x) => x.metric === route.params.get('metric')) ?? METRICS[0];
  const kind = m.kinds ? (KINDS.find((k) => k === route.params.get('kind')) ?? 'agent') : '';
  const q = apiQuery(route.params, props.defaults, { by, metric: m.metric, kind });
  const { data, error, loading } = useApi<CompareAnswer>(`api/compare?${q}`, props.version);
  const config = useMemo((): ChartConfiguration | undefined => {
    if (!data || data.groups.length === 0) return undefined;
    const rows = data.groups.filter((g) => g.estimate !== null && Number.isFinite(g.estimate));
    return intervalBars({
      label: `${m.label}${data.groups.some((g) => g.ci) ? ' with 95 % interval' : ''}`,
      labels: rows.map((g) => g.key),
      points: rows.map((g) => ({ x: g.estimate as number, xMin: g.ci?.[0] ?? (g.estimate as number), xMax: g.ci?.[1] ?? (g.estimate as number) })),
      xAxis: data.unit === 'rate' ? RATE_AXIS : { beginAtZero: true },
    });
  }, [data, m.label]);
  const dimLabel = DIMENSIONS.find((d) => d.by === by)?.label.toLowerCase() ?? by;
  return (
    <section aria-labelledby="h-compare">
      <h1 id="h-compare">Compare</h1>
      <div class="toolbar">
        <DimensionToggles route={route} by={by} label="Compare groups of" dimensions={DIMENSIONS} />
        <label>
          Metric
          <select value={m.metric} onChange={(e) => navigate(route, { metric: e.currentTarget.value })} data-testid="compare-metric">
            {METRICS.map((x) => <option key={x.metric} value={x.metric}>{x.label}</option>)}
          </select>
        </label>
        {m.kinds ? (
          <label>
            Of
            <select value={kind} onChange={(e) => navigate(route, { kind: e.currentTarget.value })} data-testid="compare-kind">
              {KINDS.map((k) => <option key={k} value={k}>{k} spans</option>)}
            </select>
          </label>
        ) : null}
        {loading && data ? <span class="muted" role="status">updating…</span> : null}
      </div>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {!data ? (error ? null : <p class="muted" role="status">Comparing…</p>) : data.groups.length === 0 ? (
        <p class="muted">No {m.label.toLowerCase()} observations of {data.kind} spans with a {dimLabel} in this window and filter{data.without_group > 0 ? ` (${data.without_group} without a ${dimLabel} value)` : ''}.</p>
      ) : (
        <>
          <h2 class="h-sub">Verdicts</h2>
          {data.comparisons.length === 0 ? <p class="muted">Nothing to compare: fewer than two groups with data.</p> : (
            <ul class="findings" data-testid="compare-verdicts">
              {data.comparisons.map((p) => (
                <li key={`${p.a}|${p.b}`} data-testid="compare-verdict" data-verdict={p.verdict}>
                  <span class={`status ${VERDICT[p.verdict].cls}`}>{VERDICT[p.verdict].word(p)}</span> {p.summary}
                </li>
              ))}
            </ul>
          )}
          <p class="small">
            {m.label} of {data.kind} spans by {dimLabel}. {data.comparisons[0]?.test ?? ''}; p-values Holm-corrected over {data.comparisons.length} pair{data.comparisons.length === 1 ? '' : 's'} (α = {data.alpha}).
            "No detectable difference" means the interval lies within the smallest effect worth finding; methods in docs/statistics.md.
            {data.without_group > 0 ? ` ${data.without_group} observations without a ${dimLabel} value left out.` : ''}
            {data.untested.length > 0 ? ` Not compared (too few values or beyond the 8 largest groups): ${data.untested.join(', ')}.` : ''}
          </p>
          {config ? (
            <figure>
              <figcaption>{m.label} by {dimLabel}{data.groups.some((g) => g.ci) ? ', whiskers: 95 % interval' : ''}</figcaption>
              <ChartView testId="chart-compare" config={config} label={`Bar chart of ${m.label} per ${dimLabel}${data.groups.some((g) => g.ci) ? ' with 95 % interval whiskers' : ''}`} height={Math.max(140, 34 * data.groups.length + 60)} />
            </figure>
          ) : null}
          <div class="table-wrap">
            <table data-testid="compare-groups">
              <caption>Groups</caption>
              <thead><tr><th scope="col">{DIMENSIONS.find((d) => d.by === by)?.label}</th><th scope="col" class="num">n</th><th scope="col" class="num">{m.label}</th><th scope="col" class="num">95 % interval</th></tr></thead>
              <tbody>
                {data.groups.map((g) => (
                  <tr key={g.key}><th scope="row">{g.key}</th><td class="num">{g.n}</td><td class="num">{estimate(g, data.unit)}</td><td class="num">{interval(g, data.unit)}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
          {data.comparisons.length > 0 ? (
            <div class="table-wrap">
              <table data-testid="compare-pairs">
                <caption>Pairs: A against B</caption>
                <thead><tr><th scope="col">A</th><th scope="col">B</th><th scope="col" class="num">{data.comparisons[0]?.effect.scale === 'ratio' ? 'A / B' : 'A − B'}</th><th scope="col" class="num">95 % interval</th><th scope="col" class="num">p</th><th scope="col" class="num">p (Holm)</th><th scope="col">verdict</th></tr></thead>
                <tbody>
                  {data.comparisons.map((p) => (
                    <tr key={`${p.a}|${p.b}`}>
                      <th scope="row">{p.a}</th>
                      <td>{p.b}</td>
                      <td class="num">{formatEffect(p.effect, data.unit)}</td>
                      <td class="num">{formatEffect({ ...p.effect, value: p.effect.ci[0] }, data.unit)} – {formatEffect({ ...p.effect, value: p.effect.ci[1] }, data.unit)}</td>
                      <td class="num">{pText(p.p_value)}</td>
                      <td class="num">{pText(p.p_adjusted)}</td>
                      <td>{VERDICT[p.verdict].word(p)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}
