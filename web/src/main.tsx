import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getJson, useApi } from './api.js';
import { FilterBar } from './filter-bar.js';
import type { Meta } from './filter-bar.js';
import { PAGES, href, useRoute } from './route.js';
import { Overview } from './pages/overview.js';
import { Breakdowns } from './pages/breakdowns.js';
import { Runs } from './pages/runs.js';
import { RunPage } from './pages/run.js';
import { Agents } from './pages/agents.js';
import { Automation } from './pages/automation.js';
import { Compare } from './pages/compare.js';
import './style.css';

/** How often to ask whether the store changed; the server looks at most once a second. */
const POLL_MS = 2000;

/**
 * The store's data version, polled so new events show up without a reload. Starts at the
 * version the page loaded with, so pages fetch once on load, not again when polling starts.
 */
function useVersion(initial: number | undefined): { version: number; updatedAt: string } {
  const [polled, setPolled] = useState({ version: 0, updatedAt: '' });
  useEffect(() => {
    if (initial === undefined) return undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      try {
        const v = await getJson<{ version: number }>('api/version');
        if (!stopped) setPolled((s) => (v.version === s.version || v.version === initial ? s : { version: v.version, updatedAt: new Date().toLocaleTimeString() }));
      } catch {
        // Server restarting: try again next tick.
      }
      if (!stopped) timer = setTimeout(tick, POLL_MS);
    };
    timer = setTimeout(tick, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [initial]);
  // 0 until the data moves past the version the page loaded with: pages that fetched before
  // the meta answer arrived do not fetch again for it.
  return polled;
}

function App() {
  const route = useRoute();
  // Meta is fetched again when the data moves, so new models, agents and envs join the filters.
  const [metaVersion, setMetaVersion] = useState(0);
  const meta = useApi<Meta>('api/meta', metaVersion);
  const { version, updatedAt } = useVersion(meta.data?.version);
  useEffect(() => {
    if (version > 0) setMetaVersion(version);
  }, [version]);
  // The window opens on the data (a store of a month: 30 days), as the server chose it.
  const defaults: Record<string, string> = { since: meta.data?.default_window.since ?? '7d', until: meta.data?.default_window.until ?? '', env: meta.data?.default_env ?? '' };
  // With the window and env in the URL the page needs nothing from meta: it fetches in parallel with it.
  const ready = meta.data !== undefined || (route.params.has('env') && route.params.has('since'));
  const props = { route, version, defaults };
  const title = PAGES.find((p) => p.page === route.page)?.label ?? 'Overview';
  useEffect(() => {
    document.title = `${route.id ? 'Run' : title} · agentmeter`;
  }, [title, route.id]);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header>
        <div class="brand">agentmeter</div>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.page}>
                <a href={href(p.page, route.params)} aria-current={p.page === route.page ? 'page' : undefined}>{p.label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <p class="live" aria-live="polite" data-testid="live">
          <span class="dot" aria-hidden="true" /> live{updatedAt ? ` · updated ${updatedAt}` : ''} · v{version || meta.data?.version || 0}
        </p>
      </header>
      {meta.data ? <FilterBar route={route} meta={meta.data} defaults={defaults} /> : null}
      <main id="main" tabIndex={-1}>
        {meta.error ? <p role="alert" class="error">Cannot reach the dashboard API: {meta.error}</p> : null}
        {!ready ? (
          <p class="muted">Loading…</p>
        ) : route.page === 'overview' ? (
          <Overview {...props} />
        ) : route.page === 'breakdowns' ? (
          <Breakdowns {...props} />
        ) : route.page === 'compare' ? (
          <Compare {...props} />
        ) : route.page === 'runs' && route.id ? (
          <RunPage {...props} id={route.id} />
        ) : route.page === 'runs' ? (
          <Runs {...props} />
        ) : route.page === 'agents' ? (
          <Agents {...props} />
        ) : (
          <Automation {...props} />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
