// Cost of one `agentmeter hook` process (a real PreToolUse payload on stdin, one event
// written) against a bare `node -e ''` start, interleaved in the same run so machine load
// hits both alike. Target: at most 1.5× (the hook runs on every sub-agent launch).
//   node bench/hook-startup.mjs [--quick]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, fmt, median, requireBuild, saveResult, table, verdict } from './lib.mjs';

requireBuild();
const rounds = process.argv.includes('--quick') ? 15 : 40;
const dir = mkdtempSync(join(tmpdir(), 'am-hook-bench-'));
const payload = JSON.stringify({
  session_id: 'bench-session',
  transcript_path: '/tmp/t.jsonl',
  cwd: dir,
  permission_mode: 'default',
  hook_event_name: 'PreToolUse',
  tool_name: 'Task',
  tool_use_id: 'toolu_bench',
  tool_input: { description: 'Review the diff', prompt: 'Review the staged changes', subagent_type: 'code-reviewer' },
});

function time(args, input) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { input, stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, AGENTMETER_DIR: dir } });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const bare = [];
const hook = [];
time(['-e', ''], '');
time([CLI, 'hook'], payload);
for (let i = 0; i < rounds; i++) {
  bare.push(time(['-e', ''], ''));
  hook.push(time([CLI, 'hook'], payload));
}
rmSync(dir, { recursive: true, force: true });
const b = median(bare);
const h = median(hook);
const ratio = h / b;
console.log(`agentmeter hook vs bare node, median of ${rounds} interleaved runs each\n`);
console.log(table(['process', 'median ms', 'ratio', 'target ≤ 1.5×'], [
  ["node -e ''", fmt.ms(b), fmt.ratio(1), ''],
  ['agentmeter hook (PreToolUse Task)', fmt.ms(h), fmt.ratio(ratio), verdict(ratio, 1.5)],
]));
saveResult('hook-startup', { rounds, bareMs: b, hookMs: h, ratio });
