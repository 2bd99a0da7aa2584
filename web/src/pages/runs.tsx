import { useEffect, useState } from 'preact/hooks';
import { useApi } from '../api.js';
import type { RunRow } from '../api.js';
import type { PageProps } from '../filter-bar.js';
import { duration, when } from '../format.js';
import { apiQuery, href, navigate } from '../route.js';

const PAGE = 50;
const STATUSES = ['success', 'failure', 'partial', 'cancelled', 'unknown', 'open', 'abandoned'];

export function Status(props: { status: string | null; state: string }) {
  const s = props.status ?? props.state;
  return <span class={`status status-${s}`}>{s}</span>;
}

export function Runs(props: PageProps) {
  const { route } = props;
  const text = route.params.get('q') ?? '';
  const status = route.params.get('status') ?? '';
  const offset = Number(route.params.get('offset') ?? '0') || 0;
  const [draft, setDraft] = useState(text);
  useEffect(() => setDraft(text), [text]);
  // Search as you type, a moment after the last key.
  useEffect(() => {
    if (draft === text) return undefined;
    const t = setTimeout(() => navigate(route, { q: draft, offset: '' }), 250);
    return () => clearTimeout(t);
  }, [draft]);
  const q = apiQuery(route.params, props.defaults, { q: text, status, limit: String(PAGE), offset: String(offset) });
  const { data, error } = useApi<{ total: number; offset: number; runs: RunRow[] }>(`api/runs?${q}`, props.version);
  return (
    <section aria-labelledby="h-runs">
      <h1 id="h-runs">Runs</h1>
      <form class="toolbar" role="search" onSubmit={(e) => { e.preventDefault(); navigate(route, { q: draft, offset: '' }); }}>
        <label>
          Search
          <input type="search" value={draft} placeholder="name, id, project, model" onInput={(e) => setDraft(e.currentTarget.value)} data-testid="runs-search" />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => navigate(route, { status: e.currentTarget.value, offset: '' })}>
            <option value="">any</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
      </form>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {!data ? <p class="muted">Loading…</p> : (
        <>
          <p class="muted" data-testid="runs-total">{data.total} runs{data.total > 0 ? `, showing ${offset + 1}–${Math.min(offset + PAGE, data.total)}` : ''}</p>
          <div class="table-wrap">
            <table data-testid="runs-table">
              <caption>Runs, newest first</caption>
              <thead>
                <tr><th scope="col">Run</th><th scope="col">Started (UTC)</th><th scope="col">Status</th><th scope="col" class="num">Duration</th><th scope="col">Project</th><th scope="col">Model</th><th scope="col">Env</th></tr>
              </thead>
              <tbody>
                {data.runs.map((r) => (
                  <tr key={r.run_id}>
                    <th scope="row"><a href={href('runs', route.params, r.run_id)}>{r.name}</a></th>
                    <td>{when(r.start)}</td>
                    <td><Status status={r.status} state={r.state} /></td>
                    <td class="num">{duration(r.duration_ms)}</td>
                    <td>{r.project ?? '–'}</td>
                    <td>{r.model ?? '–'}</td>
                    <td>{r.env}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav class="pager" aria-label="Run pages">
            <button type="button" disabled={offset === 0} onClick={() => navigate(route, { offset: String(Math.max(0, offset - PAGE)) })}>← Newer</button>
            <button type="button" disabled={offset + PAGE >= data.total} onClick={() => navigate(route, { offset: String(offset + PAGE) })}>Older →</button>
          </nav>
        </>
      )}
    </section>
  );
}
