import type { BaseAttributes, SpanKind } from './events.js';
import { SUMS } from './metric-defs.js';

/**
 * Attributes a `SpanSummary` keeps: everything `agentmeter report` reads, and nothing else.
 * Low-cardinality values that group spans (a span's "profile", shared between many spans)…
 */
export const SUMMARY_PROFILE_KEYS: readonly string[] = [
  'project',
  'gen_ai.request.model',
  'gen_ai.request.temperature',
  'gen_ai.agent.name',
  'gen_ai.tool.name',
  'task.type',
  'operation',
  'debug.resolved',
  // A/B arms: the sub-agent seed writes `agent_variant`; `compare --by variant` reads both.
  'agent_variant',
  'variant',
];

/**
 * …and per-span numbers: the attribute of every declared sum (`metric-defs.ts`) and those the
 * other accumulators read. A test checks that analytics reads no other attribute.
 */
export const SUMMARY_NUMBER_KEYS: readonly string[] = [
  'agent.attempt',
  'pipeline.attempt',
  'debug.attempts',
  ...new Set(SUMS.map((d) => d.attr)),
  'baseline_latency_ms',
  'optimized_latency_ms',
  'wallclock_seconds',
];

/**
 * Spans of these kinds also keep their id, name, end time and `DETAIL_KEYS` (a span's
 * "detail"): what `agentmeter agents` and the quality join of `compare`/`trends` read of an
 * agent or workflow, so that they too are answered from the span cache.
 */
export const DETAIL_KINDS: readonly SpanKind[] = ['agent', 'workflow'];

/** Per-span attributes of a detail span: too varied to group by, so not in its profile. */
export const DETAIL_KEYS: readonly string[] = ['workflow.id', 'workflow.agents_executed', 'error.message', 'error.type', 'status.detail'];

/** Changes whenever the key lists change, so caches built with other keys are rebuilt. */
export const SUMMARY_SIGNATURE = [...SUMMARY_PROFILE_KEYS, '|', ...SUMMARY_NUMBER_KEYS, '|', ...DETAIL_KINDS, '|', ...DETAIL_KEYS].join(',');

/** Whether a profile keeps `v`: strings, numbers and booleans; anything else is absent. */
export function isProfileValue(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** The profile part of `attrs`: summary profile keys whose value `isProfileValue`. */
export function summaryProfile(attrs: BaseAttributes): BaseAttributes {
  const p: BaseAttributes = {};
  for (const k of SUMMARY_PROFILE_KEYS) {
    const v = attrs[k];
    if (isProfileValue(v)) p[k] = v;
  }
  return p;
}
