/**
 * The orchestrator seed's `RunLogger` / `IssueTracker` (docs/orchestrator.md) over the recording
 * SDK. Same concepts and call order, TypeScript names; any agent name works, and run ids
 * keep the seed's `run_%Y%m%d_%H%M%S_project_<id>` form (in UTC) with a random suffix, so two
 * runs started in the same second no longer share one. Nothing is written as JSON files
 * while the run goes on: events are appended, and `agentmeter export orchestrator-runs`
 * writes the seed's layout from them (also for runs that crashed before finalising).
 */
import { randomBytes } from 'node:crypto';
import { createMeter } from '../../sdk/index.js';
import type { AgentInvocation, DebugCycle, Meter, MeterOptions, Run, Task } from '../../sdk/index.js';
import { seedRunId } from '../../analytics/index.js';
import { exportOrchestratorRuns } from './export.js';

/** The seed's run configuration (its own keys). */
export interface RunConfig {
  llm_provider?: string;
  llm_model?: string;
  llm_temperature?: number;
  mode?: string;
  specific_issue?: number | string | null;
}

/** Options of a `RunLogger`. */
export interface RunLoggerOptions {
  projectId: string | number;
  config?: RunConfig;
  /** A meter to record with (shared with other code). Default: one created from `meter` options and closed by `finalizeRun`. */
  meter?: Meter;
  /** Options of the meter created when none is given (dir, env, durability …). */
  meterOptions?: MeterOptions;
  /**
   * Also write the seed's files for this run (`<logsDir>/<run_id>_final.json`, issue
   * reports …) when it is finalised, as `agentmeter export orchestrator-runs` would.
   */
  logsDir?: string;
}

/** An error as `recordError` takes it. */
export interface IssueError {
  type: string;
  message?: string;
  agent?: string;
}

// 24 random bits: two runs of one project started in the same second collide with
// probability 1 in 16 million, where the seed's ids always did.
function suffix(): string {
  return randomBytes(3).toString('hex');
}

/**
 * One orchestrator run.
 *
 * @example
 * import { RunLogger } from 'agentmeter/compat';
 * const run = new RunLogger({ projectId: '168', config: { llm_provider: 'deepseek', llm_model: 'deepseek-chat', llm_temperature: 0, mode: 'implement_all' } });
 * const issue = run.trackIssue(123);
 * issue.startAgent('coding');
 * issue.endAgent('coding', true);
 * issue.recordPipelineAttempt({ pipelineId: '4259', status: 'failed', commitSha: 'abc123' });
 * issue.finalizeIssue('completed');
 * await run.finalizeRun('completed');
 */
export class RunLogger {
  readonly runId: string;
  readonly projectId: string;
  readonly #meter: Meter;
  readonly #ownMeter: boolean;
  readonly #run: Run;
  readonly #issues = new Map<string, IssueTracker>();
  readonly issuesProcessed: (number | string)[] = [];
  readonly #logsDir: string | undefined;

  constructor(o: RunLoggerOptions) {
    this.projectId = String(o.projectId);
    this.#logsDir = o.logsDir;
    this.#ownMeter = o.meter === undefined;
    this.#meter = o.meter ?? createMeter(o.meterOptions);
    const c = o.config ?? {};
    const llm = {
      ...(typeof c.llm_provider === 'string' ? { provider: c.llm_provider } : {}),
      ...(typeof c.llm_model === 'string' ? { model: c.llm_model } : {}),
      ...(typeof c.llm_temperature === 'number' ? { temperature: c.llm_temperature } : {}),
    };
    this.runId = `${seedRunId(Date.now(), this.projectId)}_${suffix()}`;
    this.#run = this.#meter.startRun({
      project: this.projectId,
      llm,
      ...(typeof c.mode === 'string' ? { mode: c.mode } : {}),
      key: this.runId,
      attrs: { specific_issue: c.specific_issue ?? null },
    });
  }

  /** The SDK run handle, for code that records more under this run. */
  get run(): Run {
    return this.#run;
  }

  /** Note that an issue is processed in this run (`issues_processed`). */
  addIssue(issueId: number | string): void {
    if (!this.issuesProcessed.includes(issueId)) this.issuesProcessed.push(issueId);
  }

  /** Start tracking an issue (and add it). Calling it again for the same issue returns the same tracker. */
  trackIssue(issueId: number | string, o: { type?: string; complexity?: string } = {}): IssueTracker {
    this.addIssue(issueId);
    const key = String(issueId);
    let t = this.#issues.get(key);
    if (!t) {
      t = new IssueTracker(this.#run, issueId, o);
      this.#issues.set(key, t);
    }
    return t;
  }

  /** End the run: `completed`, `failed` or `stopped`. Issues still open are ended as `failed`. */
  async finalizeRun(status: 'completed' | 'failed' | 'stopped' | (string & {}) = 'completed'): Promise<void> {
    for (const t of this.#issues.values()) if (!t.finalized) t.finalizeIssue('failed');
    this.#run.end({ status });
    if (this.#ownMeter) await this.#meter.close();
    else this.#meter.flush();
    if (this.#logsDir === undefined) return;
    try {
      await exportOrchestratorRuns({ dir: this.#meter.dir, out: this.#logsDir, envs: 'all', runIds: [this.runId] });
    } catch (e: unknown) {
      // The events are safe in the store; the derived files can be written again with export.
      process.stderr.write(`agentmeter: could not write the run files to ${this.#logsDir}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

/**
 * Per-issue tracking: agents, pipeline attempts, debugging cycles, errors.
 * Create through `runLogger.trackIssue(iid)`.
 */
export class IssueTracker {
  readonly issueId: number | string;
  readonly #task: Task;
  readonly #agents = new Map<string, AgentInvocation[]>();
  readonly #errors: { type: string; message: string | null; agent: string | null; timestamp: string }[] = [];
  #cycle: { handle: DebugCycle; agent: string } | undefined;
  #finalized = false;

  constructor(run: Run, issueId: number | string, o: { type?: string; complexity?: string } = {}) {
    this.issueId = typeof issueId === 'string' && /^\d+$/.test(issueId) ? Number(issueId) : issueId;
    this.#task = run.startTask({
      key: this.issueId,
      ...(o.type !== undefined ? { type: o.type } : {}),
      ...(o.complexity !== undefined ? { attrs: { complexity: o.complexity } } : {}),
    });
  }

  /** Whether `finalizeIssue` was called. */
  get finalized(): boolean {
    return this.#finalized;
  }

  /** An agent starts working on the issue; a second start of the same agent is a retry. */
  startAgent(agent: string): void {
    const handle = this.#task.startAgent({ name: agent });
    const list = this.#agents.get(agent) ?? [];
    list.push(handle);
    this.#agents.set(agent, list);
  }

  /** The agent's latest attempt ends. A failure also counts as an error of the issue. */
  endAgent(agent: string, success: boolean, o: { error?: string } = {}): void {
    const handle = this.#agents.get(agent)?.shift();
    if (!handle) return;
    handle.end({ status: success ? 'success' : 'failure', ...(o.error !== undefined ? { error: o.error } : {}) });
    if (!success) this.recordError({ type: 'agent_failure', agent, ...(o.error !== undefined ? { message: o.error } : {}) });
  }

  /** One CI pipeline attempt; a failed one also counts as an error. */
  recordPipelineAttempt(p: { pipelineId: string | number; status: string; commitSha?: string }): void {
    this.#task.recordPipeline({ id: p.pipelineId, status: p.status, ...(p.commitSha !== undefined ? { commit: p.commitSha } : {}) });
    if (/^fail/i.test(p.status)) this.recordError({ type: 'pipeline_failure', message: `pipeline ${String(p.pipelineId)} ${p.status}` });
  }

  /** A pipeline failed and an agent starts fixing it. An open cycle is ended unresolved first. */
  startDebuggingCycle(c: { agent: string; errorType: string; errorMessage?: string }): void {
    if (this.#cycle) this.endDebuggingCycle(false);
    const handle = this.#task.startDebug({ agent: c.agent, errorType: c.errorType, ...(c.errorMessage !== undefined ? { errorMessage: c.errorMessage } : {}) });
    this.#cycle = { handle, agent: c.agent };
  }

  /** One fix attempt in the open cycle (a retry of the cycle's agent). */
  recordDebugAttempt(): void {
    this.#cycle?.handle.attempt();
  }

  /** The cycle ends, resolved or not. */
  endDebuggingCycle(resolved: boolean): void {
    if (!this.#cycle) return;
    this.#cycle.handle.end({ resolved });
    this.#cycle = undefined;
  }

  /** An error of the issue (`errors[]`, `total_errors`); the message is redacted. */
  recordError(e: IssueError): void {
    this.#errors.push({ type: e.type, message: e.message ?? null, agent: e.agent ?? null, timestamp: new Date().toISOString() });
  }

  /** The issue ends: `completed`, `failed` or `skipped`. Agents and a cycle left open are ended as failed. */
  finalizeIssue(status: 'completed' | 'failed' | 'skipped' | (string & {})): void {
    if (this.#finalized) return;
    this.#finalized = true;
    if (this.#cycle) this.endDebuggingCycle(false);
    for (const list of this.#agents.values()) for (const h of list.splice(0)) h.end({ status: 'failure', error: 'not ended before the issue was finalised' });
    this.#task.end({ status, attrs: { errors: this.#errors } });
  }
}
