import { decodeLine } from '../../model/codec.js';
import { resolveStoreDir } from '../../store/index.js';
import type { CommandSpec, OptionSpec } from '../command.js';
import { DIR_OPTION } from '../command.js';
import { UsageError } from '../io.js';
import type { Io } from '../io.js';
import { RECORD_KINDS } from './record-kinds.js';
import { envTagOption } from '../options.js';

/** Read stdin as one JSON object, an array of objects, or JSON lines. */
async function readRecords(io: Io): Promise<Record<string, unknown>[]> {
  if (!io.stdin) throw new UsageError('--stdin: no standard input');
  let text = '';
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError('--stdin: no records on standard input');
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const whole = decodeLine(trimmed);
  if (whole.ok && Array.isArray(whole.value)) {
    if (!whole.value.every(isObject)) throw new UsageError('--stdin: the array must hold JSON objects');
    return whole.value;
  }
  if (whole.ok && isObject(whole.value)) return [whole.value];
  const out: Record<string, unknown>[] = [];
  trimmed.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const d = decodeLine(line);
    if (!d.ok || !isObject(d.value)) throw new UsageError(`--stdin line ${i + 1}: not a JSON object${d.ok ? '' : ` (${d.error})`}`);
    out.push(d.value);
  });
  return out;
}

function kindOptions(): OptionSpec[] {
  const seen = new Set<string>();
  const out: OptionSpec[] = [];
  for (const k of Object.values(RECORD_KINDS)) {
    for (const o of k.options) {
      if (seen.has(o.flags)) continue;
      seen.add(o.flags);
      out.push(o);
    }
  }
  return out;
}

export const recordCommand: CommandSpec = {
  name: 'record',
  summary: 'record from any language: flags for one record, or JSON on stdin',
  args: [{ name: 'kind', description: `what to record: ${Object.keys(RECORD_KINDS).join(', ')}`, required: true }],
  options: [
    { flags: '--stdin', description: 'read records from stdin: a JSON object, an array, or JSON lines (the field names of the tool the kind comes from)' },
    envTagOption(),
    { flags: '--json', description: 'print {recorded, rejected} on stdout' },
    DIR_OPTION,
    ...kindOptions(),
  ],
  help: `
Kinds:
${Object.entries(RECORD_KINDS).map(([k, v]) => `  ${k.padEnd(14)} ${v.summary}`).join('\n')}

Examples:
  $ agentmeter record optimization --operation matmul --variants-generated 12 --validated 9 \\
      --validation-failures 3 --promoted 2 --baseline-latency-ms 4.1 --optimized-latency-ms 2.6 \\
      --wallclock-seconds 340 --autotune-samples 96
  $ echo '{"operation":"conv2d","variants_generated":8,"validated":5,"promoted":1,
          "baseline_latency_ms":0,"optimized_latency_ms":3.2,"wallclock_seconds":120}' \\
      | agentmeter record optimization --stdin
  $ RUN=$(agentmeter record run-start --project shop --model deepseek-chat --temperature 0)
  $ TASK=$(agentmeter record task-start --run "$RUN" --key 123 --type bug_fix)
  $ agentmeter exec --agent coding --run "$RUN" --task 123 -- ./code.sh
  $ agentmeter record pipeline --run "$RUN" --parent "$TASK" --id 4259 --status failed --commit abc123
  $ agentmeter record task-end --span "$TASK" --run "$RUN" --status completed
  $ agentmeter record run-end --run "$RUN" --status completed
  $ agentmeter record feedback --span "$TASK" --success --rating 4 --source human

Every *-start form (and pipeline) prints the new id on stdout; pass it to later calls.

Events are written at once (durability "flush") and stamped with the time of the call;
use \`agentmeter import\` for history. Exit codes: 0 recorded, 2 bad flags or input,
4 some stdin records were rejected (the others are recorded).`,
  async run(args, opts, io) {
    const [kind] = args as [string];
    const k = RECORD_KINDS[kind];
    if (!Object.hasOwn(RECORD_KINDS, kind) || !k) throw new UsageError(`unknown record kind ${JSON.stringify(kind)}; one of: ${Object.keys(RECORD_KINDS).join(', ')}`);
    const env = typeof opts['envTag'] === 'string' ? opts['envTag'] : (io.env['AGENTMETER_ENV'] ?? 'dev');
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(env)) throw new UsageError(`--env-tag must be 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(env)}`);
    const dir = resolveStoreDir({ dir: opts['dir'] as string | undefined, env: io.env, cwd: io.cwd });
    const input = opts['stdin'] === true ? await readRecords(io) : undefined;
    return k.run({ opts, input, dir, env, io });
  },
};
