/**
 * The orchestrator seed's `RunLogger` / `IssueTracker` over the recording SDK (docs/orchestrator.md).
 * Same calls, same counting, TypeScript names: a retry is one debug attempt of the cycle's
 * agent, an error is one started debugging cycle (or one `recordError`), the run's totals are
 * the host's `recordSuccess` / `recordError` calls, and `finalizeIssue` returns the report the
 * seed's supervisor hands to its CSV exporter. Any agent name works, and run ids keep the
 * seed's `run_%Y%m%d_%H%M%S_project_<id>` form (UTC, from the meter's clock) with a random
 * suffix, so two runs started in the same second no longer share one. Nothing is written as
 * JSON files while the run goes on: events are appended, and `agentmeter export
 * orchestrator-runs` writes the seed's layout from them (also for runs that crashed).
 */
import { randomBytes } from 'node:crypto';
import { createMeter } from '../../sdk/index.js';
import type { AgentInvocation, DebugCycle, Meter, MeterOptions, Run, Task } from '../../sdk/index.js';
import { seedRunId } from '../../analytics/index.js';
import type { AgentMetrics, DebugDetail, ErrorDetail, IssueRecord, PipelineDetail } from '../../analytics/index.js';
import { AgentmeterError } from '../../model/diagnostics.js';
import { exportOrchestratorRuns, issueReport } from './export.js';

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
  /** Options of the meter created when none is given (dir, env, durability, clock …). */
  meterOptions?: MeterOptions;
  /** Clock for the run id and the report times, Unix ms. Default: `meterOptions.clock`, else the system clock. */
  clock?: () => number;
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

/** `get_run_summary()`. */
export interface RunSummary {
  run_id: string;
  llm_config: { provider: string; model: string; temperature: number };
  issues_processed: number;
  successes: number;
  errors: number;
}

// 24 random bits: two runs of one project started in the same second collide with
// probability 1 in 16 million, where the seed's ids always did.
function suffix(): string {
  return randomBytes(3).toString('hex');
}

/** The agents the seed's `IssueTracker` always reports. */
const SEED_AGENTS = ['planning', 'coding', 'testing', 'review'] as const;

/** Live loggers by run id, so `new IssueTracker(runId, iid)` finds its run as in the seed. */
const LIVE_RUNS = new Map<string, RunLogger>();

/**
 * One orchestrator run.
 *
 * @example
 * import { IssueTracker, RunLogger } from 'agentmeter/compat';
 * const run = new RunLogger('168', { llm_provider: 'deepseek', llm_model: 'deepseek-chat', llm_temperature: 0, mode: 'implement_all' });
 * const issue = new IssueTracker(run.runId, 123);
 * run.addIssue(123);
 * issue.startAgent('coding');
 * issue.endAgent('coding', true);
 * issue.recordPipelineAttempt('4259', 'failed', 'abc123');
 * const report = issue.finalizeIssue('completed');
 * run.recordSuccess();
 * await run.finalizeRun('completed');
 */
export class RunLogger {
  readonly runId: string;
  readonly projectId: string;
  readonly #meter: Meter;
  readonly #ownMeter: boolean;
  readonly #run: Run;
  readonly #issues = new Map<string, IssueTracker>();
  /** `issues_processed`: every `addIssue`, in order, as the seed keeps it. */
  readonly issuesProcessed: (number | string)[] = [];
  readonly #logsDir: string | undefined;
  readonly #llm: { provider: string; model: string; temperature: number };
  /** Clock of this run's times. */
  readonly now: () => number;
  #successes = 0;
  #errors = 0;
  #counted = false;

  /** `new RunLogger({ projectId, config, … })`, or the seed's `new RunLogger(projectId, config, options?)`. */
  constructor(projectIdOrOptions: RunLoggerOptions | string | number, config?: RunConfig, options: Omit<RunLoggerOptions, 'projectId' | 'config'> = {}) {
    const o: RunLoggerOptions =
      typeof projectIdOrOptions === 'object' && projectIdOrOptions !== null ? projectIdOrOptions : { ...options, projectId: projectIdOrOptions, ...(config ? { config } : {}) };
    this.projectId = String(o.projectId);
    this.#logsDir = o.logsDir;
    this.now = o.clock ?? o.meterOptions?.clock ?? Date.now;
    this.#ownMeter = o.meter === undefined;
    this.#meter = o.meter ?? createMeter(o.meterOptions);
    const c = o.config ?? {};
    // The seed's defaults: provider and model `unknown`, temperature 0.0.
    this.#llm = {
      provider: typeof c.llm_provider === 'string' ? c.llm_provider : 'unknown',
      model: typeof c.llm_model === 'string' ? c.llm_model : 'unknown',
      temperature: typeof c.llm_temperature === 'number' ? c.llm_temperature : 0,
    };
    this.runId = `${seedRunId(this.now(), this.projectId)}_${suffix()}`;
    this.#run = this.#meter.startRun({
      project: this.projectId,
      llm: this.#llm,
      ...(typeof c.mode === 'string' ? { mode: c.mode } : { mode: 'implement_all' }),
      key: this.runId,
      attrs: { specific_issue: c.specific_issue ?? null },
    });
    LIVE_RUNS.set(this.runId, this);
  }

  /** The live logger of a run id (what `new IssueTracker(runId, iid)` attaches to). */
  static byRunId(runId: string): RunLogger | undefined {
    return LIVE_RUNS.get(runId);
  }

  /** The SDK run handle, for code that records more under this run. */
  get run(): Run {
    return this.#run;
  }

  /** Note that an issue is processed in this run (`issues_processed`). */
  addIssue(issueId: number | string): void {
    this.issuesProcessed.push(issueId);
  }

  /** An issue succeeded (`total_successes`). */
  recordSuccess(): void {
    this.#successes++;
    this.#counted = true;
  }

  /** An issue failed (`total_errors`). */
  recordError(): void {
    this.#errors++;
    this.#counted = true;
  }

  /** `get_run_summary()`: run id, LLM configuration, issues processed, successes, errors. */
  getRunSummary(): RunSummary {
    return { run_id: this.runId, llm_config: { ...this.#llm }, issues_processed: this.issuesProcessed.length, successes: this.#successes, errors: this.#errors };
  }

  /** Start tracking an issue and add it (`new IssueTracker` + `addIssue`). Again for the same issue: the same tracker. */
  trackIssue(issueId: number | string, o: { type?: string; complexity?: string } = {}): IssueTracker {
    const key = String(issueId);
    let t = this.#issues.get(key);
    if (!t) {
      t = new IssueTracker(this, issueId, o);
      this.addIssue(issueId);
    }
    return t;
  }

  /** @internal An issue tracker of this run registers itself. */
  attach(t: IssueTracker): void {
    this.#issues.set(String(t.issueId), t);
  }

  /**
   * End the run: `completed`, `failed` or `stopped`. As in the seed, issues never finalised
   * stay without a report (their spans are abandoned with the run) and count in no total.
   */
  async finalizeRun(status: 'completed' | 'failed' | 'stopped' | (string & {}) = 'completed'): Promise<void> {
    LIVE_RUNS.delete(this.runId);
    const issues = [...this.#issues.values()];
    const successes = this.#counted ? this.#successes : issues.filter((t) => t.status === 'completed').length;
    const errors = this.#counted ? this.#errors : issues.filter((t) => t.status === 'failed').length;
    this.#run.end({ status, attrs: { 'run.total_successes': successes, 'run.total_errors': errors } });
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
 * Per-issue tracking: agents, pipeline attempts, debugging cycles, errors. Create it as in the
 * seed, `new IssueTracker(runLogger.runId, iid)`, or through `runLogger.trackIssue(iid)`.
 */
export class IssueTracker {
  readonly issueId: number | string;
  readonly runId: string;
  readonly #now: () => number;
  readonly #task: Task;
  readonly #startMs: number;
  readonly #agents = new Map<string, AgentInvocation[]>();
  readonly #metrics = Object.create(null) as Record<string, AgentMetrics>;
  readonly #agentStarts = new Map<string, number>();
  readonly #pipelines: PipelineDetail[] = [];
  readonly #cycles: DebugDetail[] = [];
  /** `errors[]`: one per started debugging cycle and per `recordError`. */
  readonly errors: ErrorDetail[] = [];
  #cycle: { handle: DebugCycle; detail: DebugDetail; startMs: number } | undefined;
  #status: string | undefined;

  constructor(run: RunLogger | string, issueId: number | string, o: { type?: string; complexity?: string } = {}) {
    const logger = typeof run === 'string' ? RunLogger.byRunId(run) : run;
    if (!logger) throw new AgentmeterError('E_SDK_BAD_ARGUMENT', `IssueTracker: no live RunLogger with run id ${JSON.stringify(run)} in this process`);
    this.runId = logger.runId;
    this.#now = logger.now;
    this.issueId = typeof issueId === 'string' && /^\d+$/.test(issueId) ? Number(issueId) : issueId;
    this.#startMs = this.#now();
    // The seed's tracker starts with its four agents at zero, and its reports list them all.
    for (const agent of SEED_AGENTS) this.#metric(agent);
    this.#task = logger.run.startTask({
      key: this.issueId,
      ...(o.type !== undefined ? { type: o.type } : {}),
      attrs: { 'agent.names': [...SEED_AGENTS], ...(o.complexity !== undefined ? { complexity: o.complexity } : {}) },
    });
    logger.attach(this);
  }

  /** Whether `finalizeIssue` was called. */
  get finalized(): boolean {
    return this.#status !== undefined;
  }

  /** The status `finalizeIssue` gave, if it was called. */
  get status(): string | undefined {
    return this.#status;
  }

  #metric(agent: string): AgentMetrics {
    return (this.#metrics[agent] ??= { attempts: 0, successes: 0, failures: 0, retries: 0, duration: 0 });
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }

  /** An agent starts working on the issue (one more attempt). */
  startAgent(agent: string): void {
    this.#metric(agent).attempts++;
    this.#agentStarts.set(agent, this.#now());
    const handle = this.#task.startAgent({ name: agent });
    const list = this.#agents.get(agent) ?? [];
    list.push(handle);
    this.#agents.set(agent, list);
  }

  /** The agent's latest attempt ends. */
  endAgent(agent: string, success: boolean, o: { error?: string } = {}): void {
    const m = this.#metric(agent);
    const started = this.#agentStarts.get(agent);
    if (started !== undefined) {
      m.duration += (this.#now() - started) / 1000;
      this.#agentStarts.delete(agent);
    }
    if (success) m.successes++;
    else m.failures++;
    const handle = this.#agents.get(agent)?.shift();
    handle?.end({ status: success ? 'success' : 'failure', ...(o.error !== undefined ? { error: o.error } : {}) });
  }

  /** One CI pipeline attempt: `recordPipelineAttempt(id, status, commitSha?)` as in the seed, or one object. */
  recordPipelineAttempt(p: { pipelineId: string | number; status: string; commitSha?: string } | string | number, status?: string, commitSha?: string): void {
    const o = typeof p === 'object' ? p : { pipelineId: p, status: status ?? 'unknown', ...(commitSha !== undefined ? { commitSha } : {}) };
    this.#pipelines.push({ pipeline_id: String(o.pipelineId), status: o.status, commit_sha: o.commitSha ?? null, timestamp: this.#iso() });
    this.#task.recordPipeline({ id: o.pipelineId, status: o.status, ...(o.commitSha !== undefined ? { commit: o.commitSha } : {}) });
  }

  /** A pipeline or agent failed and an agent starts fixing it: one error of the issue. An open cycle is ended unresolved first. */
  startDebuggingCycle(c: { agent: string; errorType: string; errorMessage?: string } | string, errorType?: string, errorMessage?: string): void {
    const o = typeof c === 'object' ? c : { agent: c, errorType: errorType ?? 'unknown', ...(errorMessage !== undefined ? { errorMessage } : {}) };
    if (this.#cycle) this.endDebuggingCycle(false);
    const at = this.#iso();
    const handle = this.#task.startDebug({ agent: o.agent, errorType: o.errorType, ...(o.errorMessage !== undefined ? { errorMessage: o.errorMessage } : {}) });
    const detail: DebugDetail = { agent: o.agent, error_type: o.errorType, error_message: o.errorMessage ?? null, start_time: at, end_time: null, attempts: 0, resolved: false, duration_seconds: null };
    this.#cycle = { handle, detail, startMs: this.#now() };
    this.errors.push({ type: o.errorType, message: o.errorMessage ?? null, agent: o.agent, timestamp: at });
  }

  /** One fix attempt in the open cycle: a retry of the cycle's agent. */
  recordDebugAttempt(): void {
    if (!this.#cycle) return;
    this.#cycle.detail.attempts++;
    this.#metric(this.#cycle.detail.agent as string).retries++;
    this.#cycle.handle.attempt();
  }

  /** The cycle ends, resolved or not. */
  endDebuggingCycle(resolved: boolean): void {
    const c = this.#cycle;
    if (!c) return;
    c.detail.end_time = this.#iso();
    c.detail.resolved = resolved;
    c.detail.duration_seconds = (this.#now() - c.startMs) / 1000;
    this.#cycles.push(c.detail);
    c.handle.end({ resolved });
    this.#cycle = undefined;
  }

  /** An error of the issue outside a debugging cycle (the seed's supervisor appends to `errors`); the message is redacted in the store. */
  recordError(e: IssueError): void {
    this.errors.push({ type: e.type, message: e.message ?? null, agent: e.agent ?? null, timestamp: this.#iso() });
  }

  /**
   * The issue ends: `completed`, `failed` or `skipped`. Returns the issue report (the seed's
   * `finalize_issue` return value, the same fields as `issue_<iid>_report.json`). Agents left
   * running are ended as failed spans without counting in the report, as in the seed.
   */
  finalizeIssue(status: 'completed' | 'failed' | 'skipped' | (string & {})): Record<string, unknown> {
    if (this.#status === undefined) {
      this.#status = status;
      for (const list of this.#agents.values()) for (const h of list.splice(0)) h.end({ status: 'failure', error: 'not ended before the issue was finalised' });
      this.#task.end({ status, attrs: { errors: this.errors } });
    }
    const endMs = this.#now();
    const record: IssueRecord = {
      spanId: this.#task.id,
      iid: this.issueId,
      status,
      ended: true,
      startMs: this.#startMs,
      endMs,
      durationSeconds: (endMs - this.#startMs) / 1000,
      agentMetrics: this.#metrics,
      totalAgentRetries: Object.values(this.#metrics).reduce((n, m) => n + m.retries, 0),
      pipelines: this.#pipelines,
      firstPipelinePassed: this.#pipelines.length > 0 ? this.#pipelines[0]?.status === 'success' : null,
      debugging: this.#cycles,
      errors: this.errors,
      totalErrors: this.errors.length,
      complexity: null,
    };
    return JSON.parse(JSON.stringify(issueReport(record, this.runId))) as Record<string, unknown>;
  }
}
