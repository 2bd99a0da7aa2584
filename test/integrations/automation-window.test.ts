import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { importAutomationMetrics } from '../../src/integrations/automation/import.js';
import { DirectorySource, PostgresSource } from '../../src/query/index.js';
import { PostgresSink, migrate, openPool, parsePostgresUrl } from '../../src/sinks/postgres/index.js';
import { syncStore } from '../../src/sinks/index.js';
import { describePg, useSchema } from '../sinks/pg-helpers.js';

const SINCE = Date.parse('2026-11-24T00:00:00Z');
const UNTIL = Date.parse('2026-12-01T00:00:00Z');
const rec = (operation: string, timestamp: string, wallclock: number) =>
  JSON.stringify({ operation, variants_generated: 2, validated: 1, promoted: 1, baseline_latency_ms: 2, optimized_latency_ms: 1, wallclock_seconds: wallclock, timestamp });

describePg('report automation places a session by its timestamp (the seed\'s --since), in both stores', () => {
  const schema = useSchema();
  const dir = mkdtempSync(join(tmpdir(), 'agentmeter-autowin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a session that started before --since and ended after it is in the window; one that ends after --until is not', async () => {
    const file = join(dir, 'automation_metrics.jsonl');
    writeFileSync(file, [
      rec('straddles-since', '2026-11-24T00:30:00Z', 7200), // started 2026-11-23 22:30
      rec('inside', '2026-11-26T12:00:00Z', 60),
      rec('straddles-until', '2026-12-01T00:10:00Z', 3600), // started before --until, ended after
      rec('previous-window', '2026-11-20T08:00:00Z', 60),
    ].join('\n') + '\n');
    const store = join(dir, 'store');
    await importAutomationMetrics({ from: file, dir: store, env: 'prod', onDiagnostic: () => {} });
    const local = (await new DirectorySource(store).automation({ sinceMs: SINCE, untilMs: UNTIL, nowMs: UNTIL, envs: ['prod'] })).summary;
    expect(local.by_operation.map((o) => o.operation).sort()).toEqual(['inside', 'straddles-since']);
    expect(local.previous.sessions).toBe(1);

    const target = parsePostgresUrl(schema.url);
    const pool = await openPool(target);
    await migrate(pool);
    await pool.end();
    const sink = new PostgresSink(target);
    const r = await syncStore({ root: store, sink, sinkId: 'autowin', destination: 'autowin' });
    await sink.shutdown();
    expect(r.ok).toBe(true);
    const pg = (await new PostgresSource(schema.url).automation({ sinceMs: SINCE, untilMs: UNTIL, nowMs: UNTIL, envs: ['prod'] })).summary;
    expect(pg.by_operation.map((o) => o.operation).sort()).toEqual(['inside', 'straddles-since']);
    expect(pg.previous.sessions).toBe(1);
    expect(pg.current.sessions).toBe(local.current.sessions);
  });
});
