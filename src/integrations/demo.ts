import { createMeter } from '../sdk/index.js';
import type { AgentInvocation, Meter, Task } from '../sdk/index.js';
import type { JsonValue } from '../model/events.js';
import { mulberry32 } from '../analytics/index.js';
import { startOfUtcDay } from '../model/time.js';

/** Options of `generateDemo`. */
export interface DemoOptions {
  dir: string;
  /** Days of history: whole UTC days up to the start of today (of `now`). Default 30. */
  days?: number;
  /** PRNG seed: the same seed and `now` give the same data. Default 42. */
  seed?: number;
  /** Runs per day, on average. Default 12. */
  runsPerDay?: number;
  /** End of the generated history, Unix ms. Default: now. */
  now?: number;
  /** Called after each generated day (for progress output). */
  onDay?: (done: number, total: number) => void;
}

/** What `generateDemo` wrote. */
export interface DemoResult {
  runs: number;
  events: number;
  dropped: number;
}

/** Demo events carry this env, so they never mix into a user's real reports. */
export const DEMO_ENV = 'demo';


const PROJECTS = ['web-shop', 'payments-api', 'kernel-lab'];
const MODELS = [
  { provider: 'anthropic', model: 'claude-sonnet-4', skill: 0.86, cost: 3e-6 },
  { provider: 'openai', model: 'gpt-4.1', skill: 0.8, cost: 2e-6 },
  { provider: 'deepseek', model: 'deepseek-chat', skill: 0.72, cost: 0.3e-6 },
  { provider: 'qwen', model: 'qwen2.5-coder', skill: 0.62, cost: 0.2e-6 },
];
const TEMPERATURES = [0, 0.2, 0.7];
const TASK_TYPES = ['bug_fix', 'feature_development', 'refactor', 'test_coverage', 'docs'];
const AGENTS = [
  { name: 'planning', type: 'architecture', base: 0.95, seconds: 20 },
  { name: 'coding', type: 'development', base: 0.85, seconds: 90 },
  { name: 'testing', type: 'quality', base: 0.8, seconds: 150 },
  { name: 'review', type: 'quality', base: 0.9, seconds: 60 },
];
const ERROR_TYPES = ['test_failure', 'lint_error', 'build_error', 'type_error'];

/**
 * Deliberate, documented effects, so `compare`, `trends` and `anomalies` have something
 * true to find (docs/statistics.md shows what they find):
 * - the coding agent runs as two A/B variants (`agent_variant`), alternating per task;
 *   `coding-v2` succeeds 8 points more often than `coding-v1`;
 * - an incident on the UTC day `INCIDENT_DAYS_AGO` days before today (a whole UTC day, as
 *   `anomalies` buckets by day): the provider behind `INCIDENT_MODEL` degrades, its agents
 *   fail about two times in three and take three times longer.
 * The models differ in skill throughout (claude-sonnet-4 best, qwen2.5-coder worst).
 */
export const DEMO_VARIANTS = ['coding-v1', 'coding-v2'] as const;
const VARIANT_GAIN = 0.08;
export const INCIDENT_MODEL = 'gpt-4.1';
export const INCIDENT_DAYS_AGO = 3;
// The sub-agent seed's state features, derived from the project and task (no random draws,
// so adding them left the rest of the demo unchanged).
const CODEBASES: Record<string, JsonValue> = {
  'web-shop': { languages: ['TypeScript', 'CSS'], frameworks: ['React'], loc: 48_000, file_count: 610 },
  'payments-api': { languages: ['Python'], frameworks: ['FastAPI'], loc: 15_000, file_count: 120 },
};
const RISK: Record<string, string> = { bug_fix: 'high', feature_development: 'medium', refactor: 'medium', test_coverage: 'low', docs: 'low' };

function stateOf(project: string, type: string, key: number): JsonValue {
  return {
    codebase: CODEBASES[project] ?? null,
    task: { type, scope: key % 3 === 0 ? 'large' : key % 3 === 1 ? 'medium' : 'small', risk_level: RISK[type] ?? 'medium' },
    context: { tests_exist: type !== 'test_coverage', docs_exist: key % 2 === 0, git_clean: true },
  };
}

const OPERATIONS = ['matmul', 'conv2d', 'softmax', 'layernorm', 'attention'];

/**
 * Write realistic, reproducible demo data: several projects, models and temperatures, four
 * agents with retries and failures, CI pipelines with first-attempt failures, debugging
 * cycles, optimisation sessions, feedback, a few runs that crashed (left open). Every event
 * has env `demo`; reports leave that env out unless asked (`--env demo`).
 *
 * @example
 * await generateDemo({ dir: '.agentmeter', days: 30, seed: 7 })
 */
export async function generateDemo(o: DemoOptions): Promise<DemoResult> {
  const days = o.days ?? 30;
  const rand = mulberry32(o.seed ?? 42);
  // Days are whole UTC days ending at today's midnight, so the same seed draws the same runs
  // into each day whatever the hour (an incident day drawn at 22:00 used to get a tenth of its
  // runs, too few for `anomalies` to see).
  const end = startOfUtcDay(o.now ?? Date.now());
  let clock = end - days * 86_400_000;
  const meter = createMeter({ dir: o.dir, env: DEMO_ENV, durability: 'buffered', clock: () => clock });
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const advance = (seconds: number): void => {
    clock += Math.round(seconds * 1000 * (0.5 + rand()));
  };
  let runs = 0;
  const perDay = o.runsPerDay ?? 12;
  const ab = { tasks: 0 };
  // Only with enough history before it for a baseline.
  const incidentUtcDay = days >= 14 ? Math.floor((end - INCIDENT_DAYS_AGO * 86_400_000) / 86_400_000) : NaN;
  for (let d = 0; d < days; d++) {
    const dayStart = end - (days - d) * 86_400_000;
    const n = Math.max(1, Math.round(perDay * (0.6 + 0.8 * rand())));
    for (let r = 0; r < n; r++) {
      clock = dayStart + Math.floor(((r + rand()) / n) * 86_400_000 * 0.9);
      const project = pick(PROJECTS);
      if (project === 'kernel-lab') {
        optimizationSession(meter, rand, pick, advance, d / days);
        continue;
      }
      runs++;
      orchestratorRun(meter, rand, pick, advance, project, d / days, ab, Math.floor(clock / 86_400_000) === incidentUtcDay);
    }
    o.onDay?.(d + 1, days);
    // Let the buffered writer's timer and the event loop breathe between days.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const stats = meter.stats();
  await meter.close();
  return { runs, events: stats.recorded, dropped: stats.dropped };
}

type Rand = () => number;
type Pick = <T>(xs: readonly T[]) => T;

function orchestratorRun(
  meter: Meter,
  rand: Rand,
  pick: Pick,
  advance: (s: number) => void,
  project: string,
  progress: number,
  ab: { tasks: number },
  incidentDay: boolean,
): void {
  const llm = pick(MODELS);
  const incident = incidentDay && llm.model === INCIDENT_MODEL;
  const temperature = pick(TEMPERATURES);
  // Models get a little better over the month; high temperature costs reliability.
  const skill = Math.min(0.97, llm.skill + 0.06 * progress - (temperature > 0.5 ? 0.08 : 0));
  const run = meter.startRun({
    project,
    llm: { provider: llm.provider, model: llm.model, temperature },
    mode: rand() < 0.7 ? 'implement_all' : 'single_issue',
  });
  const tasks = 1 + Math.floor(rand() * 4);
  let failures = 0;
  for (let t = 0; t < tasks; t++) {
    const key = 100 + Math.floor(rand() * 900);
    const type = pick(TASK_TYPES);
    const task = run.startTask({ key, type });
    if (rand() < 0.03) {
      // A crash mid-task: the task and the run stay open and later show as abandoned.
      task.startAgent({ name: 'coding', type: 'development' });
      return;
    }
    const variant = DEMO_VARIANTS[ab.tasks++ % DEMO_VARIANTS.length] as string;
    const ok = runTask(meter, task, rand, pick, advance, llm.cost, skill, variant, incident, stateOf(project, type, key));
    if (!ok) failures++;
    task.end({ status: ok ? 'completed' : rand() < 0.2 ? 'skipped' : 'failed' });
  }
  run.end({ status: failures === tasks ? 'failed' : rand() < 0.03 ? 'stopped' : 'completed' });
}

function runTask(
  meter: Meter,
  task: Task,
  rand: Rand,
  pick: Pick,
  advance: (s: number) => void,
  cost: number,
  skill: number,
  variant: string,
  incident: boolean,
  state: JsonValue,
): boolean {
  for (const spec of AGENTS) {
    let done = false;
    const coding = spec.name === 'coding';
    for (let attempt = 1; attempt <= 3 && !done; attempt++) {
      const agent = task.startAgent({ name: spec.name, type: spec.type, attrs: { state_features: state, ...(coding ? { agent_variant: variant } : {}) } });
      advance(spec.seconds * (incident ? 3 : 1));
      const base = spec.base * (0.55 + 0.45 * skill) + (coding && variant === 'coding-v2' ? VARIANT_GAIN : 0);
      const p = Math.min(0.99, base) * (incident ? 0.35 : 1);
      const roll = rand();
      const status = roll < p ? 'success' : roll < p + 0.05 ? 'partial' : 'failure';
      endAgent(agent, status, rand, cost);
      if (status !== 'failure' && rand() < 0.35) {
        meter.feedback(agent, {
          success: status === 'success',
          rating: status === 'success' ? 3 + Math.floor(rand() * 3) : 1 + Math.floor(rand() * 3),
          source: rand() < 0.5 ? 'human' : 'automated_tests',
        });
      }
      done = status !== 'failure';
    }
    if (!done) return false;
  }
  // CI: the first pipeline passes with probability tied to model skill; failures open a
  // debugging cycle with one to three fix attempts.
  for (let attempt = 1; attempt <= 4; attempt++) {
    const passed = rand() < 0.35 + 0.5 * skill + 0.1 * (attempt - 1);
    advance(240);
    task.recordPipeline({
      id: String(4000 + Math.floor(rand() * 90_000)),
      status: passed ? 'success' : 'failed',
      commit: Math.floor(rand() * 0xfffffff).toString(16).padStart(7, '0'),
      triggeredBy: 'coding',
      durationMs: Math.round(120_000 + rand() * 360_000),
    });
    if (passed) return true;
    const cycle = task.startDebug({ agent: pick(['testing', 'coding']), errorType: pick(ERROR_TYPES), errorMessage: `${1 + Math.floor(rand() * 5)} tests failed in ServiceTest` });
    const attempts = 1 + Math.floor(rand() * 3);
    for (let a = 0; a < attempts; a++) {
      advance(60);
      cycle.attempt();
    }
    cycle.end({ resolved: rand() < 0.75 });
  }
  return false;
}

function endAgent(agent: AgentInvocation, status: 'success' | 'partial' | 'failure', rand: Rand, cost: number): void {
  const input = Math.round(2000 + rand() * 20_000);
  const output = Math.round(300 + rand() * 4000);
  agent.end({
    status,
    tokens: { input, output },
    costUsd: Math.round((input + 4 * output) * cost * 1e6) / 1e6,
    ...(status === 'failure' ? { error: { type: 'agent_error', message: 'tool call failed: timeout after 120 s' } } : {}),
  });
}

function optimizationSession(meter: Meter, rand: Rand, pick: Pick, advance: (s: number) => void, progress: number): void {
  const variants = 4 + Math.floor(rand() * 28);
  const validated = Math.floor(variants * (0.3 + 0.4 * rand() + 0.2 * progress));
  const promoted = validated === 0 ? 0 : Math.floor(rand() * Math.min(3, validated + 1));
  const baseline = rand() < 0.08 ? 0 : Math.round((0.5 + rand() * 20) * 1000) / 1000;
  // Kernels get faster over the month: a real trend for `agentmeter trends --metric speedup`.
  const speedup = 1 + rand() * (0.6 + 1.5 * progress);
  const wallclock = Math.round((30 + rand() * 600) * 10) / 10;
  advance(wallclock);
  meter.recordOptimization({
    operation: pick(OPERATIONS),
    variantsGenerated: variants,
    validated,
    promoted,
    // Offline runs measure nothing (baseline 0): counted apart, never divided by.
    baselineLatencyMs: baseline,
    optimizedLatencyMs: baseline === 0 ? 0 : Math.round((baseline / speedup) * 1000) / 1000,
    wallclockSeconds: wallclock,
    autotuneSamples: variants * (8 + Math.floor(rand() * 24)),
    validationFailures: variants - validated,
    searchDepth: 1 + Math.floor(rand() * 4),
  });
}
