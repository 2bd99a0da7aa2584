/**
 * A learning dataset for agent routing: one row per agent invocation with the state it
 * started in, the choice made (agent, variant, model, temperature) and what came of it
 * (outcome, duration, cost, quality from feedback, reward), as JSONL or CSV. Columns and
 * the reward formula: docs/statistics.md ("Learning dataset").
 */
import type { JsonValue } from '../model/events.js';
import { envPredicate } from '../model/envs.js';
import type { EnvSelection } from '../model/envs.js';
import type { Feedback, Span } from '../model/span.js';
import { toIso } from '../model/time.js';
import { scanSpans } from '../store/index.js';

/** One row: one agent invocation. `state` holds its state features, flattened. */
export interface DatasetRow {
  ts: string;
  invocation_id: string;
  run_id: string;
  parent_id: string | null;
  env: string;
  project: string | null;
  task_type: string | null;
  agent: string;
  agent_type: string | null;
  variant: string | null;
  provider: string | null;
  model: string | null;
  temperature: number | null;
  attempt: number | null;
  /** `success`, `failure`, `partial`, `unknown`, `skipped`, `cancelled`, or `abandoned`/`open`. */
  outcome: string;
  /** 1 success, 0.5 partial, 0 failure; null for any other outcome. */
  success: number | null;
  duration_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  /** Feedback rating 1–5 (the last feedback on the invocation), else null. */
  quality: number | null;
  feedback_success: boolean | null;
  feedback_source: string | null;
  /** Recorded `reward` attribute, else 0.6·success + 0.4·quality/5 (quality missing: success). */
  reward: number | null;
  reward_source: 'recorded' | 'computed' | null;
  state: Record<string, JsonValue>;
}

/**
 * Reads whole spans started in a window and the last feedback of each span: the query
 * layer's `ReportSource.spans` (a directory or PostgreSQL).
 */
export type SpanReader = (
  w: { sinceMs: number; untilMs: number; nowMs: number },
  h: { onSpan: (s: Span) => void; onFeedback: (f: Feedback) => void },
) => Promise<{ skipped_lines: number }>;

/** Options of `buildDataset`. */
export interface DatasetOptions {
  /** The store directory, read when no `read` is given. */
  dir: string;
  /** Where the spans come from instead of `dir` (e.g. a PostgreSQL source). */
  read?: SpanReader;
  sinceMs: number;
  untilMs: number;
  /** Envs to include: a list, `'all'`, or by default every env except test and demo. */
  envs?: EnvSelection;
  nowMs?: number;
}

function readDirectory(dir: string): SpanReader {
  return async (w, h) => {
    const stats = await scanSpans({
      root: dir,
      sinceMs: w.sinceMs,
      // Ends (and feedback) of invocations started inside the window may land a day later.
      untilMs: w.untilMs + 86_400_000,
      nowMs: w.nowMs,
      onSpan: (s) => {
        if (s.startMs >= w.sinceMs && s.startMs < w.untilMs) h.onSpan(s);
      },
      onFeedback: h.onFeedback,
    });
    return { skipped_lines: stats.read.skipped };
  };
}

/** What a dataset export read. */
export interface DatasetResult {
  rows: DatasetRow[];
  skippedLines: number;
  /** Agent spans left out by env. */
  excluded: number;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Flatten nested objects to dotted keys: `{ codebase: { loc: 1 } }` → `codebase.loc`. */
function flatten(value: JsonValue, prefix: string, out: Record<string, JsonValue>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) if (v !== undefined) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else if (prefix !== '') out[prefix] = value;
}

/**
 * State features of a span: the seed's `state_features` object (flattened) and any
 * attribute named `state.*`.
 */
export function stateFeatures(attrs: Span['attrs']): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  const sf = attrs['state_features'];
  if (sf !== undefined && sf !== null) flatten(sf, '', out);
  for (const [k, v] of Object.entries(attrs)) if (k.startsWith('state.') && v !== undefined) flatten(v, k.slice(6), out);
  return out;
}

/** The row of an agent span and its last feedback. */
export function datasetRow(s: Span, f: Feedback | undefined): DatasetRow {
  const a = s.attrs;
  const outcome = s.state === 'ended' ? (s.status ?? 'unknown') : s.state;
  const success = outcome === 'success' ? 1 : outcome === 'partial' ? 0.5 : outcome === 'failure' ? 0 : null;
  const quality = f && f.rating !== null ? f.rating : null;
  const recorded = num(a['reward']);
  const reward = recorded ?? (success === null ? null : quality === null ? success : 0.6 * success + 0.4 * (quality / 5));
  return {
    ts: toIso(s.startMs),
    invocation_id: s.spanId,
    run_id: s.runId,
    parent_id: s.parentId,
    env: s.env,
    project: str(a['project']),
    task_type: str(a['task.type']) ?? str(a['task_type']),
    agent: str(a['gen_ai.agent.name']) ?? s.name,
    agent_type: str(a['agent.type']),
    variant: str(a['agent_variant']) ?? str(a['variant']),
    provider: str(a['gen_ai.provider.name']),
    model: str(a['gen_ai.request.model']),
    temperature: num(a['gen_ai.request.temperature']),
    attempt: num(a['agent.attempt']),
    outcome,
    success,
    duration_ms: s.durationMs,
    input_tokens: num(a['gen_ai.usage.input_tokens']),
    output_tokens: num(a['gen_ai.usage.output_tokens']),
    cost_usd: num(a['cost_usd']),
    quality,
    feedback_success: f ? f.success : null,
    feedback_source: f ? f.source : null,
    reward,
    reward_source: recorded !== null ? 'recorded' : reward === null ? null : 'computed',
    state: stateFeatures(a),
  };
}

/**
 * Read every agent invocation started in [sinceMs, untilMs) and join its last feedback.
 * Rows are held in memory until the scan ends, because feedback is matched to its span
 * by id after all spans are read.
 *
 * @example
 * const { rows } = await buildDataset({ dir: '.agentmeter', sinceMs: 0, untilMs: Date.now() });
 * process.stdout.write(datasetToJsonl(rows));
 */
export async function buildDataset(o: DatasetOptions): Promise<DatasetResult> {
  const included = envPredicate(o.envs);
  const spans = new Map<string, Span>();
  const feedback = new Map<string, Feedback>();
  let excluded = 0;
  const read = o.read ?? readDirectory(o.dir);
  const stats = await read(
    { sinceMs: o.sinceMs, untilMs: o.untilMs, nowMs: o.nowMs ?? Date.now() },
    {
      onSpan: (s) => {
        if (s.kind !== 'agent' || s.startMs < o.sinceMs || s.startMs >= o.untilMs) return;
        if (!included(s.env)) {
          excluded++;
          return;
        }
        spans.set(s.spanId, s);
      },
      onFeedback: (f) => {
        feedback.set(f.spanId, f);
      },
    },
  );
  const rows = [...spans.values()].sort((a, b) => a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : 1)).map((s) => datasetRow(s, feedback.get(s.spanId)));
  return { rows, skippedLines: stats.skipped_lines, excluded };
}

/** Rows as JSON Lines, one object per line. */
export function datasetToJsonl(rows: readonly DatasetRow[]): string {
  return rows.map((r) => JSON.stringify(r) + '\n').join('');
}

/** Fixed columns of the CSV, then one `state.<key>` column per state feature seen. */
export const DATASET_COLUMNS: readonly (keyof Omit<DatasetRow, 'state'>)[] = [
  'ts',
  'invocation_id',
  'run_id',
  'parent_id',
  'env',
  'project',
  'task_type',
  'agent',
  'agent_type',
  'variant',
  'provider',
  'model',
  'temperature',
  'attempt',
  'outcome',
  'success',
  'duration_ms',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'quality',
  'feedback_success',
  'feedback_source',
  'reward',
  'reward_source',
];

// RFC 4180 quoting; a text cell that a spreadsheet would run as a formula gets a quote.
function csvCell(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let text = typeof v === 'string' ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows as CSV with a header; arrays and objects in state features are JSON text. */
export function datasetToCsv(rows: readonly DatasetRow[]): string {
  const stateKeys = [...new Set(rows.flatMap((r) => Object.keys(r.state)))].sort();
  const header = [...DATASET_COLUMNS, ...stateKeys.map((k) => `state.${k}`)].map((h) => csvCell(h)).join(',');
  const lines = rows.map((r) => [...DATASET_COLUMNS.map((c) => csvCell(r[c])), ...stateKeys.map((k) => csvCell(r.state[k]))].join(','));
  return [header, ...lines].join('\n') + '\n';
}
