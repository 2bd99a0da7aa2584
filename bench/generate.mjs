// Seeded generator of realistic agentmeter stores for the benchmarks.
//
// Writes JSONL segments straight into the store layout (<root>/events/YYYY-MM-DD/<segment>.jsonl)
// with the line shapes of src/sdk/recorder.ts: span.start/span.end pairs for runs, tasks,
// agents and debugging cycles, span.event for fix attempts, complete `span` events for
// pipelines and optimisations, feedback. Lines average ~510 bytes, close to the seeds' events
// (docs/durability.md, "Reading": 1M events ≈ 489 MB); attributes are the SDK's (inherited grouping keys,
// tokens, cost, files, tools, CI and autotuning fields).
//
// Each day is generated from its own seed (seed × day), so the last N days of a long history
// are byte-identical to a store generated with only those N days: bench/since.mjs relies on it.
//
//   node bench/generate.mjs --root bench/.data/gen --events 1000000 --days 30 --segments 4
//
// or `import { generateStore } from './generate.mjs'`.
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const DAY_MS = 86_400_000;
// Each segment writes from its own 1 MiB buffer: large enough that syscalls vanish from the
// profile, small enough that memory stays flat (segments-per-day × 1 MiB).
const FLUSH_BYTES = 1 << 20;

// sfc32: 128-bit state, so ids drawn from it do not collide the way a 32-bit-state PRNG's would.
function sfc32(a, b, c, d) {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
}

function seededRandom(seed, day) {
  const next = sfc32(0x9e3779b9 ^ seed, 0x243f6a88 ^ day, 0xb7e15162 ^ (seed * 31 + day), 0x6a09e667);
  for (let i = 0; i < 16; i++) next();
  return next;
}

const HEX = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

/** One day's generator state: PRNG, id maker, the current clock. */
class Day {
  constructor(seed, dayIndex) {
    this.u32 = seededRandom(seed, dayIndex);
  }
  rand() {
    return this.u32() / 4294967296;
  }
  pick(xs) {
    return xs[Math.floor(this.rand() * xs.length)];
  }
  int(lo, hi) {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  /** UUIDv7 for `ms` (RFC 9562 layout: 48-bit ms, version 7, variant 10). */
  uuid(ms) {
    const hi = Math.floor(ms / 0x10000);
    const lo = ms & 0xffff;
    const r1 = this.u32();
    const r2 = this.u32();
    const r3 = this.u32();
    return (
      HEX[(hi >>> 24) & 0xff] + HEX[(hi >>> 16) & 0xff] + HEX[(hi >>> 8) & 0xff] + HEX[hi & 0xff] + '-' +
      HEX[lo >>> 8] + HEX[lo & 0xff] + '-' +
      HEX[0x70 | ((r1 >>> 24) & 0x0f)] + HEX[(r1 >>> 16) & 0xff] + '-' +
      HEX[0x80 | ((r1 >>> 8) & 0x3f)] + HEX[r1 & 0xff] + '-' +
      HEX[r2 >>> 24] + HEX[(r2 >>> 16) & 0xff] + HEX[(r2 >>> 8) & 0xff] + HEX[r2 & 0xff] +
      HEX[r3 >>> 24] + HEX[(r3 >>> 16) & 0xff]
    );
  }
}

const PROJECTS = ['web-shop', 'payments-api', 'mobile-app', 'data-platform', 'kernel-lab'];
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
const DESCRIPTIONS = [
  'Fix the race in the cart total when two coupons are applied at once',
  'Add pagination to the order history endpoint and cover it with tests',
  'Refactor the payment retry loop to use exponential backoff with jitter',
  'Raise coverage of the invoice PDF renderer above 80 % (edge cases for VAT)',
  'Document the webhook signature check and rotate the example secret',
];
const FILES = ['src/cart/total.ts', 'src/cart/coupons.ts', 'src/api/orders.ts', 'src/payments/retry.ts', 'test/cart.test.ts', 'test/orders.test.ts', 'docs/webhooks.md', 'src/invoice/render.ts'];
const TOOLS = ['read_file', 'edit_file', 'run_tests', 'grep', 'git_diff', 'shell'];
const ERROR_TYPES = ['test_failure', 'lint_error', 'build_error', 'type_error'];
const OPERATIONS = ['matmul', 'conv2d', 'softmax', 'layernorm', 'attention'];
const ENVS = ['prod', 'prod', 'prod', 'prod', 'prod', 'prod', 'prod', 'prod', 'staging', 'ci'];

const q = JSON.stringify;
const iso = (ms) => new Date(ms).toISOString();
const PAD2 = [];
for (let i = 0; i < 100; i++) PAD2.push(String(i).padStart(2, '0'));
const PAD3 = [];
for (let i = 0; i < 1000; i++) PAD3.push(String(i).padStart(3, '0'));

// toISOString was a sixth of the generator's time; inside one UTC day only the clock part changes.
function isoInDay(dayStartMs, dayPrefix) {
  return (ms) => {
    const t = ms - dayStartMs;
    if (t < 0 || t >= DAY_MS) return iso(ms);
    const s = Math.floor(t / 1000);
    return `${dayPrefix}T${PAD2[Math.floor(s / 3600)]}:${PAD2[Math.floor(s / 60) % 60]}:${PAD2[s % 60]}.${PAD3[t % 1000]}Z`;
  };
}
const round3 = (x) => Math.round(x * 1000) / 1000;

/** Emits lines of one day into its segments, a run per segment at a time. */
class DayWriter {
  constructor(dir, dayStartMs, segments, dayIndex) {
    this.fds = [];
    this.bufs = [];
    this.used = [];
    mkdirSync(dir, { recursive: true });
    for (let s = 0; s < segments; s++) {
      // Same name shape as layout.segmentFileName: creation stamp, pid, random suffix.
      const stamp = iso(dayStartMs + s * 1000).replace(/[-:.]/g, '');
      const name = `${stamp}-${10_000 + s}-${(dayIndex * 7919 + s).toString(16).padStart(6, '0').slice(-6)}.jsonl`;
      this.fds.push(openSync(join(dir, name), 'w'));
      this.bufs.push(Buffer.allocUnsafe(FLUSH_BYTES));
      this.used.push(0);
    }
    this.segment = 0;
    this.lines = 0;
    this.bytes = 0;
  }
  push(line) {
    const s = this.segment;
    // Every generated line is ASCII, so latin1 is its UTF-8 encoding, minus the UTF-8 encoder.
    if (this.used[s] + line.length > FLUSH_BYTES) this.#flush(s);
    this.used[s] += this.bufs[s].write(line, this.used[s], 'latin1');
    this.lines++;
  }
  #flush(s) {
    let off = 0;
    while (off < this.used[s]) off += writeSync(this.fds[s], this.bufs[s], off, this.used[s] - off);
    this.bytes += this.used[s];
    this.used[s] = 0;
  }
  close() {
    for (let s = 0; s < this.fds.length; s++) {
      this.#flush(s);
      closeSync(this.fds[s]);
    }
  }
}

/** Writes the recorder's line shapes (key order as in src/sdk/recorder.ts). */
class Emitter {
  constructor(day, out, env, dayEndMs, isoFn) {
    this.day = day;
    this.iso = isoFn;
    this.out = out;
    this.envJson = q(env);
    this.dayEndMs = dayEndMs;
  }
  clampMs(ms) {
    // Runs stay inside their UTC day, so each line lives in its own day's partition.
    return ms < this.dayEndMs ? ms : this.dayEndMs - 1;
  }
  start(ctx, name, parentId, attrsJson, ms) {
    this.out.push(
      `{"v":1,"id":"${this.day.uuid(ms)}","ts":"${this.iso(ms)}","type":"span.start","span_id":"${ctx.spanId}","kind":"${ctx.kind}",` +
        `"name":${q(name)},"parent_id":${parentId === null ? 'null' : `"${parentId}"`},"run_id":"${ctx.runId}",` +
        `"env":${this.envJson},"attrs":${attrsJson}}\n`,
    );
  }
  end(ctx, startMs, durationMs, status, attrsJson, ms) {
    this.out.push(
      `{"v":1,"id":"${this.day.uuid(ms)}","ts":"${this.iso(ms)}","type":"span.end","span_id":"${ctx.spanId}","kind":"${ctx.kind}",` +
        `"run_id":"${ctx.runId}","env":${this.envJson},"start_ts":"${this.iso(startMs)}","duration_ms":${durationMs},` +
        `"status":"${status}","attrs":${attrsJson}}\n`,
    );
  }
  complete(ctx, name, parentId, startMs, durationMs, status, attrsJson, ms) {
    this.out.push(
      `{"v":1,"id":"${this.day.uuid(ms)}","ts":"${this.iso(ms)}","type":"span","span_id":"${ctx.spanId}","kind":"${ctx.kind}",` +
        `"name":${q(name)},"parent_id":${parentId === null ? 'null' : `"${parentId}"`},"run_id":"${ctx.runId}",` +
        `"env":${this.envJson},"start_ts":"${this.iso(startMs)}","duration_ms":${durationMs},"status":"${status}",` +
        `"attrs":${attrsJson}}\n`,
    );
  }
  point(ctx, name, attrsJson, ms) {
    this.out.push(
      `{"v":1,"id":"${this.day.uuid(ms)}","ts":"${this.iso(ms)}","type":"span.event","span_id":"${ctx.spanId}",` +
        `"run_id":"${ctx.runId}","env":${this.envJson},"name":${q(name)},"attrs":${attrsJson}}\n`,
    );
  }
  feedback(spanId, runId, success, rating, source, attrsJson, ms) {
    this.out.push(
      `{"v":1,"id":"${this.day.uuid(ms)}","ts":"${this.iso(ms)}","type":"feedback","span_id":"${spanId}","run_id":"${runId}",` +
        `"env":${this.envJson},"success":${success},"rating":${rating === null ? 'null' : rating},"source":"${source}",` +
        `"attrs":${attrsJson}}\n`,
    );
  }
}

// Attributes: inherited ones first, then the span's own (as Recorder's attrsJson does).
function withInherited(inheritedJson, own) {
  const ownJson = q(own);
  return ownJson === '{}' ? `{${inheritedJson}}` : `{${inheritedJson},${ownJson.slice(1)}`;
}

/** One orchestrator run: tasks, agents with retries, feedback, pipelines, debugging cycles. */
function orchestratorRun(d, em, t0, project, progress) {
  const llm = d.pick(MODELS);
  const temperature = d.pick(TEMPERATURES);
  const skill = Math.min(0.97, llm.skill + 0.06 * progress - (temperature > 0.5 ? 0.08 : 0));
  let clock = t0;
  const advance = (seconds) => {
    clock = em.clampMs(clock + Math.round(seconds * 1000 * (0.5 + d.rand())));
  };
  const runId = d.uuid(clock);
  const inherited = { project, 'gen_ai.provider.name': llm.provider, 'gen_ai.request.model': llm.model, 'gen_ai.request.temperature': temperature };
  const runCtx = { spanId: runId, runId, kind: 'run', inheritedJson: q(inherited).slice(1, -1) };
  const runStart = clock;
  em.start(runCtx, `run ${project}`, null, withInherited(runCtx.inheritedJson, {
    mode: d.rand() < 0.7 ? 'implement_all' : 'single_issue',
    'run.key': `run_${iso(clock).slice(0, 19).replace(/[-:T]/g, '')}_${project}_${d.int(100, 999)}`,
    tags: { team: d.pick(['checkout', 'platform', 'growth']), trigger: d.pick(['schedule', 'manual', 'webhook']) },
  }), clock);
  const tasks = d.int(1, 4);
  let failures = 0;
  for (let t = 0; t < tasks; t++) {
    const key = d.int(100, 999);
    const taskType = d.pick(TASK_TYPES);
    const taskInherited = `${runCtx.inheritedJson},"task.type":${q(taskType)}`;
    const taskCtx = { spanId: d.uuid(clock), runId, kind: 'task', inheritedJson: taskInherited };
    const taskStart = clock;
    em.start(taskCtx, `task ${key}`, runId, withInherited(taskInherited, { 'task.key': String(key), issue_iid: key, task_description: d.pick(DESCRIPTIONS) }), clock);
    if (d.rand() < 0.02) {
      // A crash mid-task: the agent, task and run stay open and report as abandoned.
      const agentCtx = { spanId: d.uuid(clock), runId, kind: 'agent' };
      em.start(agentCtx, 'coding', taskCtx.spanId, withInherited(taskInherited, { 'gen_ai.agent.name': 'coding', 'agent.type': 'development', 'agent.attempt': 1 }), clock);
      return clock;
    }
    const ok = runTask(d, em, taskCtx, taskType, llm, skill, () => clock, advance);
    if (!ok) failures++;
    const word = ok ? 'completed' : d.rand() < 0.2 ? 'skipped' : 'failed';
    em.end(taskCtx, taskStart, clock - taskStart, word === 'completed' ? 'success' : word === 'skipped' ? 'skipped' : 'failure',
      word === 'skipped' ? '{}' : `{"status.detail":"${word}"}`, clock);
  }
  const runWord = failures === tasks ? 'failed' : d.rand() < 0.03 ? 'stopped' : 'completed';
  em.end(runCtx, runStart, clock - runStart, runWord === 'completed' ? 'success' : runWord === 'failed' ? 'failure' : 'cancelled',
    `{"status.detail":"${runWord}"}`, clock);
  return clock;
}

function runTask(d, em, taskCtx, taskType, llm, skill, now, advance) {
  const runId = taskCtx.runId;
  for (const spec of AGENTS) {
    let done = false;
    for (let attempt = 1; attempt <= 3 && !done; attempt++) {
      const startMs = now();
      const ctx = { spanId: d.uuid(startMs), runId, kind: 'agent' };
      em.start(ctx, spec.name, taskCtx.spanId, withInherited(taskCtx.inheritedJson, {
        'gen_ai.agent.name': spec.name,
        'agent.type': spec.type,
        'agent.attempt': attempt,
        ...(d.rand() < 0.1 ? { task_description: d.pick(DESCRIPTIONS) } : {}),
      }), startMs);
      advance(spec.seconds);
      const p = spec.base * (0.55 + 0.45 * skill);
      const roll = d.rand();
      const status = roll < p ? 'success' : roll < p + 0.05 ? 'partial' : 'failure';
      const input = d.int(2000, 22_000);
      const output = d.int(300, 4300);
      const files = d.rand() < 0.5 ? [d.pick(FILES)] : [d.pick(FILES), d.pick(FILES)];
      const end = {
        'gen_ai.usage.input_tokens': input,
        'gen_ai.usage.output_tokens': output,
        cost_usd: Math.round((input + 4 * output) * llm.cost * 1e6) / 1e6,
        files_modified: files,
        tools_used: [d.pick(TOOLS), d.pick(TOOLS)],
      };
      if (status === 'failure') {
        end['error.type'] = 'agent_error';
        end['error.message'] = 'tool call failed: timeout after 120 s';
      }
      const endMs = now();
      em.end(ctx, startMs, round3(endMs - startMs + d.rand()), status, q(end), endMs);
      if (status !== 'failure' && d.rand() < 0.35) {
        const success = status === 'success';
        em.feedback(ctx.spanId, runId, success, success ? d.int(3, 5) : d.int(1, 3), d.rand() < 0.5 ? 'human' : 'automated_tests',
          `{"target.kind":"agent",${taskCtx.inheritedJson},"gen_ai.agent.name":${q(spec.name)}` +
            (d.rand() < 0.3 ? `,"feedback.notes":"clean diff, but missed one edge case"` : '') + '}',
          endMs);
      }
      done = status !== 'failure';
    }
    if (!done) return false;
  }
  for (let attempt = 1; attempt <= 4; attempt++) {
    const passed = d.rand() < 0.35 + 0.5 * skill + 0.1 * (attempt - 1);
    advance(240);
    const ms = now();
    const id = String(d.int(4000, 94_000));
    const duration = d.int(120_000, 480_000);
    const ctx = { spanId: d.uuid(ms), runId, kind: 'pipeline' };
    const own = {
      'cicd.pipeline.run.id': id,
      'cicd.pipeline.result': passed ? 'success' : 'failure',
      'pipeline.attempt': attempt,
      'status.detail': passed ? undefined : 'failed',
      'vcs.ref.head.revision': d.u32().toString(16).padStart(8, '0').slice(0, 7),
      'cicd.pipeline.trigger': 'coding',
    };
    em.complete(ctx, `pipeline ${id}`, taskCtx.spanId, ms - duration, duration, passed ? 'success' : 'failure', withInherited(taskCtx.inheritedJson, own), ms);
    if (passed) return true;
    const errorType = d.pick(ERROR_TYPES);
    const dbg = { spanId: d.uuid(ms), runId, kind: 'debug' };
    const dbgStart = now();
    em.start(dbg, `debug ${errorType}`, taskCtx.spanId, withInherited(taskCtx.inheritedJson, {
      'error.type': errorType,
      'gen_ai.agent.name': d.pick(['testing', 'coding']),
      'error.message': `${d.int(1, 5)} tests failed in ServiceTest`,
    }), dbgStart);
    const attempts = d.int(1, 3);
    for (let a = 1; a <= attempts; a++) {
      advance(60);
      em.point(dbg, 'debug.attempt', `{"debug.attempt":${a}}`, now());
    }
    const resolved = d.rand() < 0.75;
    em.end(dbg, dbgStart, round3(now() - dbgStart + d.rand()), resolved ? 'success' : 'failure', `{"debug.attempts":${attempts},"debug.resolved":${resolved}}`, now());
  }
  return false;
}

/** One optimisation session (kernel-autotuning seed): a root `span` event. */
function optimizationSession(d, em, t0, progress) {
  const variants = d.int(4, 31);
  const validated = Math.floor(variants * (0.3 + 0.4 * d.rand() + 0.2 * progress));
  const promoted = validated === 0 ? 0 : Math.floor(d.rand() * Math.min(3, validated + 1));
  const baseline = d.rand() < 0.08 ? 0 : round3(0.5 + d.rand() * 20);
  const speedup = 1 + d.rand() * (0.8 + progress);
  const wallclock = Math.round((30 + d.rand() * 600) * 10) / 10;
  const ms = em.clampMs(t0 + Math.round(wallclock * 1000));
  const spanId = d.uuid(ms);
  const operation = d.pick(OPERATIONS);
  const attrs = {
    operation,
    variants_generated: variants,
    validated,
    promoted,
    baseline_latency_ms: baseline,
    optimized_latency_ms: baseline === 0 ? 0 : round3(baseline / speedup),
    wallclock_seconds: wallclock,
    autotune_samples: variants * d.int(8, 31),
    validation_failures: variants - validated,
    search_depth: d.int(1, 4),
    device: 'NVIDIA A100-SXM4-80GB',
    compiler: 'triton 3.1.0',
  };
  em.complete({ spanId, runId: spanId, kind: 'optimization' }, `optimize ${operation}`, null, ms - Math.round(wallclock * 1000), wallclock * 1000,
    promoted > 0 ? 'success' : 'failure', q(attrs), ms);
  return ms;
}

/**
 * Generate a store. Returns what was written. Existing `<root>/events` is replaced.
 *
 * @param {{ root: string, events?: number, eventsPerDay?: number, days?: number,
 *   segmentsPerDay?: number, seed?: number, endMs?: number }} o
 *   `events` is the total (≈; runs are kept whole), or give `eventsPerDay`. History ends at
 *   `endMs` (default now): the last day partition is the UTC day containing it.
 */
export function generateStore(o) {
  const days = o.days ?? 30;
  const perDay = o.eventsPerDay ?? Math.ceil((o.events ?? 1_000_000) / days);
  const segments = o.segmentsPerDay ?? 4;
  const seed = o.seed ?? 42;
  const endMs = o.endMs ?? Date.now();
  const root = resolve(o.root);
  const t = performance.now();
  rmSync(join(root, 'events'), { recursive: true, force: true });
  const lastDayStart = endMs - (endMs % DAY_MS);
  let lines = 0;
  let bytes = 0;
  for (let i = days - 1; i >= 0; i--) {
    const dayStart = lastDayStart - i * DAY_MS;
    // Day index counted in absolute days, so a day's content does not depend on `days`.
    const dayIndex = dayStart / DAY_MS;
    const d = new Day(seed, dayIndex);
    const out = new DayWriter(join(root, 'events', iso(dayStart).slice(0, 10)), dayStart, segments, dayIndex);
    // The last day ends at endMs, not midnight, so no event lies in the future.
    const dayEnd = i === 0 ? endMs : dayStart + DAY_MS;
    const span = (dayEnd - dayStart) * 0.85;
    const isoFn = isoInDay(dayStart, iso(dayStart).slice(0, 10));
    let run = 0;
    while (out.lines < perDay) {
      out.segment = run++ % segments;
      const em = new Emitter(d, out, d.pick(ENVS), dayEnd, isoFn);
      const t0 = dayStart + Math.floor((out.lines / perDay) * span + d.rand() * 60_000);
      const project = d.pick(PROJECTS);
      const progress = (days - i) / days;
      if (project === 'kernel-lab') optimizationSession(d, em, t0, progress);
      else orchestratorRun(d, em, t0, project, progress);
    }
    out.close();
    lines += out.lines;
    bytes += out.bytes;
  }
  return { root, days, segmentsPerDay: segments, events: lines, bytes, endMs, seconds: (performance.now() - t) / 1000 };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      root: { type: 'string', default: 'bench/.data/gen' },
      events: { type: 'string', default: '1000000' },
      days: { type: 'string', default: '30' },
      segments: { type: 'string', default: '4' },
      seed: { type: 'string', default: '42' },
      end: { type: 'string' },
    },
  });
  const r = generateStore({
    root: values.root,
    events: Number(values.events),
    days: Number(values.days),
    segmentsPerDay: Number(values.segments),
    seed: Number(values.seed),
    ...(values.end ? { endMs: Date.parse(values.end) } : {}),
  });
  console.log(
    `wrote ${r.events.toLocaleString('en-US')} events (${(r.bytes / 1e6).toFixed(0)} MB, ${(r.bytes / r.events).toFixed(0)} B/line) ` +
      `in ${r.days} days × ${r.segmentsPerDay} segments to ${r.root} in ${r.seconds.toFixed(2)} s`,
  );
}
