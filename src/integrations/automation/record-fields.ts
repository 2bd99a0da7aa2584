/**
 * The automation-metrics seed's record (docs/automation.md) mapped onto an optimisation span.
 * Shared by the CLI `record optimization`, the `AutomationMetrics` facade and the importer,
 * so one record means the same wherever it comes from.
 *
 * Privacy (the seed's own rule): raw prompts and hardware fingerprints are never kept. Only
 * the fields below are; anything else in a record is dropped and its name reported.
 */
import type { BaseAttributes } from '../../model/events.js';

/** Numeric fields, seed name → attribute (the same names). The first seven are required by the seed. */
export const NUMBER_FIELDS = [
  'variants_generated',
  'validated',
  'promoted',
  'baseline_latency_ms',
  'optimized_latency_ms',
  'wallclock_seconds',
  'validation_failures',
  'autotune_samples',
  'search_depth',
  'wallclock_saved_seconds',
  // Calls of the operation the optimised kernel serves: with both latencies, the wall-clock
  // time saved is derivable when the host does not report it (docs/automation.md).
  'calls',
] as const;

/** Text fields kept: high-level names only (an operation, a backend, a device model). */
export const TEXT_FIELDS = ['operation', 'backend', 'device', 'model', 'kernel', 'status', 'session_id'] as const;

/** The seed's acceptance-criteria fields, in its order: always written by the exporter. */
export const SEED_FIELDS = ['operation', 'variants_generated', 'validated', 'promoted', 'baseline_latency_ms', 'optimized_latency_ms', 'wallclock_seconds', 'timestamp'] as const;

/** Aliases seen in hosts for the same numbers. */
const ALIASES: Record<string, (typeof NUMBER_FIELDS)[number]> = {
  validation_failed: 'validation_failures',
  failed_validation: 'validation_failures',
  samples_evaluated: 'autotune_samples',
  autotune_samples_evaluated: 'autotune_samples',
  invocations: 'calls',
  call_count: 'calls',
};

// Hardware identifiers a device string may carry beside its model name (the seed keeps
// "high-level model names" only): GPU and other UUIDs, PCI bus ids, MAC addresses, serials.
const HARDWARE_IDS = [
  /\bGPU-[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b/gi,
  /\bMIG-[0-9a-f-]{8,}\b/gi,
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi,
  /\b(?:[0-9a-f]{4,8}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]\b/gi,
  /\b(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}\b/gi,
  /\b(?:uuid|serial(?:\s*number)?|s\/n|sn|bus(?:[ _-]?id)?|pci)\b\s*[:=#]?\s*[^\s)\]},;]*/gi,
];

/**
 * A device string reduced to its model name: hardware identifiers removed (and what is left of
 * their brackets), so `NVIDIA A100-SXM4-40GB (UUID: GPU-5fb7…)` keeps `NVIDIA A100-SXM4-40GB`.
 * Returns whether anything was removed.
 */
export function deviceModelName(device: string): { name: string; removed: boolean } {
  let out = device;
  for (const re of HARDWARE_IDS) out = out.replace(re, ' ');
  out = out.replace(/[([{]\s*[,;:]?\s*[)\]}]/g, ' ').replace(/\s*[,;]\s*(?=$|[)\]}])/g, '').replace(/\s+/g, ' ').trim();
  return { name: out, removed: out !== device.replace(/\s+/g, ' ').trim() };
}

/** A record, checked: attributes to keep, what was wrong, what was dropped. */
export interface OptimizationFields {
  attrs: BaseAttributes;
  operation: string;
  /** Given `timestamp`, when present (ISO, epoch seconds or ms). */
  timestamp: unknown;
  /** Field names refused for privacy or unknown. */
  dropped: string[];
  /** Problems that make the record unusable (missing operation, non-numeric counts). */
  errors: string[];
}

function toNumber(v: unknown): number | null | undefined {
  if (v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const t = v.trim();
    if (/^-?inf(inity)?$/i.test(t) || /^nan$/i.test(t)) return null;
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/**
 * Check and map one record in the seed's field names.
 *
 * @example
 * optimizationFields({ operation: 'matmul', variants_generated: 12, validated: 9, promoted: 2, wallclock_seconds: 340 })
 */
export function optimizationFields(rec: Record<string, unknown>, redact: (s: string) => string): OptimizationFields {
  const attrs: BaseAttributes = {};
  const dropped: string[] = [];
  const errors: string[] = [];
  for (const [rawKey, v] of Object.entries(rec)) {
    // `timestamp` and `env` are the record's place in time and its environment, not metrics.
    if (rawKey === '__proto__' || rawKey === 'timestamp' || rawKey === 'env') continue;
    const key = ALIASES[rawKey] ?? rawKey;
    if ((NUMBER_FIELDS as readonly string[]).includes(key)) {
      const n = toNumber(v);
      if (n === undefined) errors.push(`${rawKey} must be a number, got ${JSON.stringify(v)}`);
      else if (n !== null && n < 0) errors.push(`${rawKey} must not be negative, got ${n}`);
      else attrs[key] = n;
    } else if ((TEXT_FIELDS as readonly string[]).includes(key)) {
      if (typeof v !== 'string' || v === '') continue;
      if (key === 'device') {
        const d = deviceModelName(v.slice(0, 200));
        if (d.removed) dropped.push('device (hardware identifier)');
        if (d.name !== '') attrs[key] = redact(d.name);
      } else attrs[key] = redact(v.slice(0, 200));
    } else dropped.push(rawKey);
  }
  const operation = typeof attrs['operation'] === 'string' ? attrs['operation'] : '';
  if (operation === '') errors.push('operation is required');
  return { attrs, operation, timestamp: rec['timestamp'], dropped, errors };
}
