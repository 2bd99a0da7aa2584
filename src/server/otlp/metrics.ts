/**
 * `POST /v1/metrics`: OTLP metrics are answered, not stored. agentmeter counts model calls,
 * tokens and durations from spans (`/v1/traces`); the GenAI client metrics
 * (`gen_ai.client.token.usage`, `gen_ai.client.operation.duration`) describe the same calls,
 * so storing them as well would count every call twice. Every data point is reported as
 * rejected in a 200 answer (`partialSuccess`), which exporters do not retry, with a message
 * that says where to send what (docs/server.md, "OTLP metrics").
 */
import type { OtlpMapOptions, OtlpMapResult } from '../otlp-map.js';
import { isObj } from '../otlp-map.js';

const POINT_KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

/** Why metrics are not stored, as the answer says it. */
export const METRICS_NOT_STORED = 'metrics are not stored: agentmeter reads model calls, tokens and durations from spans; export traces to /v1/traces (docs/server.md, "OTLP metrics")';

/** One rejection per data point of an `ExportMetricsServiceRequest`, named by its metric. */
export function mapOtlpMetrics(body: unknown, _opts: OtlpMapOptions): OtlpMapResult {
  const out: OtlpMapResult = { events: [], rejected: [] };
  const resourceMetrics = isObj(body) ? body['resourceMetrics'] : undefined;
  if (!Array.isArray(resourceMetrics)) return out;
  for (const rm of resourceMetrics) {
    const scopes = isObj(rm) ? rm['scopeMetrics'] : undefined;
    if (!Array.isArray(scopes)) continue;
    for (const sm of scopes) {
      const metrics = isObj(sm) ? sm['metrics'] : undefined;
      if (!Array.isArray(metrics)) continue;
      for (const m of metrics) {
        if (!isObj(m)) continue;
        const name = typeof m['name'] === 'string' ? m['name'] : '?';
        for (const k of POINT_KINDS) {
          const data = m[k];
          const points = isObj(data) ? data['dataPoints'] : undefined;
          if (Array.isArray(points)) for (let i = 0; i < points.length; i++) out.rejected.push({ span: name, error: METRICS_NOT_STORED });
        }
      }
    }
  }
  return out;
}
