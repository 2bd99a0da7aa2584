/**
 * The dashboard as a Hono sub-app: the read-only JSON API under `/api/` (docs/dashboard.md)
 * and the built front end under `/`. A pure fetch handler: tests call `app.request(...)`
 * without a socket, and `agentmeter serve` mounts the same routes beside its ingest API.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { GROUP_BY_VALUES } from '../../analytics/index.js';
import type { GroupBy } from '../../analytics/index.js';
import type { ReportSource } from '../../query/index.js';
import { agentRanking, automation, breakdown, overview } from './answers.js';
import { DashboardData } from './dashboard-data.js';
import { attention, comparison } from './insights.js';
import type { DashboardState } from './dashboard-data.js';
import { QueryError, defaultWindow, includesEnv, parseQuery } from './query.js';
import type { DashboardQuery } from './query.js';
import { loadRunDetail } from './run-detail.js';
import { listRuns } from './run-list.js';

/** Options of `dashboardRoutes`. */
export interface DashboardRoutesOptions {
  /** The store directory. */
  dir: string;
  /** The built front end; default: `dist/web` of this package. */
  assetsDir?: string;
  /** Minimum time between two looks at the store for new events. Default 1000 ms. */
  checkIntervalMs?: number;
  /** Clock, Unix ms (tests pin it). */
  now?: () => number;
  /** Where the spans come from (default: the directory through its span cache). */
  source?: ReportSource;
}

/** Dimensions the breakdown page offers. */
export const BREAKDOWN_DIMENSIONS: readonly GroupBy[] = ['model', 'agent', 'task_type', 'project', 'env', 'operation'];

/** Where `npm run build` puts the front end: `<package>/dist/web` (this file is 3 levels down in src/ and dist/). */
export function defaultAssetsDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'web');
}

/**
 * The dashboard's routes for one store.
 *
 * @example
 * const app = dashboardRoutes({ dir: '.agentmeter' });
 * const res = await app.request('/api/overview?since=30d&env=demo');
 */
export function dashboardRoutes(o: DashboardRoutesOptions): Hono {
  const data = new DashboardData({ dir: o.dir, ...(o.source ? { source: o.source } : {}), ...(o.checkIntervalMs !== undefined ? { checkIntervalMs: o.checkIntervalMs } : {}), ...(o.now ? { now: o.now } : {}) });
  const app = new Hono();
  const assetsDir = o.assetsDir ?? defaultAssetsDir();

  app.onError((e, c) => {
    if (e instanceof QueryError) return c.json({ error: e.message }, 400);
    return c.json({ error: `unexpected failure: ${e.message}` }, 500);
  });

  // Answers depend on the query and the data version only: cache them per version.
  const answer = async <T>(c: Context, name: string, compute: (s: DashboardState, q: DashboardQuery, nowMs: number) => T) => {
    const s = await data.state();
    const nowMs = data.now();
    const q = parseQuery(new URL(c.req.url).searchParams, nowMs);
    const params = new URL(c.req.url).searchParams;
    params.sort();
    // Relative windows move with the clock: an answer is reused within the minute.
    const key = `${name}|${params.toString()}|${Math.floor(nowMs / 60_000)}`;
    const body = data.answer(s, key, () => compute(s, q, nowMs));
    c.header('cache-control', 'no-store');
    return c.json({ version: s.version, ...body });
  };

  app.get('/api/version', async (c) => {
    const s = await data.state({ fresh: true });
    c.header('cache-control', 'no-store');
    return c.json({ version: s.version, loaded_at: new Date(s.loadedAtMs).toISOString() });
  });

  app.get('/api/meta', async (c) => {
    const s = await data.state();
    const snap = s.snapshot;
    const envs = Object.keys(snap.values.env).sort();
    c.header('cache-control', 'no-store');
    return c.json({
      version: s.version,
      loaded_at: new Date(s.loadedAtMs).toISOString(),
      load_ms: snap.loadMs,
      spans: snap.spans.length,
      feedback: snap.feedback.length,
      runs: s.runs.length,
      first: snap.firstMs === null ? null : new Date(snap.firstMs).toISOString(),
      last: snap.lastMs === null ? null : new Date(snap.lastMs).toISOString(),
      skipped_lines: snap.skippedLines,
      values: snap.values,
      // A store holding only demo or test data shows nothing under the report's default.
      default_env: envs.some((e) => includesEnv({ sinceMs: 0, untilMs: 1, envs: undefined, where: [] }, e)) ? '' : 'all',
      // Open on a window that shows the data (a month of data: 30 days, not the last 7).
      default_window: defaultWindow(snap.firstMs, snap.lastMs, data.now()),
      dimensions: BREAKDOWN_DIMENSIONS,
    });
  });

  app.get('/api/overview', (c) => answer(c, 'overview', (s, q, now) => overview(s.snapshot, q, now)));
  app.get('/api/agents', (c) => answer(c, 'agents', (s, q, now) => agentRanking(s.snapshot, q, now)));
  app.get('/api/automation', (c) => answer(c, 'automation', (s, q, now) => automation(s.snapshot, q, now)));
  app.get('/api/breakdown', (c) => {
    const by = c.req.query('by') ?? 'model';
    if (!(GROUP_BY_VALUES as readonly string[]).includes(by)) throw new QueryError(`by must be one of ${GROUP_BY_VALUES.join(', ')}`);
    return answer(c, 'breakdown', (s, q, now) => ({ report: breakdown(s.snapshot, q, by as GroupBy, now) }));
  });
  app.get('/api/attention', (c) => answer(c, 'attention', (s, q) => attention(s.snapshot, q, new URL(c.req.url).searchParams)));
  app.get('/api/compare', (c) => answer(c, 'compare', (s, q) => comparison(s.snapshot, q, new URL(c.req.url).searchParams)));
  app.get('/api/runs', (c) =>
    answer(c, 'runs', (s, q) => {
      const p = new URL(c.req.url).searchParams;
      return listRuns(s.runs, q, { text: p.get('q') ?? '', status: p.get('status') ?? '', limit: p.get('limit'), offset: p.get('offset') });
    }),
  );
  app.get('/api/runs/:id', async (c) => {
    const s = await data.state();
    const id = c.req.param('id');
    const run = s.runs.find((r) => r.runId === id);
    if (!run) return c.json({ error: `no run ${id}` }, 404);
    const detail = await loadRunDetail(run, s.segments, data.now());
    c.header('cache-control', 'no-store');
    return c.json({ version: s.version, run, ...detail });
  });
  app.all('/api/*', (c) => c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404));

  if (existsSync(assetsDir)) {
    app.use('/*', serveStatic({ root: assetsDir }));
  } else {
    app.get('/', (c) => c.text(`The dashboard's front end is not built (no ${assetsDir}): run \`npm run build\`. The API is under /api/.\n`, 503));
  }
  return app;
}


