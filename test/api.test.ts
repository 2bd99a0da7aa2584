import { describe, expect, it } from 'vitest';
import * as sdk from '../src/sdk/index.js';
import * as model from '../src/model/index.js';
import pkg from '../package.json' with { type: 'json' };

// Pins the runtime exports of the public entry points: a change here is an API change and
// must show in the diff. (store and analytics pin theirs in their own folders.)
describe('public API', () => {
  it('agentmeter (the SDK) exports exactly createMeter', () => {
    expect(Object.keys(sdk).sort()).toEqual(['createMeter']);
  });

  it('agentmeter/model exports exactly these names', () => {
    expect(Object.keys(model).sort()).toEqual([
      'ATTRIBUTE_TYPES',
      'AgentmeterError',
      'DEFAULT_EXCLUDED_ENVS',
      'DEFAULT_OPEN_TIMEOUT_MS',
      'DETAIL_KEYS',
      'DETAIL_KEYS_OF',
      'DETAIL_KINDS',
      'DiagnosticChannel',
      'FEEDBACK_SOURCES',
      'MAX_DEPTH',
      'OPTIONAL_PACKAGES',
      'SCHEMA_VERSION',
      'SPAN_KINDS',
      'SPAN_STATUSES',
      'SUMMARY_NUMBER_KEYS',
      'SUMMARY_PROFILE_KEYS',
      'SUMMARY_SIGNATURE',
      'SUMS',
      'SpanFolder',
      'createRedactor',
      'decodeLine',
      'encodeLine',
      'envPredicate',
      'envSelected',
      'exceedsDepth',
      'feedbackFromEvent',
      'hashId',
      'isUuid',
      'loadOptional',
      'mergeAttrs',
      'missingDependency',
      'normalizeStatus',
      'parseDurationMs',
      'parseSince',
      'parseTimestamp',
      'pipelineResult',
      'readAtPath',
      'redactText',
      'setAtPath',
      'startOfUtcDay',
      'stderrListener',
      'stringifyFinite',
      'sumDef',
      'summaryProfile',
      'sumsOf',
      'toIso',
      'utcDay',
      'uuidv7',
      'uuidv7Time',
      'validateEvent',
    ]);
  });

  it('package.json maps each subpath to a built file', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual([
      '.',
      './analytics',
      './compat',
      './model',
      './otlp',
      './package.json',
      './postgres',
      './schema/event.schema.json',
      './server',
      './sinks',
      './store',
    ]);
    expect(pkg.bin.agentmeter).toBe('dist/cli/bin.js');
  });
});
