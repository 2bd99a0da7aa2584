// Typed fetches of the dashboard's JSON API (docs/dashboard.md). Types come from the server
// code itself, so a renamed field fails the type check here.
import { useEffect, useState } from 'preact/hooks';

export type { Report, GroupReport, GroupBy } from '../../src/analytics/index.js';
export type { SeriesPoint, AgentRank, SpeedupBin } from '../../src/server/dashboard/answers.js';
export type { RunRow } from '../../src/server/dashboard/run-list.js';
export type { AttentionAnswer, CompareAnswer } from '../../src/server/dashboard/insights.js';
import type { BaseAttributes, Feedback, Span } from '../../src/model/index.js';
export type { Span, Feedback };

/** `GET /api/runs/:id` (the server's RunDetail, which lives beside node-only code). */
export interface RunDetailAnswer {
  version: number;
  run: Span;
  spans: Span[];
  points: { spanId: string; name: string; tsMs: number; attrs: BaseAttributes }[];
  feedback: Feedback[];
}

/** Result of a fetch hook. */
export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
}

/** GET a JSON endpoint; errors carry the server's message. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, signal ? { signal } : {});
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  }
  return (await res.json()) as T;
}

/**
 * Fetch `path` whenever it (or `version`, the store's data version) changes. The previous
 * answer stays on screen while the next loads, so live updates do not flicker.
 */
export function useApi<T>(path: string | undefined, version: number): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loading: true });
  useEffect(() => {
    if (path === undefined) return undefined;
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    getJson<T>(path, ctl.signal).then(
      // An aborted fetch can still settle; a newer one owns the state then.
      (data) => {
        if (!ctl.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (e: unknown) => {
        if (!ctl.signal.aborted) setState({ data: undefined, error: e instanceof Error ? e.message : String(e), loading: false });
      },
    );
    return () => ctl.abort();
  }, [path, version]);
  return state;
}
