// Runs every benchmark in sequence (`npm run bench` builds first). Each prints its own tables
// and keeps its figures in bench/.data/results/<name>.json.
//   node bench/run-all.mjs [--quick]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_DIR, machine, requireBuild } from './lib.mjs';

requireBuild();
const m = machine();
console.log(`agentmeter benchmarks, ${m.date}: ${m.cores} × ${m.model}, Node ${m.node}\n`);
const extra = process.argv.slice(2);
const failed = [];
// postgres-sync needs the local PostgreSQL (bench/postgres-sync.mjs --url to point elsewhere).
for (const name of ['record', 'writer-policy', 'report', 'since', 'automation-overhead', 'insights', 'dashboard', 'hook-startup', 'ingest-load', 'otlp-ingest', 'postgres-sync']) {
  console.log(`\n=== bench/${name}.mjs ===\n`);
  const t = Date.now();
  const r = spawnSync(process.execPath, [join(BENCH_DIR, `${name}.mjs`), ...extra], { stdio: 'inherit' });
  console.log(`\n(${name}: ${((Date.now() - t) / 1000).toFixed(0)} s)`);
  if (r.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
