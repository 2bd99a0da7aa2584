/**
 * The automation-metrics recorder for hosts in Node: one call per optimisation session, in
 * the seed's field names, over the SDK's `recordOptimization`. Disabled (`enabled: false` or
 * `AGENTMETER_AUTOMATION_METRICS=0`) it is a no-op object, so the pipeline pays nothing.
 */
import { createMeter } from '../../sdk/index.js';
import type { Meter, MeterOptions, StatusInput } from '../../sdk/index.js';
import { createRedactor } from '../../model/redact.js';
import { parseTimestamp } from '../../model/time.js';
import { optimizationFields } from './record-fields.js';

/** One session in the seed's field names. */
export interface AutomationRecord {
  operation: string;
  variants_generated: number;
  validated: number;
  promoted: number;
  baseline_latency_ms?: number | null;
  optimized_latency_ms?: number | null;
  wallclock_seconds: number;
  validation_failures?: number;
  autotune_samples?: number;
  search_depth?: number;
  wallclock_saved_seconds?: number;
  /** Calls of the operation the kernel serves (derives the wall-clock time saved). */
  calls?: number;
  backend?: string;
  device?: string;
  status?: string;
  /**
   * When the session ended (ISO, epoch seconds or ms), as the seed's records carry it. Default:
   * now. Honoured when the recorder made its own meter; a shared meter stamps its own clock.
   */
  timestamp?: string | number;
}

/** Options of `AutomationMetrics`. */
export interface AutomationMetricsOptions {
  /** Default: true unless `AGENTMETER_AUTOMATION_METRICS=0`. */
  enabled?: boolean;
  meter?: Meter;
  meterOptions?: MeterOptions;
  /** Receives the names of fields dropped for privacy (prompts, hardware fingerprints …). */
  onDroppedFields?: (names: string[]) => void;
}

const redact = createRedactor({});

/** Records optimisation sessions. */
export interface AutomationRecorder {
  /** Record one finished session; never throws. Returns whether it was recorded. */
  record(r: AutomationRecord): boolean;
  close(): Promise<void>;
}

class NoopRecorder implements AutomationRecorder {
  record(): boolean {
    return false;
  }

  async close(): Promise<void> {}
}

class MeterRecorder implements AutomationRecorder {
  readonly #meter: Meter;
  readonly #own: boolean;
  readonly #onDropped: ((names: string[]) => void) | undefined;
  /** Set while recording a record that carries its own `timestamp` (read by the meter's clock). */
  readonly #at: { ms: number | undefined };

  constructor(meter: Meter, own: boolean, onDropped: ((names: string[]) => void) | undefined, at: { ms: number | undefined }) {
    this.#meter = meter;
    this.#own = own;
    this.#onDropped = onDropped;
    this.#at = at;
  }

  record(r: AutomationRecord): boolean {
    try {
      const f = optimizationFields(r as unknown as Record<string, unknown>, redact);
      this.#at.ms = f.timestamp !== undefined && f.timestamp !== null ? parseTimestamp(f.timestamp) : undefined;
      // A session at an unknown time is not recorded at a made-up one.
      if (f.timestamp !== undefined && f.timestamp !== null && this.#at.ms === undefined) return false;
      if (f.dropped.length > 0) this.#onDropped?.(f.dropped);
      const a = f.attrs;
      const n = (k: string): number | null => (typeof a[k] === 'number' ? a[k] : null);
      const extra: Record<string, unknown> = {};
      for (const k of ['wallclock_saved_seconds', 'calls', 'backend', 'device', 'model', 'kernel', 'session_id']) if (a[k] !== undefined) extra[k] = a[k];
      this.#meter.recordOptimization({
        operation: f.operation || 'unknown',
        variantsGenerated: n('variants_generated') as number,
        validated: n('validated') as number,
        promoted: n('promoted') as number,
        baselineLatencyMs: n('baseline_latency_ms'),
        optimizedLatencyMs: n('optimized_latency_ms'),
        wallclockSeconds: n('wallclock_seconds') as number,
        ...(n('autotune_samples') !== null ? { autotuneSamples: n('autotune_samples') as number } : {}),
        ...(n('validation_failures') !== null ? { validationFailures: n('validation_failures') as number } : {}),
        ...(n('search_depth') !== null ? { searchDepth: n('search_depth') as number } : {}),
        ...(typeof a['status'] === 'string' ? { status: a['status'] as StatusInput } : {}),
        attrs: extra,
      });
      return f.errors.length === 0;
    } catch {
      return false;
    } finally {
      this.#at.ms = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.#own) await this.#meter.close();
    else this.#meter.flush();
  }
}

/**
 * Create the recorder.
 *
 * @example
 * import { createAutomationMetrics } from 'agentmeter/compat';
 * const metrics = createAutomationMetrics({ meterOptions: { env: 'prod' } });
 * metrics.record({ operation: 'matmul', variants_generated: 12, validated: 9, promoted: 2,
 *   baseline_latency_ms: 4.1, optimized_latency_ms: 2.6, wallclock_seconds: 340, autotune_samples: 96 });
 * await metrics.close();
 */
export function createAutomationMetrics(o: AutomationMetricsOptions = {}): AutomationRecorder {
  const enabled = o.enabled ?? process.env['AGENTMETER_AUTOMATION_METRICS'] !== '0';
  if (!enabled) return new NoopRecorder();
  // A record's own `timestamp` (batches sent later, history replayed) is the session's end:
  // the meter's clock reads it while that record is recorded.
  const at: { ms: number | undefined } = { ms: undefined };
  const base = o.meterOptions?.clock ?? Date.now;
  const meter = o.meter ?? createMeter({ ...o.meterOptions, clock: () => at.ms ?? base() });
  return new MeterRecorder(meter, o.meter === undefined, o.onDroppedFields, at);
}
