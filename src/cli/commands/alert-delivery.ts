/**
 * What `agentmeter alert` sends and how (docs/alerts.md): a finding (an anomalous day or a
 * failed gate), its payload in the shape a Slack-compatible webhook takes (`{ text, blocks }`)
 * or a generic JSON receiver takes (the finding itself), a POST with bounded retries, and
 * the small state file that keeps a finding from being sent twice.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Anomaly, GateResult } from '../../analytics/index.js';
import { writeFileAtomic } from '../../store/atomic-file.js';

/** Payload shapes. */
export const PAYLOAD_FORMATS = ['slack', 'json'] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

/** One thing worth telling someone about, with a stable id (the same finding, the same id). */
export type Finding =
  | { type: 'anomaly'; id: string; title: string; text: string; anomaly: Anomaly }
  | { type: 'gate_failed'; id: string; title: string; text: string; gate: GateResult };

/** Where and over what the findings were made, for the payload's context line. */
export interface FindingContext {
  store: string;
  window: { since: string; until: string };
  envs: string;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const ms = (x: number): string => (x >= 60_000 ? `${(x / 60_000).toFixed(1)} min` : `${(x / 1000).toFixed(1)} s`);

/**
 * The finding of an anomalous day. Its id is the day, series and metric: the same point
 * found again in a later window (or by the next `--watch` round) is the same finding.
 */
export function anomalyFinding(a: Anomaly): Finding {
  const what = a.metric === 'duration' ? `median duration ${ms(a.value)} (expected ${ms(a.expected)})` : `failure rate ${pct(a.value)} (expected ${pct(a.expected)})`;
  return {
    type: 'anomaly',
    id: `anomaly|${a.day}|${a.series}|${a.metric}`,
    title: `Anomaly on ${a.day}: ${a.series}`,
    text: `${what} over ${a.n} invocations; ${a.evidence}`,
    anomaly: a,
  };
}

/**
 * The finding of a failed gate. Its id is the gate's name: a gate that stays failing is
 * reported once; when it passes again the state forgets it, so a new failure is reported.
 */
export function gateFinding(g: GateResult): Finding {
  return { type: 'gate_failed', id: `gate|${g.gate}`, title: `Gate failed: ${g.gate}`, text: g.reason, gate: g };
}

/**
 * The request body for a finding: Slack's `{ text, blocks }` (receivers that take Slack's
 * format but not its blocks, such as Mattermost's incoming webhooks, show the `text`), or
 * the generic JSON form: the finding with its context.
 *
 * @example
 * payload(anomalyFinding(a), 'slack', ctx).text // 'agentmeter: Anomaly on 2026-03-02: gpt-4.1 · coding — failure rate …'
 */
export function payload(f: Finding, format: PayloadFormat, ctx: FindingContext): Record<string, unknown> {
  const context = `store ${ctx.store} · window ${ctx.window.since} → ${ctx.window.until} · envs ${ctx.envs}`;
  if (format === 'slack') {
    return {
      text: `agentmeter: ${f.title} — ${f.text}`,
      // The title as a plain-text header: series names may hold `*`, which mrkdwn would read as bold.
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: f.title.length > 150 ? `${f.title.slice(0, 149)}…` : f.title } },
        { type: 'section', text: { type: 'mrkdwn', text: mrkdwnEscape(f.text) } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwnEscape(context) }] },
      ],
    };
  }
  const { type, id, title, text } = f;
  return { source: 'agentmeter', type, id, title, text, ...(f.type === 'anomaly' ? { anomaly: f.anomaly } : { gate: f.gate }), ...ctx };
}

/** Slack's three control characters in mrkdwn text (Slack's "Formatting text" reference). */
function mrkdwnEscape(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** How a POST went. */
export type DeliveryResult = { ok: true; status: number; attempts: number } | { ok: false; error: string; attempts: number };

/** Retry policy of `postWithRetries`. */
export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** First wait; each later one doubles, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per attempt. */
  timeoutMs: number;
}

/** 3 retries after 0.5, 1 and 2 s (a `Retry-After` of up to 30 s is honoured), 10 s per attempt. */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = { retries: 3, baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 10_000 };

/** Whether a status is worth another attempt: timeouts, rate limits, server errors. */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * POST a JSON body; retry network errors, 408, 429 and 5xx with doubling waits (bounded by
 * the policy); a 2xx is delivered, any other 4xx fails at once (retrying will not fix it).
 */
export async function postWithRetries(url: string, body: unknown, policy: Readonly<RetryPolicy> = DEFAULT_RETRY, signal?: AbortSignal): Promise<DeliveryResult> {
  const data = JSON.stringify(body);
  let error = '';
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    let waitMs = Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxDelayMs);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'agentmeter-alert' },
        body: data,
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(policy.timeoutMs)]) : AbortSignal.timeout(policy.timeoutMs),
      });
      const text = await res.text().catch(() => '');
      if (res.ok) return { ok: true, status: res.status, attempts: attempt + 1 };
      error = `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      if (!retryable(res.status)) return { ok: false, error, attempts: attempt + 1 };
      const after = Number(res.headers.get('retry-after'));
      if (Number.isFinite(after) && after > 0) waitMs = Math.min(after * 1000, policy.maxDelayMs);
    } catch (e: unknown) {
      if (signal?.aborted) return { ok: false, error: 'stopped', attempts: attempt + 1 };
      const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
      error = `${e instanceof Error ? e.message : String(e)}${cause}`;
    }
    if (attempt < policy.retries) {
      try {
        await sleep(waitMs, undefined, signal ? { signal } : {});
      } catch {
        return { ok: false, error: 'stopped', attempts: attempt + 1 };
      }
    }
  }
  return { ok: false, error, attempts: policy.retries + 1 };
}

/** Findings sent, by id, with when. */
export interface SentState {
  version: 1;
  sent: Record<string, string>;
}

/** Anomalies are forgotten after this long (their day has left every window by then). */
const KEEP_MS = 400 * 86_400_000;

/**
 * The state file for one webhook: `<store>/alerts/sent-<hash of the URL>.json`, so two
 * receivers each get every finding once, and the URL (which often holds a secret) is not
 * written to disk.
 */
export function stateFileFor(storeDir: string, webhook: string): string {
  return join(storeDir, 'alerts', `sent-${createHash('sha256').update(webhook).digest('hex').slice(0, 16)}.json`);
}

/** Read the state; a missing file is an empty state, a corrupt one is an error that names the file. */
export async function readSentState(file: string): Promise<SentState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, sent: {} };
    throw e;
  }
  const parsed = JSON.parse(text) as Partial<SentState> | null;
  if (!parsed || typeof parsed.sent !== 'object' || parsed.sent === null) throw new Error(`${file} is not an alert state file (expected {"version":1,"sent":{…}}); delete it to start afresh`);
  return { version: 1, sent: { ...parsed.sent } };
}

/** Write the state atomically, forgetting anomalies sent more than 400 days ago. */
export async function writeSentState(file: string, state: SentState, nowMs: number): Promise<void> {
  const sent: Record<string, string> = {};
  for (const [id, at] of Object.entries(state.sent)) if (!id.startsWith('anomaly|') || nowMs - Date.parse(at) < KEEP_MS) sent[id] = at;
  await writeFileAtomic(file, `${JSON.stringify({ version: 1, sent }, null, 2)}\n`);
}
