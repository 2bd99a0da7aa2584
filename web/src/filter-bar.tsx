import { navigate } from './route.js';
import type { Route } from './route.js';

/** `GET /api/meta`. */
export interface Meta {
  version: number;
  spans: number;
  runs: number;
  first: string | null;
  last: string | null;
  skipped_lines: number;
  values: Record<'model' | 'agent' | 'task_type' | 'project' | 'env', Record<string, number>>;
  default_env: string;
  /** The window to open on: one that shows the data (`since` a preset or a date, `until` empty or a date). */
  default_window: { since: string; until: string };
  dimensions: string[];
}

/** Props every page gets. */
export interface PageProps {
  route: Route;
  version: number;
  defaults: Record<string, string>;
}

const WINDOWS = [
  { value: '24h', label: 'last 24 hours' },
  { value: '7d', label: 'last 7 days' },
  { value: '30d', label: 'last 30 days' },
  { value: '90d', label: 'last 90 days' },
  { value: '365d', label: 'last year' },
];

const DIMS = [
  { key: 'model', label: 'Model' },
  { key: 'agent', label: 'Agent' },
  { key: 'task_type', label: 'Task type' },
  { key: 'project', label: 'Project' },
] as const;

function dateOf(text: string): string {
  return /^\d{4}-\d{2}-\d{2}/.test(text) ? text.slice(0, 10) : '';
}

/** The filter bar shared by every page: window, environment and the grouping dimensions. */
export function FilterBar(props: { route: Route; meta: Meta; defaults: Record<string, string> }) {
  const { route, meta, defaults } = props;
  const get = (k: string) => route.params.get(k) ?? defaults[k] ?? '';
  const since = get('since');
  const custom = !WINDOWS.some((w) => w.value === since);
  const set = (k: string, v: string) => navigate(route, { [k]: v });
  const envs = Object.keys(meta.values.env).sort();
  return (
    <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <label>
        Window
        <select value={custom ? 'custom' : since} onChange={(e) => {
          const v = e.currentTarget.value;
          // A default window ending in the past (a store whose data is old) needs `until` said explicitly.
          const until = defaults['until'] ? 'now' : '';
          if (v === 'custom') navigate(route, { since: new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10), until });
          else navigate(route, { since: v, until });
        }} data-testid="filter-window">
          {WINDOWS.map((w) => <option key={w.value} value={w.value}>{w.label}</option>)}
          <option value="custom">custom dates</option>
        </select>
      </label>
      {custom ? (
        <>
          <label>
            From
            <input type="date" value={dateOf(since)} onChange={(e) => e.currentTarget.value && set('since', e.currentTarget.value)} />
          </label>
          <label>
            Until (exclusive)
            <input type="date" value={dateOf(get('until'))} onChange={(e) => set('until', e.currentTarget.value)} />
          </label>
        </>
      ) : null}
      <label>
        Environment
        <select value={get('env') || 'default'} onChange={(e) => set('env', e.currentTarget.value)} data-testid="filter-env">
          <option value="default">all but test and demo</option>
          <option value="all">all</option>
          {envs.map((e) => <option key={e} value={e}>{e}</option>)}
        </select>
      </label>
      {DIMS.map((d) => {
        const values = Object.entries(meta.values[d.key]).sort((a, b) => b[1] - a[1]);
        return (
          <label key={d.key}>
            {d.label}
            <select value={get(d.key)} onChange={(e) => set(d.key, e.currentTarget.value)} data-testid={`filter-${d.key}`}>
              <option value="">any</option>
              {values.map(([v]) => <option key={v} value={v}>{v}</option>)}
            </select>
          </label>
        );
      })}
    </form>
  );
}
