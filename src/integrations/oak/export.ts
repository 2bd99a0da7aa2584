/**
 * `agentmeter export oak --out <dir>`: the sub-agent seed's files from the store, in the
 * shape its Python `TelemetryLogger` writes them (docs/oak.md), each written atomically:
 * `agent_invocations.jsonl`, `success_metrics.jsonl`, `workflow_events.jsonl`,
 * `agent_reviews.jsonl`, and `performance_stats.json` computed by the seed's own rules
 * (`seedPerformanceStats`), so the seed's analyser gives the same figures on the export as
 * on the originals. Keys, key order, timestamps and number text follow Python's `json.dumps`.
 */
import { join } from 'node:path';
import { seedPerformanceStats } from '../../analytics/seeds/oak-seed-stats.js';
import type { SeedInvocationRecord, SeedMetricRecord } from '../../analytics/seeds/oak-seed-stats.js';
import type { JsonValue } from '../../model/events.js';
import type { Feedback, Span } from '../../model/span.js';
import { collectStore } from '../../store/index.js';
import type { CollectOptions } from '../../store/index.js';
import { writeFileAtomic } from '../../store/index.js';
import { pyFloat, pyIsoformat, pyJsonDocument, pyJsonLine } from '../py-json.js';
import { OAK_FILES } from './files.js';

/** What `exportOak` wrote. */
export interface ExportOakResult {
  files: string[];
  invocations: number;
  metrics: number;
  workflowEvents: number;
  reviews: number;
  /** Success metrics left out: no 1–5 rating, which the seed's logger refuses and its analyser cannot read. */
  unratedMetrics: number;
  skipped: number;
}

function attr(s: { attrs: Readonly<Record<string, JsonValue | undefined>> }, k: string): JsonValue {
  return s.attrs[k] ?? null;
}

/** `datetime.utcnow().isoformat() + "Z"`, as the seed stamps its records. */
function seedTs(ms: number): string {
  return `${pyIsoformat(ms)}Z`;
}

/** The seed's status word of a span: its own word when it had one, else the canonical status. */
function outcomeStatus(s: Span): string {
  if (s.state !== 'ended' || s.status === null) return 'unknown';
  const detail = s.attrs['status.detail'];
  if (typeof detail === 'string' && ['success', 'failure', 'partial', 'unknown'].includes(detail)) return detail;
  return s.status === 'success' || s.status === 'failure' || s.status === 'partial' ? s.status : 'unknown';
}

function invocationLine(s: Span): Record<string, unknown> {
  const seconds = s.state === 'ended' && s.durationMs !== null && s.attrs['duration.unknown'] !== true ? s.durationMs / 1000 : null;
  return {
    timestamp: seedTs(s.startMs),
    session_id: s.runId,
    invocation_id: s.spanId,
    agent_name: typeof s.attrs['gen_ai.agent.name'] === 'string' ? s.attrs['gen_ai.agent.name'] : s.name,
    agent_type: attr(s, 'agent.type'),
    task_description: attr(s, 'task_description'),
    state_features: s.attrs['state_features'] ?? {},
    parent_invocation_id: attr(s, 'parent_invocation_id'),
    workflow_id: attr(s, 'workflow.id'),
    spec_id: attr(s, 'spec_id'),
    spec_section: s.attrs['spec_section'] ?? [],
    agent_variant: attr(s, 'agent_variant'),
    task_type: attr(s, 'task_type'),
    q_value: typeof s.attrs['q_value'] === 'number' ? pyFloat(s.attrs['q_value']) : null,
    exploration: attr(s, 'exploration'),
    reward: typeof s.attrs['reward'] === 'number' ? pyFloat(s.attrs['reward']) : null,
    learning_enabled: s.attrs['learning_enabled'] === true,
    tools_used: s.attrs['tools_used'] ?? [],
    duration_seconds: seconds,
    outcome: {
      status: outcomeStatus(s),
      error_message: attr(s, 'error.message'),
      files_modified: s.attrs['files_modified'] ?? [],
      files_created: s.attrs['files_created'] ?? [],
      tests_passed: attr(s, 'tests_passed'),
      build_succeeded: attr(s, 'build_succeeded'),
    },
    metadata: s.attrs['metadata'] ?? {},
  };
}

function isReview(f: Feedback): boolean {
  return typeof f.attrs['review.category'] === 'string' || typeof f.attrs['review.action'] === 'string';
}

/**
 * Write the seed's telemetry files under `out`.
 *
 * @example
 * await exportOak({ dir: '.agentmeter', out: 'telemetry' })
 */
export async function exportOak(o: CollectOptions & { out: string; nowMs?: number }): Promise<ExportOakResult> {
  const c = await collectStore({ ...o, kinds: ['agent', 'workflow'], points: ['agent_handoff'] });
  // The seed appends an invocation when it starts: file order is start order.
  const agents = c.spans.filter((s) => s.kind === 'agent').sort((a, b) => a.startMs - b.startMs);
  const ids = new Set(agents.map((s) => s.spanId));
  let unrated = 0;
  const metrics: Record<string, unknown>[] = [];
  const reviews: Record<string, unknown>[] = [];
  for (const f of [...c.feedback].sort((a, b) => a.tsMs - b.tsMs)) {
    if (isReview(f)) {
      reviews.push({
        timestamp: seedTs(f.tsMs), agent_name: f.attrs['gen_ai.agent.name'] ?? null, action: f.attrs['review.action'] ?? 'feedback',
        reasoning: f.attrs['feedback.notes'] ?? '', category: f.attrs['review.category'] ?? 'general', reviewer: f.source === 'human' ? 'human' : f.source,
      });
      continue;
    }
    if (!ids.has(f.spanId) && f.attrs['target.kind'] !== 'agent') continue;
    if (f.rating === null) {
      unrated++;
      continue;
    }
    metrics.push({
      timestamp: seedTs(f.tsMs),
      invocation_id: f.spanId,
      success: f.success,
      quality_rating: f.rating,
      feedback_source: f.source,
      feedback_notes: f.attrs['feedback.notes'] ?? null,
      would_use_again: f.attrs['would_use_again'] ?? null,
      alternative_agent_suggested: f.attrs['alternative_agent_suggested'] ?? null,
    });
  }
  const workflowEvents: { ms: number; line: Record<string, unknown> }[] = [];
  for (const w of c.spans) {
    if (w.kind !== 'workflow') continue;
    const wid = typeof w.attrs['workflow.id'] === 'string' ? w.attrs['workflow.id'] : w.spanId;
    const session = attr(w, 'session.id');
    workflowEvents.push({
      ms: w.startMs,
      line: {
        timestamp: seedTs(w.startMs), event: 'workflow_start', workflow_id: wid, session_id: session, project_name: attr(w, 'project'),
        agent_plan: w.attrs['workflow.agent_plan'] ?? [], estimated_duration: attr(w, 'workflow.estimated_duration_s'),
      },
    });
    for (const p of c.points) {
      if (p.span_id !== w.spanId) continue;
      const ms = Date.parse(p.ts);
      workflowEvents.push({
        ms,
        line: {
          timestamp: seedTs(ms), event: 'agent_handoff', workflow_id: wid, session_id: session,
          from_agent: p.attrs['from_agent'] ?? null, to_agent: p.attrs['to_agent'] ?? null, artifacts: p.attrs['artifacts'] ?? [],
        },
      });
    }
    if (w.state === 'ended' && w.endMs !== null) {
      workflowEvents.push({
        ms: w.endMs,
        line: {
          timestamp: seedTs(w.endMs), event: 'workflow_complete', workflow_id: wid, session_id: session,
          duration_seconds: w.durationMs !== null ? w.durationMs / 1000 : null, success: w.status === 'success', agents_executed: w.attrs['workflow.agents_executed'] ?? [],
        },
      });
    }
  }
  workflowEvents.sort((a, b) => a.ms - b.ms);
  const invocationLines = agents.map(invocationLine);
  const stats = seedPerformanceStats(invocationLines as unknown as SeedInvocationRecord[], metrics as unknown as SeedMetricRecord[], seedTs(o.nowMs ?? Date.now()));
  const statsDoc = {
    ...stats,
    agents: Object.fromEntries(
      Object.entries(stats.agents).map(([k, a]) => [k, { ...a, success_rate: pyFloat(a.success_rate), average_quality: pyFloat(a.average_quality), average_duration_seconds: pyFloat(a.average_duration_seconds) }]),
    ),
  };
  const lines = (values: readonly unknown[]): string => values.map((v) => pyJsonLine(v) + '\n').join('');
  const out = {
    invocations: join(o.out, OAK_FILES.invocations),
    metrics: join(o.out, OAK_FILES.metrics),
    workflows: join(o.out, OAK_FILES.workflows),
    reviews: join(o.out, OAK_FILES.reviews),
    stats: join(o.out, OAK_FILES.stats),
  };
  await writeFileAtomic(out.invocations, lines(invocationLines));
  await writeFileAtomic(out.metrics, lines(metrics));
  await writeFileAtomic(out.workflows, lines(workflowEvents.map((e) => e.line)));
  const files = [out.invocations, out.metrics, out.workflows];
  if (reviews.length > 0) {
    await writeFileAtomic(out.reviews, lines(reviews));
    files.push(out.reviews);
  }
  await writeFileAtomic(out.stats, pyJsonDocument(statsDoc));
  files.push(out.stats);
  return { files, invocations: agents.length, metrics: metrics.length, workflowEvents: workflowEvents.length, reviews: reviews.length, unratedMetrics: unrated, skipped: c.skipped };
}
