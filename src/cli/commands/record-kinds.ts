/**
 * The kinds `agentmeter record <kind>` knows: one entry each, with its own flags. Hosts in
 * any language record through the CLI: flags for one record, or JSON on stdin (`--stdin`:
 * one object, an array, or JSON lines) in the seed's field names.
 */
import { parseTimestamp } from '../../model/time.js';
import { createAutomationMetrics } from '../../integrations/automation/automation-metrics.js';
import type { AutomationRecord } from '../../integrations/automation/automation-metrics.js';
import { optimizationFields } from '../../integrations/automation/record-fields.js';
import type { OptionSpec } from '../command.js';
import { OAK_RECORD_KINDS } from './record-oak.js';
import { RECORD_FORMS, checkFormOptions, runRecordForm } from './record-forms.js';
import { EXIT, UsageError } from '../io.js';
import type { Io } from '../io.js';
import { CLI_SEGMENT } from '../../integrations/span-events.js';

/** What a kind's handler gets. */
export interface RecordContext {
  opts: Record<string, unknown>;
  /** Records read from stdin, or undefined when the flags describe one record. */
  input: Record<string, unknown>[] | undefined;
  dir: string;
  env: string;
  io: Io;
}

/** One recordable kind. */
export interface RecordKind {
  summary: string;
  /** Flags of this kind (added to `record`'s options). */
  options: readonly OptionSpec[];
  run(ctx: RecordContext): Promise<number>;
}

/** Flag (camelCase as parsed) → the seed's field name. */
const OPTIMIZATION_FLAGS: readonly [string, string, string][] = [
  ['operation', '--operation <name>', 'operation optimised, e.g. matmul'],
  ['variantsGenerated', '--variants-generated <n>', 'kernel variants generated'],
  ['validated', '--validated <n>', 'variants that passed validation'],
  ['validationFailures', '--validation-failures <n>', 'variants that failed validation'],
  ['promoted', '--promoted <n>', 'variants promoted'],
  ['baselineLatencyMs', '--baseline-latency-ms <ms>', 'baseline latency (0, Infinity or absent: no baseline)'],
  ['optimizedLatencyMs', '--optimized-latency-ms <ms>', 'latency of the best promoted variant'],
  ['wallclockSeconds', '--wallclock-seconds <s>', 'wall-clock time of the session'],
  ['autotuneSamples', '--autotune-samples <n>', 'autotune samples evaluated'],
  ['searchDepth', '--search-depth <n>', 'autotuner search depth'],
  ['wallclockSavedSeconds', '--wallclock-saved-seconds <s>', 'wall-clock saved against the baseline process'],
  ['backend', '--backend <name>', 'backend, e.g. cuda, triton (a name, not a hardware id)'],
];

const SEED_NAME: Record<string, string> = {
  variantsGenerated: 'variants_generated',
  validationFailures: 'validation_failures',
  baselineLatencyMs: 'baseline_latency_ms',
  optimizedLatencyMs: 'optimized_latency_ms',
  wallclockSeconds: 'wallclock_seconds',
  autotuneSamples: 'autotune_samples',
  searchDepth: 'search_depth',
  wallclockSavedSeconds: 'wallclock_saved_seconds',
};

const REQUIRED = ['operation', 'variants_generated', 'validated', 'promoted', 'wallclock_seconds'];

const OPTIMIZATION: RecordKind = {
  summary: 'one optimisation session (the automation-metrics fields: operation, variants_generated …)',
  options: OPTIMIZATION_FLAGS.map(([, flags, description]) => ({ flags, description: `optimization: ${description}` })),
  async run(c) {
    let records = c.input;
    if (records === undefined) {
      const rec: Record<string, unknown> = {};
      for (const [key] of OPTIMIZATION_FLAGS) if (c.opts[key] !== undefined) rec[SEED_NAME[key] ?? key] = c.opts[key];
      const missing = REQUIRED.filter((k) => rec[k] === undefined);
      if (missing.length > 0) throw new UsageError(`record optimization needs ${missing.map((k) => `--${k.replace(/_/g, '-')}`).join(', ')} (or --stdin)`);
      const f = optimizationFields(rec, (s) => s);
      if (f.errors.length > 0) throw new UsageError(f.errors.join('; '));
      records = [rec];
    }
    const dropped = new Set<string>();
    const metrics = createAutomationMetrics({ meterOptions: { dir: c.dir, env: c.env, durability: 'flush', sharedSegment: CLI_SEGMENT }, enabled: true, onDroppedFields: (n) => n.forEach((x) => dropped.add(x)) });
    let recorded = 0;
    const rejected: string[] = [];
    records.forEach((r, i) => {
      const f = optimizationFields(r, (s) => s);
      const missing = REQUIRED.filter((k) => f.attrs[k] === undefined);
      if (f.timestamp !== undefined && f.timestamp !== null && parseTimestamp(f.timestamp) === undefined) f.errors.push(`timestamp ${JSON.stringify(f.timestamp)} is not an ISO time or epoch number`);
      if (f.errors.length > 0 || missing.length > 0) {
        rejected.push(`record ${i + 1}: ${[...f.errors, ...missing.map((k) => `${k} is required`)].join('; ')}`);
        return;
      }
      if (metrics.record(r as unknown as AutomationRecord)) recorded++;
      else rejected.push(`record ${i + 1}: could not be recorded`);
    });
    await metrics.close();
    dropped.delete('timestamp');
    if (dropped.size > 0) c.io.stderr.write(`agentmeter: dropped fields not kept for privacy: ${[...dropped].sort().join(', ')}\n`);
    for (const r of rejected) c.io.stderr.write(`agentmeter: ${r}\n`);
    if (c.opts['json'] === true) c.io.stdout.write(JSON.stringify({ recorded, rejected: rejected.length, dir: c.dir, env: c.env }) + '\n');
    else c.io.stderr.write(`recorded ${recorded} optimisation session${recorded === 1 ? '' : 's'} (env "${c.env}") in ${c.dir}\n`);
    return rejected.length > 0 ? EXIT.dataErrors : EXIT.ok;
  },
};

/** Every `agentmeter record <kind>`. */
export const RECORD_KINDS: Record<string, RecordKind> = {
  optimization: OPTIMIZATION,
  ...OAK_RECORD_KINDS,
  // The shell forms (run-start/-end, task-start/-end, agent-start/-end, pipeline, feedback).
  ...Object.fromEntries(
    RECORD_FORMS.map((f): [string, RecordKind] => [
      f.name,
      {
        summary: f.summary,
        options: f.options,
        run(c) {
          if (c.input !== undefined) throw new UsageError(`record ${f.name} takes flags, not --stdin`);
          checkFormOptions(f, c.opts);
          return Promise.resolve(runRecordForm(f, { ...c.opts, dir: c.dir, env: c.env }, c.io));
        },
      },
    ]),
  ),
};
