/**
 * OTLP/HTTP protobuf bodies, decoded with the message classes the OpenTelemetry JS project
 * generated from the OTLP `.proto` files (protobufjs static code shipped in
 * `@opentelemetry/otlp-transformer` 0.208), and turned into the OTLP JSON shape the mappers
 * read: ids as hex, 64-bit integers as decimal strings, enums as numbers, other bytes base64.
 * Answers are encoded with the same classes, so an exporter reads them as it expects.
 */
import { createRequire } from 'node:module';

/** The protobufjs static-code surface used here. */
interface MessageClass {
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): Record<string, unknown>;
  fromObject(object: Record<string, unknown>): unknown;
  encode(message: unknown): { finish(): Uint8Array };
}

type Service = { [name: string]: MessageClass };

interface GeneratedRoot {
  opentelemetry: { proto: { collector: { trace: { v1: Service }; logs: { v1: Service }; metrics: { v1: Service } } } };
}

const require = createRequire(import.meta.url);
let root: GeneratedRoot | undefined;
function collector(): GeneratedRoot['opentelemetry']['proto']['collector'] {
  root ??= require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as GeneratedRoot;
  return root.opentelemetry.proto.collector;
}

/** The OTLP signals served. */
export type OtlpSignal = 'traces' | 'logs' | 'metrics';

const NAMES: Record<OtlpSignal, { service: 'trace' | 'logs' | 'metrics'; request: string; response: string }> = {
  traces: { service: 'trace', request: 'ExportTraceServiceRequest', response: 'ExportTraceServiceResponse' },
  logs: { service: 'logs', request: 'ExportLogsServiceRequest', response: 'ExportLogsServiceResponse' },
  metrics: { service: 'metrics', request: 'ExportMetricsServiceRequest', response: 'ExportMetricsServiceResponse' },
};

function messageClass(signal: OtlpSignal, which: 'request' | 'response'): MessageClass {
  const n = NAMES[signal];
  return collector()[n.service].v1[n[which]] as MessageClass;
}

const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** Byte fields as OTLP JSON writes them: ids hex, anything else base64. */
function jsonBytes(v: unknown, key: string): unknown {
  if (v instanceof Uint8Array) return ID_KEYS.has(key) ? Buffer.from(v).toString('hex') : Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map((x) => jsonBytes(x, ''));
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = jsonBytes(o[k], k);
  }
  return v;
}

/** Decode a protobuf request of `signal` into its OTLP JSON shape; throws on malformed bytes. */
export function decodeOtlpProtobuf(signal: OtlpSignal, bytes: Uint8Array): Record<string, unknown> {
  const cls = messageClass(signal, 'request');
  const object = cls.toObject(cls.decode(bytes), { longs: String, enums: Number, arrays: true });
  return jsonBytes(object, '') as Record<string, unknown>;
}

/** Encode an export response (`{}` or `{ partialSuccess }`, as the JSON answer) as protobuf. */
export function encodeOtlpResponse(signal: OtlpSignal, response: Record<string, unknown>): Uint8Array {
  const cls = messageClass(signal, 'response');
  return cls.encode(cls.fromObject(response)).finish();
}
