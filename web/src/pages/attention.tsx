// The Attention panel: what is getting worse in the window. Anomalous days (as `agentmeter
// anomalies` finds them, with their evidence) and the watched metrics' trend verdicts (as
// `agentmeter trends` judges them), from `GET /api/attention`.
import { useApi } from '../api.js';
import type { AttentionAnswer } from '../api.js';
import type { PageProps } from '../filter-bar.js';
import { duration, pct, usd, ratio } from '../format.js';
import { apiQuery } from '../route.js';

type Trend = AttentionAnswer['trends'][number];

const LABELS: Record<string, string> = {
  'success_rate/run': 'Run success rate',
  'success_rate/agent': 'Agent success rate',
  'first_attempt_pass_rate/pipeline': 'First-attempt pass rate',
  'duration/agent': 'Agent median duration',
  'cost/agent': 'Agent cost per invocation',
  'speedup/optimization': 'Optimisation speedup',
};

const VERDICTS: Record<string, { word: string; cls: string }> = {
  worsening: { word: 'worsening', cls: 'status-failure' },
  improving: { word: 'improving', cls: 'status-success' },
  no_trend: { word: 'no trend beyond noise', cls: 'status-cancelled' },
  not_enough_data: { word: 'not enough data', cls: 'status-cancelled' },
};

function label(t: Trend): string {
  return LABELS[`${t.metric}/${t.kind}`] ?? `${t.metric} of ${t.kind} spans`;
}

function latest(t: Trend): string {
  const pts = t.trend?.points.filter((p) => p.smoothed !== null) ?? [];
  const v = pts[pts.length - 1]?.smoothed ?? null;
  if (v === null) return '–';
  if (t.metric === 'duration') return duration(v);
  if (t.metric === 'cost') return usd(v);
  if (t.metric === 'speedup') return ratio(v);
  return pct(v);
}

/** `after`: wait while the page's own numbers load (the panel keeps its previous answer meanwhile). */
export function AttentionPanel(props: PageProps & { after?: boolean }) {
  const q = apiQuery(props.route.params, props.defaults);
  const { data, error } = useApi<AttentionAnswer>(props.after ? undefined : `api/attention?${q}`, props.version);
  const worse = data?.trends.filter((t) => t.trend?.direction === 'worsening') ?? [];
  const found = data?.anomalies.anomalies ?? [];
  return (
    <section class="attention" aria-labelledby="h-attention" data-testid="attention-panel" aria-busy={!data && !error}>
      <h2 id="h-attention">Attention</h2>
      {error ? <p role="alert" class="error">{error}</p> : !data ? (
        <p class="muted" role="status">Looking for anomalous days and trends…</p>
      ) : (
        <>
          <p class="muted" data-testid="attention-summary">
            {found.length === 0 && worse.length === 0
              ? 'Nothing is getting worse: '
              : `${found.length} anomalous point${found.length === 1 ? '' : 's'}, ${worse.length} metric${worse.length === 1 ? '' : 's'} worsening: `}
            {data.anomalies.points_examined} points (a series on a day) of {data.anomalies.series} series examined, each against the {data.anomalies.baseline_days} days
            before it (threshold p &lt; {data.anomalies.point_alpha.toExponential(1)}); trends per {data.trends[0]?.bucket ?? 'day'}, Mann–Kendall at 5 %.
          </p>
          <div class="attention-grid">
            <div>
              <h3>Anomalous days</h3>
              {found.length === 0 ? <p class="muted" data-testid="attention-no-anomalies">None in this window.</p> : (
                <ul class="findings">
                  {found.map((a) => (
                    <li key={`${a.day}|${a.series}|${a.metric}`} data-testid="attention-anomaly">
                      <span class="status status-failure">{a.metric === 'duration' ? 'slow' : 'failing'}</span>{' '}
                      <strong>{a.day}</strong> · {a.series}: {a.metric === 'duration' ? `median ${duration(a.value)}, expected ${duration(a.expected)}` : `failure rate ${pct(a.value)}, expected ${pct(a.expected)}`} ({a.n} invocations)
                      <div class="small">{a.evidence}</div>
                    </li>
                  ))}
                </ul>
              )}
            </div>
            <div>
              <h3>Trends</h3>
              <ul class="findings">
                {data.trends.map((t) => {
                  const d = t.trend?.direction ?? 'not_enough_data';
                  const v = VERDICTS[d] ?? { word: d, cls: 'status-cancelled' };
                  return (
                    <li key={`${t.metric}/${t.kind}`} data-testid="attention-trend" data-direction={d}>
                      <span class={`status ${v.cls}`}>{v.word}</span> <strong>{label(t)}</strong> <span class="muted">now {latest(t)}</span>
                      <div class="small">{t.trend ? t.trend.summary.replace(/^all: /, '') : 'no observations in this window'}</div>
                    </li>
                  );
                })}
              </ul>
            </div>
          </div>
        </>
      )}
    </section>
  );
}
