// Hash routing: `#/<page>[/<id>]?<filters>`. The filters live in the URL, so every page shares
// one filter bar, a view can be bookmarked, and the back button undoes a filter change.
import { useEffect, useState } from 'preact/hooks';

export type Page = 'overview' | 'breakdowns' | 'compare' | 'runs' | 'agents' | 'automation';
export const PAGES: readonly { page: Page; label: string }[] = [
  { page: 'overview', label: 'Overview' },
  { page: 'breakdowns', label: 'Breakdowns' },
  { page: 'compare', label: 'Compare' },
  { page: 'runs', label: 'Runs' },
  { page: 'agents', label: 'Agents' },
  { page: 'automation', label: 'Automation' },
];

export interface Route {
  page: Page;
  id: string | undefined;
  params: URLSearchParams;
}

/** Filter keys shared by every page (the API's query parameters). */
export const FILTER_KEYS = ['since', 'until', 'env', 'model', 'agent', 'task_type', 'project'] as const;

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [first = '', id] = path.split('/');
  const page = PAGES.some((p) => p.page === first) ? (first as Page) : 'overview';
  return { page, id: id ? decodeURIComponent(id) : undefined, params: new URLSearchParams(query) };
}

export function href(page: Page, params: URLSearchParams, id?: string): string {
  const q = params.toString();
  return `#/${page}${id ? `/${encodeURIComponent(id)}` : ''}${q ? `?${q}` : ''}`;
}

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return parseRoute(hash);
}

/** Replace some parameters of the current route (empty string removes one). */
export function navigate(route: Route, changes: Record<string, string>, page: Page = route.page, id: string | undefined = route.id): void {
  const params = new URLSearchParams(route.params);
  for (const [k, v] of Object.entries(changes)) {
    if (v === '') params.delete(k);
    else params.set(k, v);
  }
  location.hash = href(page, params, id);
}

/** The API query string of the shared filters (plus extras). */
export function apiQuery(params: URLSearchParams, defaults: Record<string, string>, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = params.get(k) ?? defaults[k] ?? '';
    // `env=default` is the report's default (all but test and demo), asked for explicitly.
    if (v !== '' && !(k === 'env' && v === 'default')) q.set(k, v);
  }
  for (const [k, v] of Object.entries(extra)) if (v !== '') q.set(k, v);
  return q.toString();
}
