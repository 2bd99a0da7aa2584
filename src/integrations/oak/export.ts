/**
 * `agentmeter export oak --out <dir>`: the sub-agent seed's four files from the store, in
 * the Python logger's shape (docs/oak.md), each written atomically.
 */
import { join } from 'node:path';
import { analyzeAgents, performanceStats } from '../../analytics/index.js';
import type { JsonValue } from '../../model/events.js';
import type { Span } from '../../model/span.js';
import { toIso } from '../../model/time.js';
import { collectStore } from '../collect.js';
import type { CollectOptions } from '../collect.js';
import { writeFileAtomic } from '../../store/index.js';
import { jsonDocument, jsonLines } from '../source-files.js';
import { OAK_FILES } from './files.js';

/** What `exportOak` wrote. */
export interface ExportOakResult {
  files: string[];
  invocations: number;
  metrics: number;
  workflowEvents: number;
  skipped: number;
}

function attr(s: Span, k: string): JsonValue {
  return s.attrs[k] ?? null;
}

/** The seed's status word of a span: its own word when it had one, else the canonical status. */
function outcomeStatus(s: Span): string {
  if (s.state !== 'ended' || s.status === null) return 'unknown';
  const detail = s.attrs['status.detail'];
  if (typeof detail === 'string' && ['success', 'failure', 'partial', 'unknown'].includes(detail)) return detail;
  return s.status === 'success' || s.status === 'failure' || s.status === 'partial' ? s.status : 'unknown';
}

function invocationLine(s: Span): Record<string, unknown> {
  const line: Record<string, unknown> = {
    timestamp: toIso(s.startMs),
    session_id: s.runId,
    invocation_id: s.spanId,
    agent_name: typeof s.attrs['gen_ai.agent.name'] === 'string' ? s.attrs['gen_ai.agent.name'] : s.name,
    agent_type: attr(s, 'agent.type'),
    task_description: attr(s, 'task_description'),
    state_features: s.attrs['state_features'] ?? {},
    parent_invocation_id: attr(s, 'parent_invocation_id'),
    workflow_id: attr(s, 'workflow.id'),
    duration_seconds: s.state === 'ended' && s.durationMs !== null && s.attrs['duration.unknown'] !== true ? s.durationMs / 1000 : null,
    tools_used: s.attrs['tools_used'] ?? [],
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
  for (const k of ['agent_variant', 'reward']) if (s.attrs[k] !== undefined) line[k] = s.attrs[k];
  if (s.attrs['task.type'] !== undefined) line['task_type'] = s.attrs['task.type'];
  return line;
}

/**
 * Write `agent_invocations.jsonl`, `success_metrics.jsonl`, `workflow_events.jsonl` and
 * `performance_stats.json` under `out`.
 *
 * @example
 * await exportOak({ dir: '.agentmeter', out: 'telemetry' })
 */
export async function exportOak(o: CollectOptions & { out: string; nowMs?: number }): Promise<ExportOakResult> {
  const c = await collectStore({ ...o, kinds: ['agent', 'workflow'], points: ['agent_handoff'] });
  const agents = c.spans.filter((s) => s.kind === 'agent');
  const ids = new Set(agents.map((s) => s.spanId));
  const metrics = c.feedback
    .filter((f) => ids.has(f.spanId) || f.attrs['target.kind'] === 'agent')
    .sort((a, b) => a.tsMs - b.tsMs)
    .map((f) => ({
      timestamp: toIso(f.tsMs),
      invocation_id: f.spanId,
      success: f.success,
      quality_rating: f.rating,
      feedback_source: f.source,
      feedback_notes: f.attrs['feedback.notes'] ?? null,
      would_use_again: f.attrs['would_use_again'] ?? null,
      alternative_agent_suggested: f.attrs['alternative_agent_suggested'] ?? null,
    }));
  const workflowEvents: { ms: number; line: Record<string, unknown> }[] = [];
  for (const w of c.spans) {
    if (w.kind !== 'workflow') continue;
    const wid = typeof w.attrs['workflow.id'] === 'string' ? w.attrs['workflow.id'] : w.spanId;
    workflowEvents.push({
      ms: w.startMs,
      line: { event_type: 'workflow_start', timestamp: toIso(w.startMs), workflow_id: wid, project_name: attr(w, 'project'), agent_plan: w.attrs['workflow.agent_plan'] ?? [] },
    });
    for (const p of c.points) {
      if (p.span_id !== w.spanId) continue;
      const ms = Date.parse(p.ts);
      workflowEvents.push({
        ms,
        line: { event_type: 'agent_handoff', timestamp: p.ts, workflow_id: wid, from_agent: p.attrs['from_agent'] ?? null, to_agent: p.attrs['to_agent'] ?? null, artifacts: p.attrs['artifacts'] ?? [] },
      });
    }
    if (w.state === 'ended' && w.endMs !== null) {
      workflowEvents.push({
        ms: w.endMs,
        line: {
          event_type: 'workflow_complete', timestamp: toIso(w.endMs), workflow_id: wid,
          duration_seconds: w.durationMs !== null ? w.durationMs / 1000 : null, success: w.status === 'success', agents_executed: w.attrs['workflow.agents_executed'] ?? [],
        },
      });
    }
  }
  workflowEvents.sort((a, b) => a.ms - b.ms);
  const analysis = analyzeAgents(c.spans, c.feedback, { nowMs: o.nowMs ?? Date.now() });
  const files = [OAK_FILES.invocations, OAK_FILES.metrics, OAK_FILES.workflows, OAK_FILES.stats].map((f) => join(o.out, f));
  await writeFileAtomic(files[0] as string, jsonLines(agents.map(invocationLine)));
  await writeFileAtomic(files[1] as string, jsonLines(metrics));
  await writeFileAtomic(files[2] as string, jsonLines(workflowEvents.map((e) => e.line)));
  await writeFileAtomic(files[3] as string, jsonDocument(performanceStats(analysis)));
  return { files, invocations: agents.length, metrics: metrics.length, workflowEvents: workflowEvents.length, skipped: c.skipped };
}
