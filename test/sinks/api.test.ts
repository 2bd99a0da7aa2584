import { expect, it } from 'vitest';
import * as sinks from '../../src/sinks/index.js';
import * as postgres from '../../src/sinks/postgres/index.js';
import * as otlp from '../../src/sinks/otlp/index.js';

// Pins the public surfaces of agentmeter/sinks, agentmeter/postgres and agentmeter/otlp.
it('agentmeter/sinks exports exactly these names', () => {
  expect(Object.keys(sinks).sort()).toEqual(['CURSORS_DIR', 'cursorPath', 'emptyCursor', 'loadCursor', 'saveCursor', 'sinkId', 'syncStore']);
});

it('agentmeter/postgres exports exactly these names', () => {
  expect(Object.keys(postgres).sort()).toEqual([
    'LATEST_VERSION',
    'MIGRATIONS',
    'PostgresSink',
    'dropPartitionsBefore',
    'isPostgresUrl',
    'listDayPartitions',
    'listSetAside',
    'migrate',
    'migrationStatus',
    'openPool',
    'parsePostgresUrl',
    'queryAgentAggregates',
    'queryAutomationAggregates',
    'queryOrchestratorAggregates',
    'queryReportAggregates',
    'querySpans',
    'redactUrl',
  ]);
});

it('agentmeter/otlp exports exactly these names', () => {
  expect(Object.keys(otlp).sort()).toEqual([
    'OTLP_SCOPE',
    'OtlpHttpSink',
    'feedbackToOtlp',
    'feedbackToOtlpLogs',
    'nanos',
    'otlpSpanName',
    'otlpValue',
    'parseRetryAfter',
    'spanIdOf',
    'spanToOtlp',
    'spansToOtlp',
    'traceIdOf',
  ]);
});
