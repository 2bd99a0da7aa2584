import { describe, expect, it } from 'vitest';
import type { SpanKind } from '../../src/model/index.js';
import { FEEDBACK_SOURCES, SCHEMA_VERSION, SPAN_KINDS, decodeLine, mergeAttrs, validateEvent } from '../../src/model/index.js';

const TS = '2025-01-08T12:00:00.000Z';
const envelope = (id: string) => ({ v: SCHEMA_VERSION, id, ts: TS });
const identity = { span_id: '0194a0b8-0000-7000-8000-000000000002', run_id: '0194a0b8-0000-7000-8000-000000000001', env: 'test' };

/** Typical attributes of each kind, as the SDK and the seeds write them. */
const ATTRS: Record<SpanKind, Record<string, unknown>> = {
  run: {
    project: '168',
    'gen_ai.provider.name': 'deepseek',
    'gen_ai.request.model': 'deepseek-chat',
    'gen_ai.request.temperature': 0,
    mode: 'implement_all',
    tags: { team: 'core' },
    'run.key': 'run_20241203_143022_project_168',
  },
  task: { 'task.key': '123', 'task.type': 'bug_fix', issue_iid: 123 },
  agent: {
    'gen_ai.agent.name': 'frontend-developer',
    'agent.type': 'development',
    'agent.attempt': 1,
    'gen_ai.usage.input_tokens': 1200,
    'gen_ai.usage.output_tokens': null,
    cost_usd: 0.012,
    files_modified: ['src/Settings.tsx'],
    tools_used: ['Read', 'Edit'],
    state_features: { codebase: { languages: ['TypeScript'] } },
  },
  pipeline: {
    'cicd.pipeline.run.id': '4259',
    'cicd.pipeline.result': 'failure',
    'vcs.ref.head.revision': 'abc123',
    'pipeline.attempt': 1,
  },
  debug: { 'gen_ai.agent.name': 'testing', 'error.type': 'test_failure', 'error.message': '3 tests failed', 'debug.attempts': 2, 'debug.resolved': true },
  optimization: {
    operation: 'matmul',
    variants_generated: 12,
    validated: 9,
    promoted: 1,
    validation_failures: 3,
    autotune_samples: 240,
    search_depth: 3,
    baseline_latency_ms: 4.2,
    optimized_latency_ms: null,
    wallclock_seconds: 81.5,
  },
  workflow: { 'workflow.agent_plan': ['planning', 'coding'], 'workflow.agents_executed': ['planning'] },
  tool: { 'gen_ai.tool.name': 'Bash', 'gen_ai.tool.call.id': 'toolu_01' },
  llm: { 'gen_ai.response.model': 'gpt-4o-2024-08-06', 'gen_ai.usage.input_tokens': 10, cost_usd: null },
};

const start = (kind: SpanKind, attrs: Record<string, unknown> = ATTRS[kind]) => ({
  ...envelope('0194a0b8-0000-7000-8000-00000000000a'),
  type: 'span.start',
  ...identity,
  kind,
  name: `${kind} one`,
  parent_id: kind === 'run' ? null : identity.run_id,
  attrs,
});
const end = (kind: SpanKind) => ({
  ...envelope('0194a0b8-0000-7000-8000-00000000000b'),
  type: 'span.end',
  ...identity,
  kind,
  start_ts: TS,
  duration_ms: 1234.5,
  status: 'success',
  attrs: ATTRS[kind],
});
const complete = (kind: SpanKind) => ({
  ...end(kind),
  type: 'span',
  name: `${kind} one`,
  parent_id: null,
});
const point = {
  ...envelope('0194a0b8-0000-7000-8000-00000000000c'),
  type: 'span.event',
  ...identity,
  name: 'debug.attempt',
  attrs: { attempt: 1 },
};
const feedback = {
  ...envelope('0194a0b8-0000-7000-8000-00000000000d'),
  type: 'feedback',
  span_id: identity.span_id,
  run_id: null,
  env: 'test',
  success: true,
  rating: 4,
  source: 'human',
  attrs: { 'feedback.notes': 'Works well', would_use_again: true, 'target.kind': 'agent' },
};

function errorOf(value: unknown): string {
  const r = validateEvent(value);
  if (r.ok) throw new Error('expected a validation error');
  return r.error;
}

describe('validateEvent: valid events', () => {
  it.each(SPAN_KINDS.map((k) => [k]))('span.start, span.end and span of kind %s', (kind) => {
    for (const e of [start(kind), end(kind), complete(kind)]) {
      const r = validateEvent(e);
      expect(r, JSON.stringify(r)).toEqual({ ok: true, event: e });
    }
  });

  it('span.event and feedback (every source)', () => {
    expect(validateEvent(point).ok).toBe(true);
    for (const source of FEEDBACK_SOURCES) expect(validateEvent({ ...feedback, source }).ok).toBe(true);
    expect(validateEvent({ ...feedback, success: null, rating: null, run_id: identity.run_id }).ok).toBe(true);
  });

  it('older schema versions are accepted', () => {
    expect(validateEvent({ ...start('run'), v: 0 }).ok).toBe(true);
  });
});

describe('validateEvent: errors name what is wrong', () => {
  it('names the failing attribute', () => {
    const e = start('optimization', { ...ATTRS.optimization, variants_generated: 'twelve' });
    expect(errorOf(e)).toBe('span.start:optimization /attrs/variants_generated must be number,null');
  });

  it('names a missing or mistyped envelope field', () => {
    const noId: Record<string, unknown> = { ...start('agent') };
    delete noId['id'];
    expect(errorOf(noId)).toMatch(/^span\.start:agent .*id/);
    expect(errorOf({ ...end('pipeline'), duration_ms: '5' })).toMatch(/\/duration_ms must be number,null/);
  });

  it('lists the allowed statuses and sources', () => {
    expect(errorOf({ ...end('pipeline'), status: 'passed' })).toBe(
      'span.end:pipeline /status must be equal to one of the allowed values (success, failure, partial, unknown, skipped, cancelled)',
    );
    expect(errorOf({ ...feedback, source: 'oracle' })).toMatch(/^feedback \/source must be equal to one of the allowed values \(human, /);
  });

  it('unknown kind and unknown type', () => {
    expect(errorOf(start('bogus' as SpanKind))).toBe('unknown span kind "bogus"');
    expect(errorOf({ ...point, type: 'span.bogus' })).toBe('unknown event type "span.bogus"');
    expect(errorOf({ ...point, type: 42 })).toBe('missing string field "type"');
  });

  it('refuses a newer schema version', () => {
    expect(errorOf({ ...start('run'), v: SCHEMA_VERSION + 1 })).toBe(
      `schema version ${SCHEMA_VERSION + 1} is newer than this reader (${SCHEMA_VERSION}); upgrade agentmeter`,
    );
  });

  it('refuses an additional top-level property and names it', () => {
    expect(errorOf({ ...start('run'), prompt: 'secret prompt text' })).toBe(
      'span.start:run must NOT have additional properties (prompt)',
    );
  });

  it('refuses what is not an object', () => {
    for (const v of [null, 42, 'x', [start('run')]]) expect(errorOf(v)).toBe('event must be a JSON object');
  });
});

describe('prototype pollution', () => {
  it('a parsed __proto__ key in attrs does not reach Object.prototype through validation and mergeAttrs', () => {
    const line = JSON.stringify(start('agent', { x: 1 })).replace('"attrs":{', '"attrs":{"__proto__":{"polluted":"yes"},');
    const decodedLine = decodeLine(line);
    if (!decodedLine.ok) throw new Error(decodedLine.error);
    const r = validateEvent(decodedLine.value);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const merged = mergeAttrs(r.event.attrs, { y: 2 });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(merged).toEqual({ x: 1, y: 2 });
    expect((merged as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('a top-level __proto__ key is an additional property', () => {
    const line = JSON.stringify(start('run')).replace('{', '{"__proto__":{"polluted":"yes"},');
    const d = decodeLine(line);
    if (!d.ok) throw new Error(d.error);
    expect(validateEvent(d.value).ok).toBe(false);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('what every store and sink can hold', () => {
  it('refuses timestamps before 1970 or past 9999 (their day folders would be invisible to readers)', () => {
    for (const ts of ['0050-03-01T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '+010000-01-01T00:00:00.000Z']) {
      expect(errorOf({ ...start('run'), ts })).toMatch(/^span.start:run \/ts is (before 1970|outside the accepted range)/);
    }
    expect(errorOf({ ...end('run'), start_ts: '0099-12-31T00:00:00.000Z' })).toMatch(/\/start_ts is before 1970/);
    expect(validateEvent({ ...start('run'), ts: '1970-01-01T00:00:00.000Z' }).ok).toBe(true);
    expect(validateEvent({ ...start('run'), ts: '9999-12-31T23:59:59.999Z' }).ok).toBe(true);
  });

  it('refuses a negative duration', () => {
    expect(errorOf({ ...complete('tool'), duration_ms: -5 })).toBe('span:tool /duration_ms must not be negative, got -5');
    expect(validateEvent({ ...complete('tool'), duration_ms: 0 }).ok).toBe(true);
  });

  it('refuses a version that is not a whole number from 0 up (PostgreSQL keeps it in a smallint)', () => {
    expect(errorOf({ ...start('run'), v: -70_000 })).toBe('span.start:run /v must be a schema version from 0 to 1, got -70000');
    expect(errorOf({ ...start('run'), v: 0.5 })).toMatch(/\/v must be a schema version/);
  });
});

describe('decodeLine', () => {
  it('reads a line behind a UTF-8 byte order mark', () => {
    const d = decodeLine(`\ufeff${JSON.stringify(start('run'))}`);
    expect(d.ok && validateEvent(d.value).ok).toBe(true);
  });
});
