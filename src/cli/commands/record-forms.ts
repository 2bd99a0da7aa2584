/**
 * Shell forms of `agentmeter record <form>`: record runs, tasks, agents, pipeline attempts
 * and feedback from a Bash or Python orchestrator without an SDK. Every `*-start` form
 * prints the new span id on stdout (and nothing else) so a script can keep it:
 * `RUN=$(agentmeter record run-start --project shop)`; later forms take it back with
 * `--run "$RUN"` / `--span "$ID"`. Ids are UUIDv7, so an end written by another process
 * knows when its span started from the id alone.
 *
 * `RECORD_FORMS` is a handler table keyed by form name; the `record` command dispatches
 * through it.
 */
import type { SpanKind, SpanStatus } from '../../model/events.js';
import { SPAN_STATUSES } from '../../model/events.js';
import { isUuid } from '../../model/ids.js';
import { normalizeStatus } from '../../model/status.js';
import { pipelineResult } from '../../model/status.js';
import { isFeedbackSource, SpanLog } from '../../integrations/span-events.js';
import { resolveStoreDir } from '../../store/index.js';
import type { OptionSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { EXIT, UsageError } from '../io.js';
import type { Io } from '../io.js';
import { envTagOption } from '../options.js';

/** One form: its options, help line and handler. */
export interface RecordForm {
  name: string;
  summary: string;
  /** Option flags (commander syntax) this form reads; `--dir` and `--env-tag` are common. */
  options: readonly OptionSpec[];
  run(opts: Record<string, unknown>, log: SpanLog, io: Io): number;
}

type Opts = Record<string, unknown>;

const COMMON: readonly OptionSpec[] = [envTagOption(), DIR_OPTION];

const O = {
  run: { flags: '--run <id>', description: 'run id from `record run-start`' },
  span: { flags: '--span <id>', description: 'span id printed by the matching *-start form' },
  parent: { flags: '--parent <id>', description: 'parent span id (e.g. a task from `record task-start`)' },
  status: { flags: '--status <status>', description: `outcome: ${SPAN_STATUSES.join(', ')} (or completed, failed, canceled …)` },
  error: { flags: '--error <message>', description: 'error message (redacted)' },
  errorType: { flags: '--error-type <type>', description: 'error class, e.g. test_failure' },
} satisfies Record<string, OptionSpec>;

function need(opts: Opts, key: string, flag: string): string {
  const v = opts[key];
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`${flag} is required`);
  return v;
}

function needId(opts: Opts, key: string, flag: string): string {
  const v = need(opts, key, flag);
  if (!isUuid(v)) throw new UsageError(`${flag} must be an id printed by agentmeter (a UUID), got ${JSON.stringify(v)}`);
  return v;
}

function optId(opts: Opts, key: string, flag: string): string | undefined {
  return opts[key] === undefined ? undefined : needId(opts, key, flag);
}

function num(opts: Opts, key: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`${flag} must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

function status(opts: Opts, required = true): { status: SpanStatus; detail?: string } {
  const word = required ? need(opts, 'status', '--status') : ((opts['status'] as string | undefined) ?? 'success');
  const s = normalizeStatus(word);
  if (s === 'unknown' && word.trim().toLowerCase() !== 'unknown') {
    throw new UsageError(`--status ${JSON.stringify(word)} is not a status; use ${SPAN_STATUSES.join(', ')} (or completed, failed, canceled …)`);
  }
  return s === word ? { status: s } : { status: s, detail: word };
}

function errorAttrs(opts: Opts, log: SpanLog, attrs: Opts): void {
  if (typeof opts['errorType'] === 'string') attrs['error.type'] = opts['errorType'];
  if (typeof opts['error'] === 'string') attrs['error.message'] = log.redact(opts['error']);
}

function llmAttrs(opts: Opts, attrs: Opts): void {
  if (typeof opts['provider'] === 'string') attrs['gen_ai.provider.name'] = opts['provider'];
  if (typeof opts['model'] === 'string') attrs['gen_ai.request.model'] = opts['model'];
  const t = num(opts, 'temperature', '--temperature', 0, 10);
  if (t !== undefined) attrs['gen_ai.request.temperature'] = t;
}

function endForm(kind: SpanKind, name: string, extra: readonly OptionSpec[], more?: (opts: Opts, attrs: Opts) => void): RecordForm {
  return {
    name,
    summary: `end a ${kind} started by \`record ${kind}-start\``,
    options: [kind === 'run' ? O.run : O.span, ...(kind === 'run' ? [] : [O.run]), O.status, O.error, O.errorType, ...extra],
    run(opts, log, io) {
      const spanId = kind === 'run' ? needId(opts, 'run', '--run') : needId(opts, 'span', '--span');
      const s = status(opts);
      const attrs: Opts = {};
      if (s.detail !== undefined) attrs['status.detail'] = s.detail;
      errorAttrs(opts, log, attrs);
      more?.(opts, attrs);
      log.end({ kind, spanId, runId: kind === 'run' ? spanId : optId(opts, 'run', '--run'), status: s.status, attrs });
      void io;
      return EXIT.ok;
    },
  };
}

/** Every shell form, by name. */
export const RECORD_FORMS: readonly RecordForm[] = [
  {
    name: 'run-start',
    summary: 'start a run; prints its id (pass it as --run to later calls)',
    options: [
      { flags: '--project <name>', description: 'project or repository (run-start; required there)' },
      { flags: '--provider <name>', description: 'LLM provider' },
      { flags: '--model <name>', description: 'LLM model' },
      { flags: '--temperature <t>', description: 'sampling temperature' },
      { flags: '--mode <mode>', description: 'how the host was started, e.g. implement_all' },
      { flags: '--key <key>', description: "the host's own id for the run" },
    ],
    run(opts, log, io) {
      const attrs: Opts = { project: log.redact(need(opts, 'project', '--project')) };
      llmAttrs(opts, attrs);
      if (typeof opts['mode'] === 'string') attrs['mode'] = opts['mode'];
      if (typeof opts['key'] === 'string') attrs['run.key'] = log.redact(opts['key']);
      io.stdout.write(log.start('run', String(attrs['project']), { attrs }).spanId + '\n');
      return EXIT.ok;
    },
  },
  endForm('run', 'run-end', []),
  {
    name: 'task-start',
    summary: 'start a task in a run; prints its span id',
    options: [
      O.run,
      { flags: '--key <key>', description: 'task key: issue number, ticket id (task-start; required there)' },
      { flags: '--type <type>', description: 'task category, e.g. bug_fix' },
      { flags: '--description <text>', description: 'short description (redacted)' },
    ],
    run(opts, log, io) {
      const runId = needId(opts, 'run', '--run');
      const key = need(opts, 'key', '--key');
      const attrs: Opts = { 'task.key': key };
      if (/^\d+$/.test(key)) attrs['issue_iid'] = Number(key);
      if (typeof opts['type'] === 'string') attrs['task.type'] = opts['type'];
      if (typeof opts['description'] === 'string') attrs['task_description'] = log.redactShort(opts['description']);
      io.stdout.write(log.start('task', key, { runId, attrs }).spanId + '\n');
      return EXIT.ok;
    },
  },
  endForm('task', 'task-end', []),
  {
    name: 'agent-start',
    summary: 'start an agent invocation; prints its span id',
    options: [
      O.run,
      O.parent,
      { flags: '--name <name>', description: 'agent name (agent-start; required there)' },
      { flags: '--type <type>', description: 'agent category' },
      { flags: '--model <name>', description: 'model of this invocation' },
      { flags: '--attempt <n>', description: '1-based attempt number within the task' },
    ],
    run(opts, log, io) {
      const runId = optId(opts, 'run', '--run');
      const name = need(opts, 'name', '--name');
      const attrs: Opts = { 'gen_ai.agent.name': name };
      if (typeof opts['type'] === 'string') attrs['agent.type'] = opts['type'];
      if (typeof opts['model'] === 'string') attrs['gen_ai.request.model'] = opts['model'];
      const attempt = num(opts, 'attempt', '--attempt', 1, 10_000);
      if (attempt !== undefined) attrs['agent.attempt'] = attempt;
      io.stdout.write(log.start('agent', name, { runId, parentId: optId(opts, 'parent', '--parent'), attrs }).spanId + '\n');
      return EXIT.ok;
    },
  },
  endForm(
    'agent',
    'agent-end',
    [
      { flags: '--input-tokens <n>', description: 'input tokens' },
      { flags: '--output-tokens <n>', description: 'output tokens' },
      { flags: '--cost-usd <x>', description: 'cost in US dollars' },
    ],
    (opts, attrs) => {
      const i = num(opts, 'inputTokens', '--input-tokens');
      const o = num(opts, 'outputTokens', '--output-tokens');
      const c = num(opts, 'costUsd', '--cost-usd');
      if (i !== undefined) attrs['gen_ai.usage.input_tokens'] = i;
      if (o !== undefined) attrs['gen_ai.usage.output_tokens'] = o;
      if (c !== undefined) attrs['cost_usd'] = c;
    },
  ),
  {
    name: 'pipeline',
    summary: 'record one CI pipeline attempt (complete); prints its span id',
    options: [
      O.run,
      O.parent,
      { flags: '--id <id>', description: "CI provider's pipeline id (pipeline; required there)" },
      O.status,
      { flags: '--commit <sha>', description: 'commit the pipeline ran on' },
      { flags: '--attempt <n>', description: '1-based attempt within the task (1 decides first-attempt pass rate)' },
      { flags: '--trigger <who>', description: 'what triggered it: an agent name, push …' },
      { flags: '--name <name>', description: 'pipeline name' },
      { flags: '--duration-ms <ms>', description: 'how long it ran' },
    ],
    run(opts, log, io) {
      const id = need(opts, 'id', '--id');
      const s = status(opts);
      const attrs: Opts = { 'cicd.pipeline.run.id': id, 'cicd.pipeline.result': pipelineResult(s.status) };
      if (s.detail !== undefined) attrs['status.detail'] = s.detail;
      if (typeof opts['commit'] === 'string') attrs['vcs.ref.head.revision'] = opts['commit'];
      if (typeof opts['trigger'] === 'string') attrs['cicd.pipeline.trigger'] = opts['trigger'];
      if (typeof opts['name'] === 'string') attrs['cicd.pipeline.name'] = opts['name'];
      const attempt = num(opts, 'attempt', '--attempt', 1, 10_000);
      if (attempt !== undefined) attrs['pipeline.attempt'] = attempt;
      const runId = optId(opts, 'run', '--run');
      const span = log.complete('pipeline', `pipeline ${id}`, { runId, parentId: optId(opts, 'parent', '--parent'), status: s.status, durationMs: num(opts, 'durationMs', '--duration-ms'), attrs });
      io.stdout.write(span.spanId + '\n');
      return EXIT.ok;
    },
  },
  {
    name: 'feedback',
    summary: 'score a span: success/failure, rating 1–5, source, notes',
    options: [
      O.span,
      O.run,
      { flags: '--success [bool]', description: 'the work succeeded (alone, or true/false)' },
      { flags: '--failure', description: 'the work failed' },
      { flags: '--rating <1-5>', description: 'quality rating' },
      { flags: '--source <source>', description: 'human, automated_tests, build_system, linter, llm_judge, other (default human)' },
      { flags: '--notes <text>', description: 'free-text notes (redacted)' },
    ],
    run(opts, log, io) {
      const spanId = needId(opts, 'span', '--span');
      // `--success` alone, or `--success true|false` (the flag is shared with `record success-metric`).
      const said = opts['success'];
      const succeeded = said === undefined ? undefined : said === true || /^(true|1|yes)$/i.test(String(said)) ? true : /^(false|0|no)$/i.test(String(said)) ? false : null;
      if (succeeded === null) throw new UsageError(`--success takes true or false, got ${JSON.stringify(said)}`);
      if (succeeded !== undefined && opts['failure'] === true) throw new UsageError('give --success or --failure, not both');
      const rating = num(opts, 'rating', '--rating', 1, 5);
      const success = succeeded ?? (opts['failure'] === true ? false : null);
      if (success === null && rating === undefined) throw new UsageError('give --success, --failure or --rating');
      const source = (opts['source'] as string | undefined) ?? 'human';
      if (!isFeedbackSource(source)) throw new UsageError(`--source must be one of human, automated_tests, build_system, linter, llm_judge, other; got ${JSON.stringify(source)}`);
      const attrs: Opts = {};
      if (typeof opts['notes'] === 'string') attrs['feedback.notes'] = log.redact(opts['notes']);
      log.feedback({ spanId, runId: optId(opts, 'run', '--run'), success, rating: rating ?? null, source, attrs });
      void io;
      return EXIT.ok;
    },
  },
];

/** Run one form with parsed options: opens the store, writes, reports problems on stderr. */
export function runRecordForm(form: RecordForm, opts: Opts, io: Io): number {
  const log = new SpanLog({
    root: resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd }),
    env: (opts['envTag'] as string | undefined) ?? io.env['AGENTMETER_ENV'] ?? 'dev',
    onDiagnostic: (d) => io.stderr.write(`agentmeter record: ${d.code} ${d.message}\n`),
  });
  try {
    return form.run(opts, log, io);
  } finally {
    log.close();
  }
}

/** Union of every form's options (each flag once), for a command that takes any form. */
export function recordFormOptions(): OptionSpec[] {
  const seen = new Map<string, OptionSpec>();
  for (const f of RECORD_FORMS) for (const o of [...f.options, ...COMMON]) if (!seen.has(o.flags)) seen.set(o.flags, o);
  return [...seen.values()];
}

// Options every `record` kind takes; the rest must belong to the form.
const RECORD_COMMON_KEYS: readonly string[] = ['dir', 'envTag', 'json', 'stdin'];

/** commander's key for a flag: `--input-tokens <n>` → `inputTokens`. */
function optionKey(flags: string): string {
  const long = /--([\w-]+)/.exec(flags)?.[1] ?? '';
  return long.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase());
}

/** Refuse an option the form does not take (`record run-end --key 3` is a mistake, not a no-op). */
export function checkFormOptions(form: RecordForm, opts: Opts): void {
  const allowed = new Set([...form.options.map((o) => optionKey(o.flags)), ...RECORD_COMMON_KEYS]);
  for (const k of Object.keys(opts)) {
    if (opts[k] !== undefined && !allowed.has(k)) throw new UsageError(`record ${form.name} does not take --${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`);
  }
}
