import type { BaseAttributes, JsonValue, SpanKind, SpanStatus } from '../model/events.js';
import { SCHEMA_VERSION } from '../model/events.js';
import { cleanJson } from '../model/clean-json.js';
import { uuidv7 } from '../model/ids.js';
import { isoMs } from '../model/time.js';

import type { DiagnosticChannel } from '../model/diagnostics.js';
import type { SegmentWriter } from '../store/index.js';

/** The parts of a span every child inherits and the recorder needs to write its events. */
export interface SpanContext {
  spanId: string;
  runId: string;
  kind: SpanKind;
  /** Grouping attributes children inherit (project, model, provider, temperature, task type). */
  inherited: BaseAttributes;
  /** `inherited` serialised once, without braces, so each event only serialises its own attributes. */
  inheritedJson: string;
  /** Keys of `inherited`, to spot the rare own attribute that overrides one. */
  inheritedKeys: readonly string[];
}

/** What a handle knows of its span, for feedback to carry its target's grouping attributes. */
export interface SpanRefContext {
  ctx: SpanContext;
  name: string;
}

/** A span reference that remembers its context: what `recordPipeline` and `recordOptimization` return. */
export class RecordedSpanRef {
  readonly id: string;
  /** @internal */
  readonly ref: SpanRefContext;

  constructor(ctx: SpanContext, name: string) {
    this.id = ctx.spanId;
    this.ref = { ctx, name };
  }
}

let flatSink = 0;

/**
 * A new span id, flattened now: it goes into every line of its span and of its children, and
 * a string built from pieces would be copied piece by piece into each batch (reading a
 * character makes V8 join the pieces once; the stored result keeps the read from being
 * optimised away).
 */
export function newSpanId(nowMs: number): string {
  const id = uuidv7(nowMs);
  flatSink = id.charCodeAt(flatSink & 1);
  return id;
}

/** Build a span context, serialising its inherited attributes once. */
export function spanContext(spanId: string, runId: string, kind: SpanKind, inherited: BaseAttributes): SpanContext {
  return { spanId, runId, kind, inherited, inheritedJson: JSON.stringify(inherited).slice(1, -1), inheritedKeys: Object.keys(inherited) };
}

/** Text redaction applied to every kept free-text value. */
export type Redactor = (text: string) => string;

/**
 * Writes events for the SDK handles. Lines are built by hand with keys in a fixed order:
 * ids and kinds are known-safe strings, so only names and attributes go through
 * `JSON.stringify` (pino's approach; see bench/record.mjs for the cost against a plain
 * `JSON.stringify` of the same event).
 */
export class Recorder {
  readonly #writer: SegmentWriter;
  readonly #envJson: string;
  readonly env: string;
  readonly diagnostics: DiagnosticChannel;
  readonly redact: Redactor;
  /** Redaction with the shorter limit used for descriptions. */
  readonly redactShort: Redactor;
  #closed = false;

  /** Wall clock, Unix ms. */
  readonly now: () => number;
  /** Clock for durations: monotonic unless a clock was injected. */
  readonly perf: () => number;

  constructor(
    writer: SegmentWriter,
    env: string,
    diagnostics: DiagnosticChannel,
    redact: Redactor,
    redactShort: Redactor,
    clock?: () => number,
  ) {
    this.redactShort = redactShort;
    this.now = clock ?? Date.now;
    this.perf = clock ?? (() => performance.now());
    this.#writer = writer;
    this.env = env;
    this.#envJson = JSON.stringify(env);
    this.diagnostics = diagnostics;
    this.redact = redact;
  }

  get writer(): SegmentWriter {
    return this.#writer;
  }

  /** `attrs`: an object, or its members already as JSON (`ownFragment`), none of them inherited. */
  start(ctx: SpanContext, name: string, parentId: string | null, attrs: BaseAttributes | string, nowMs: number): void {
    const line =
      `{"v":${SCHEMA_VERSION},"id":"${uuidv7(nowMs)}","ts":"${isoMs(nowMs)}","type":"span.start",` +
      `"span_id":"${ctx.spanId}","kind":"${ctx.kind}","name":${JSON.stringify(name)},` +
      `"parent_id":${parentId === null ? 'null' : JSON.stringify(parentId)},"run_id":"${ctx.runId}",` +
      `"env":${this.#envJson},"attrs":${attrsJson(ctx, attrs)}}\n`;
    this.#append(line, nowMs);
  }

  end(ctx: SpanContext, startMs: number, durationMs: number, status: SpanStatus, attrs: BaseAttributes | string, nowMs: number): void {
    const line =
      `{"v":${SCHEMA_VERSION},"id":"${uuidv7(nowMs)}","ts":"${isoMs(nowMs)}","type":"span.end",` +
      `"span_id":"${ctx.spanId}","kind":"${ctx.kind}","run_id":"${ctx.runId}","env":${this.#envJson},` +
      `"start_ts":"${isoMs(startMs)}","duration_ms":${finiteOrNull(durationMs)},` +
      `"status":"${status}","attrs":${typeof attrs === 'string' ? `{${attrs}}` : objectJson(attrs)}}\n`;
    this.#append(line, nowMs);
  }

  complete(
    ctx: SpanContext,
    name: string,
    parentId: string | null,
    startMs: number,
    durationMs: number | null,
    status: SpanStatus,
    attrs: BaseAttributes,
    nowMs: number,
  ): void {
    const line =
      `{"v":${SCHEMA_VERSION},"id":"${uuidv7(nowMs)}","ts":"${isoMs(nowMs)}","type":"span",` +
      `"span_id":"${ctx.spanId}","kind":"${ctx.kind}","name":${JSON.stringify(name)},` +
      `"parent_id":${parentId === null ? 'null' : JSON.stringify(parentId)},"run_id":"${ctx.runId}",` +
      `"env":${this.#envJson},"start_ts":"${isoMs(startMs)}",` +
      `"duration_ms":${durationMs === null ? 'null' : finiteOrNull(durationMs)},"status":"${status}",` +
      `"attrs":${attrsJson(ctx, attrs)}}\n`;
    this.#append(line, nowMs);
  }

  point(ctx: SpanContext, name: string, attrs: BaseAttributes, nowMs: number): void {
    const line =
      `{"v":${SCHEMA_VERSION},"id":"${uuidv7(nowMs)}","ts":"${isoMs(nowMs)}","type":"span.event",` +
      `"span_id":"${ctx.spanId}","run_id":"${ctx.runId}","env":${this.#envJson},` +
      `"name":${JSON.stringify(name)},"attrs":${attrsJson(undefined, attrs)}}\n`;
    this.#append(line, nowMs);
  }

  feedback(
    spanId: string,
    runId: string | null,
    success: boolean | null,
    rating: number | null,
    source: string,
    attrs: BaseAttributes,
    nowMs: number,
  ): void {
    const line =
      `{"v":${SCHEMA_VERSION},"id":"${uuidv7(nowMs)}","ts":"${isoMs(nowMs)}","type":"feedback",` +
      `"span_id":${JSON.stringify(spanId)},"run_id":${runId === null ? 'null' : JSON.stringify(runId)},` +
      `"env":${this.#envJson},"success":${success === null ? 'null' : String(success)},` +
      `"rating":${rating === null ? 'null' : finiteOrNull(rating)},"source":"${source}",` +
      `"attrs":${attrsJson(undefined, attrs)}}\n`;
    this.#append(line, nowMs);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer.close();
  }

  #append(line: string, nowMs: number): void {
    this.#writer.appendLine(line, nowMs);
  }
}

function finiteOrNull(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/**
 * Serialise own attributes after the context's inherited ones. Keys the span sets itself
 * (e.g. an agent overriding the run's model) take the slow path so no key is written twice.
 */
function attrsJson(ctx: SpanContext | undefined, own: BaseAttributes | string): string {
  if (typeof own === 'string') {
    if (!ctx || ctx.inheritedJson === '') return `{${own}}`;
    return own === '' ? `{${ctx.inheritedJson}}` : `{${ctx.inheritedJson},${own}}`;
  }
  const ownJson = objectJson(own);
  if (!ctx || ctx.inheritedJson === '') return ownJson;
  if (ownJson === '{}') return `{${ctx.inheritedJson}}`;
  for (const k of ctx.inheritedKeys) if (own[k] !== undefined) return JSON.stringify({ ...ctx.inherited, ...own });
  return `{${ctx.inheritedJson},${ownJson.slice(1)}`;
}

// What JSON.stringify escapes in a string (well-formed: lone surrogates too).
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const keyJsonCache = new Map<string, string>();
const MAX_CACHED_KEYS = 512;

/** A string as JSON. */
export function stringJson(v: string): string {
  return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
}

/** The `,"key":` text that starts a member: made once per key, outside the hot path. */
export function memberKey(key: string): string {
  return `,${JSON.stringify(key)}:`;
}

/** `,"key":[…]` of the non-empty strings among `list` (each passed through `map`), or `''` if not a list. */
export function stringListMember(keyText: string, list: unknown, map?: Redactor): string {
  if (!Array.isArray(list)) return '';
  let out = '';
  for (const x of list) {
    if (typeof x !== 'string' || x === '') continue;
    out += `${out === '' ? '' : ','}${stringJson(map === undefined ? x : map(x))}`;
  }
  return `${keyText}[${out}]`;
}

function keyJson(k: string): string {
  let j = keyJsonCache.get(k);
  if (j === undefined) {
    j = `${JSON.stringify(k)}:`;
    if (keyJsonCache.size < MAX_CACHED_KEYS) keyJsonCache.set(k, j);
  }
  return j;
}

function valueJson(v: JsonValue | undefined): string | undefined {
  switch (typeof v) {
    case 'string':
      return stringJson(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        // Lists of plain strings (files, tools) are the common case.
        for (const x of v) if (typeof x !== 'string' || NEEDS_ESCAPE.test(x)) return JSON.stringify(v);
        return v.length === 0 ? '[]' : `["${v.join('","')}"]`;
      }
      return JSON.stringify(v);
    }
    default:
      return undefined;
  }
}

/**
 * `JSON.stringify` of an attribute object (same output), about twice as fast for the flat
 * objects the SDK writes: key texts are cached, and plain strings need no escaping pass.
 */
export function objectJson(o: BaseAttributes): string {
  let out = '';
  for (const k in o) {
    const v = valueJson(o[k]);
    if (v === undefined) continue;
    out += `${out === '' ? '{' : ','}${keyJson(k)}${v}`;
  }
  return out === '' ? '{}' : `${out}}`;
}

/** Copy `extra` attributes a caller passed, redacting strings and dropping what is not JSON. */
export function sanitizeExtra(extra: Record<string, unknown> | undefined, redact: Redactor, out: BaseAttributes): boolean {
  if (!extra) return true;
  let clean = true;
  for (const k of Object.keys(extra)) {
    if (k === '__proto__') continue;
    const v = cleanJson(extra[k], redact);
    if (v === undefined) {
      clean = false;
      continue;
    }
    out[k] = v;
  }
  return clean;
}

