// In-process timing of computeReport (what `agentmeter report` runs), for bench/since.mjs and
// for machines without /usr/bin/time.
// Usage: node bench/runners/report-runner.mjs <dir> <sinceMs> <untilMs> [no-cache]
// Prints one JSON line: { ms, runs, agents } on stdout and { maxRssKb } on stderr.
const [dir, since, until, cache] = process.argv.slice(2);
const { computeReport } = await import('../../dist/cli/commands/report.js');
const t = performance.now();
const report = await computeReport(dir, {
  sinceMs: Number(since),
  untilMs: Number(until),
  envs: 'all',
  nowMs: Number(until),
  ...(cache === 'no-cache' ? { cache: false } : {}),
});
const ms = performance.now() - t;
console.log(JSON.stringify({ ms, runs: report.runs.total, agents: report.agents?.total }));
console.error(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
