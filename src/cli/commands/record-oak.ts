/**
 * `agentmeter record invocation | invocation-update | success-metric`: the sub-agent seed's
 * three logger calls for hosts outside Node (its logger is Python). Each takes flags or, with
 * `--stdin`, records in the seed's field names. `invocation` prints the new invocation id on
 * stdout, one per line, for the host to pass to the later calls (from any process).
 */
import { TelemetryLogger } from '../../integrations/oak/telemetry-logger.js';
import { invocationFromRecord, metricFromRecord, updateFromRecord } from '../../integrations/oak/records.js';
import type { Mapped } from '../../integrations/oak/records.js';
import type { OptionSpec } from '../command.js';
import { EXIT, UsageError } from '../io.js';
import type { RecordContext, RecordKind } from './record-kinds.js';
import { CLI_SEGMENT } from '../../integrations/span-events.js';

const snake = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (flags: string): string => (/--([a-z-]+)/.exec(flags)?.[1] ?? '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

function flag(flags: string, description: string): OptionSpec {
  return { flags, description };
}

const SESSION = flag('--session-id <id>', 'invocation: session the invocation belongs to (default: a new one)');
const ID = flag('--invocation-id <id>', 'invocation-update, success-metric: the id `record invocation` printed');

const INVOCATION_FLAGS = [
  flag('--agent-name <name>', 'invocation: agent name, e.g. frontend-developer'),
  flag('--agent-type <type>', 'invocation: development, quality, security, …'),
  flag('--task-description <text>', 'invocation: short description (redacted, cut at 500 characters)'),
  flag('--task-type <type>', 'invocation: task type, e.g. feature_development'),
  flag('--workflow-id <id>', 'invocation: workflow it belongs to'),
  flag('--parent-invocation-id <id>', 'invocation: invocation that started it'),
  flag('--spec-id <id>', 'invocation: specification it works on'),
  flag('--spec-section <list>', 'invocation: comma-separated spec sections, e.g. 2.2.comp-1'),
  flag('--agent-variant <id>', 'invocation: agent variant used'),
  SESSION,
];
const UPDATE_FLAGS = [
  ID,
  flag('--outcome-status <status>', 'invocation-update: success, failure, partial, unknown'),
  flag('--duration-seconds <s>', 'invocation-update: how long it ran'),
  flag('--files-modified <list>', 'invocation-update: comma-separated paths'),
  flag('--files-created <list>', 'invocation-update: comma-separated paths'),
  flag('--error-message <text>', 'invocation-update: error text (redacted)'),
];
const METRIC_FLAGS = [
  ID,
  flag('--success [bool]', 'success-metric: true or false; feedback: the work succeeded (alone, or true/false)'),
  flag('--quality-rating <n>', 'success-metric: 1–5'),
  flag('--feedback-source <source>', 'success-metric: human, automated_tests, build_system, linter, llm_judge'),
  flag('--feedback-notes <text>', 'success-metric: notes (redacted)'),
  flag('--would-use-again <bool>', 'success-metric: true or false'),
  flag('--alternative-agent-suggested <name>', 'success-metric: a better agent for the task'),
];

/** Records from stdin, or one record from this kind's flags in the seed's field names. */
function records(c: RecordContext, options: readonly OptionSpec[]): Record<string, unknown>[] {
  if (c.input !== undefined) return c.input;
  const rec: Record<string, unknown> = {};
  for (const o of options) {
    const key = camel(o.flags);
    if (c.opts[key] !== undefined) rec[snake(key)] = c.opts[key];
  }
  return [rec];
}

function kind<T>(
  summary: string,
  options: readonly OptionSpec[],
  map: (r: Record<string, unknown>) => Mapped<T>,
  call: (logger: TelemetryLogger, value: T, id: string | undefined) => string | undefined,
): RecordKind {
  return {
    summary,
    options,
    async run(c) {
      const recs = records(c, options);
      const mapped = recs.map(map);
      const first = mapped[0];
      if (c.input === undefined && first && !first.ok) throw new UsageError(first.error);
      const session = typeof c.opts['sessionId'] === 'string' ? c.opts['sessionId'] : typeof recs[0]?.['session_id'] === 'string' ? (recs[0]['session_id'] as string) : undefined;
      const logger = new TelemetryLogger({ dir: c.dir, env: c.env, sharedSegment: CLI_SEGMENT, ...(session !== undefined ? { sessionId: session } : {}), onDiagnostic: (d) => c.io.stderr.write(`agentmeter: ${d.code} ${d.message}\n`) });
      const ids: string[] = [];
      let rejected = 0;
      mapped.forEach((m, i) => {
        if (!m.ok) {
          rejected++;
          c.io.stderr.write(`agentmeter: record ${i + 1}: ${m.error}\n`);
          return;
        }
        const id = call(logger, m.value, m.invocationId);
        if (id !== undefined) ids.push(id);
      });
      logger.close();
      const { dropped } = logger.stats;
      if (c.opts['json'] === true) c.io.stdout.write(JSON.stringify({ recorded: mapped.length - rejected, rejected, dropped, invocation_ids: ids }) + '\n');
      else for (const id of ids) c.io.stdout.write(`${id}\n`);
      if (dropped > 0) return EXIT.failure;
      return rejected > 0 ? EXIT.dataErrors : EXIT.ok;
    },
  };
}

/** The sub-agent seed's calls as `record` kinds. */
export const OAK_RECORD_KINDS: Record<string, RecordKind> = {
  invocation: kind('an agent invocation starts (log_invocation); prints its id', INVOCATION_FLAGS, invocationFromRecord, (l, v) => l.logInvocation(v)),
  'invocation-update': kind('an invocation ends (update_invocation), from any process', UPDATE_FLAGS, updateFromRecord, (l, v, id) => {
    l.updateInvocation(id as string, v);
    return undefined;
  }),
  'success-metric': kind('feedback on an invocation (log_success_metric)', METRIC_FLAGS, metricFromRecord, (l, v, id) => {
    l.logSuccessMetric(id as string, v);
    return undefined;
  }),
};
