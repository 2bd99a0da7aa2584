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

// What the agents analysis reads of an agent or workflow beyond its summary.
const AGENT_DETAIL = ['workflow.id', 'workflow.agents_executed', 'error.message', 'error.type', 'status.detail'];

/**
 * Spans of these kinds also keep their id, parent, run, name, end time, their kind's
 * attributes listed here (a span's "detail": too varied to group by, so not in its
 * profile), and every summary attribute whatever its value (a number key holding a string,
 * say): what `agentmeter agents`, the quality join of `compare`/`trends`, `report
 * orchestrator` and `report automation` read of runs, tasks, agents, workflows, pipelines,
 * debugging cycles and optimisation sessions, so that they too are answered from the span
 * cache. The agents analysis reads the agent and workflow keys, the automation report the
 * optimisation keys, the orchestrator's run and issue records the rest (a test holds each
 * to the code). Keys are per kind: an attribute every span inherits (the provider) kept for
 * all of them would make every detail row carry it.
 */
export const DETAIL_KEYS_OF: Readonly<Partial<Record<SpanKind, readonly string[]>>> = {
  run: ['gen_ai.provider.name', 'mode', 'specific_issue', 'run.key', 'run.total_successes', 'run.total_errors', 'status.detail'],
  task: ['agent.retries', 'agent.names', 'issue_iid', 'errors', 'errors.count', 'task.key', 'complexity', 'status.detail'],
  agent: AGENT_DETAIL,
  workflow: AGENT_DETAIL,
  pipeline: ['cicd.pipeline.run.id', 'vcs.ref.head.revision', 'status.detail'],
  debug: ['error.type', 'error.message'],
  optimization: ['wallclock_saved_seconds', 'search_depth', 'calls'],
};

/** The kinds whose spans keep their detail (`DETAIL_KEYS_OF`). */
export const DETAIL_KINDS = Object.keys(DETAIL_KEYS_OF) as readonly SpanKind[];

/** Every detail key of any kind. */
export const DETAIL_KEYS: readonly string[] = [...new Set(Object.values(DETAIL_KEYS_OF).flat())];

/** Changes whenever the key lists change, so caches built with other keys are rebuilt. */
export const SUMMARY_SIGNATURE = [...SUMMARY_PROFILE_KEYS, '|', ...SUMMARY_NUMBER_KEYS, '|', JSON.stringify(DETAIL_KEYS_OF)].join(',');

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
