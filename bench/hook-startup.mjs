// Cost of one `agentmeter hook` process (a real payload on stdin, events written) against a
// bare `node -e ''` start, interleaved in the same run so machine load hits all alike.
// Target: at most 1.5× (the hook runs on every sub-agent launch and every turn's end).
//
// Rows: the bin called directly; the two commands `init claude-code` registers, run as
// Claude Code runs them (through `sh -c`, from a project where agentmeter is installed in
// node_modules, or with agentmeter on PATH); `npx --no-install` for comparison; and a
// 200 KiB PostToolUse, read to the end of its pipe. Bare node through `sh -c` is printed too,
// so the shell's own share is visible.
//   node bench/hook-startup.mjs [--quick]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { CLI, REPO_DIR, fmt, median, requireBuild, saveResult, table, verdict } from './lib.mjs';

requireBuild();
const rounds = process.argv.includes('--quick') ? 15 : 40;
const dir = mkdtempSync(join(tmpdir(), 'am-hook-bench-'));
// A project with agentmeter installed as npm would: package in node_modules, bin linked.
const project = join(dir, 'project');
mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
symlinkSync(REPO_DIR, join(project, 'node_modules', 'agentmeter'));
symlinkSync('../agentmeter/dist/cli/bin.js', join(project, 'node_modules', '.bin', 'agentmeter'));
const binDir = join(dir, 'bin');
mkdirSync(binDir);
symlinkSync(CLI, join(binDir, 'agentmeter'));

const base = { session_id: 'bench-session', transcript_path: '/tmp/t.jsonl', cwd: project, permission_mode: 'default' };
const input = { description: 'Review the diff', prompt: 'Review the staged changes', subagent_type: 'code-reviewer' };
const pre = JSON.stringify({ ...base, hook_event_name: 'PreToolUse', tool_name: 'Task', tool_use_id: 'toolu_bench', tool_input: input });
const bigPost = JSON.stringify({
  ...base, hook_event_name: 'PostToolUse', tool_name: 'Task', tool_use_id: 'toolu_bench', tool_input: input, duration_ms: 610,
  tool_response: { status: 'completed', agentId: 'a1', resolvedModel: 'claude-haiku-4-5', content: [{ type: 'text', text: 'x'.repeat(200 * 1024) }], totalDurationMs: 640, totalTokens: 1500, totalToolUseCount: 3, usage: { input_tokens: 1200, output_tokens: 300 } },
});

const env = { ...process.env, AGENTMETER_DIR: join(dir, 'store'), CLAUDE_PROJECT_DIR: project, PATH: [binDir, dirname(process.execPath), process.env.PATH ?? ''].join(delimiter) };

function time(cmd, args, input) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { input, cwd: project, stdio: ['pipe', 'ignore', 'pipe'], env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const variants = [
  { label: "node -e ''", run: () => time(process.execPath, ['-e', ''], '') },
  { label: "sh -c \"node -e ''\"", run: () => time('/bin/sh', ['-c', "node -e ''"], '') },
  { label: 'node dist/cli/bin.js hook (PreToolUse Task)', run: () => time(process.execPath, [CLI, 'hook'], pre), target: true },
  { label: 'sh -c \'"$CLAUDE_PROJECT_DIR"/node_modules/.bin/agentmeter hook\'', run: () => time('/bin/sh', ['-c', '"$CLAUDE_PROJECT_DIR"/node_modules/.bin/agentmeter hook'], pre), target: true },
  { label: "sh -c 'agentmeter hook' (on PATH)", run: () => time('/bin/sh', ['-c', 'agentmeter hook'], pre), target: true },
  { label: "sh -c 'npx --no-install agentmeter hook'", run: () => time('/bin/sh', ['-c', 'npx --no-install agentmeter hook'], pre) },
  { label: 'node dist/cli/bin.js hook (200 KiB PostToolUse)', run: () => time(process.execPath, [CLI, 'hook'], bigPost), target: true },
];

const samples = variants.map(() => []);
for (const v of variants) v.run();
for (let i = 0; i < rounds; i++) variants.forEach((v, j) => samples[j].push(v.run()));
rmSync(dir, { recursive: true, force: true });
const bare = median(samples[0]);
const rows = variants.map((v, j) => {
  const m = median(samples[j]);
  return [v.label, fmt.ms(m), fmt.ratio(m / bare), v.target ? verdict(m / bare, 1.5) : ''];
});
console.log(`agentmeter hook vs bare node, median of ${rounds} interleaved runs each\n`);
console.log(table(['process', 'median ms', 'ratio', 'target ≤ 1.5×'], rows));
saveResult('hook-startup', { rounds, bareMs: bare, rows: variants.map((v, j) => ({ label: v.label, ms: median(samples[j]) })), ratio: median(samples[2]) / bare });
