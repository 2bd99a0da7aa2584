// Records one orchestrator run with every span kind. Run: node examples/quickstart.mjs
// (after `npm run build`), then `npx agentmeter report --since 1d`.
import { createMeter } from 'agentmeter';

const meter = createMeter({ env: 'prod' }); // store: $AGENTMETER_DIR or ./.agentmeter
const run = meter.startRun({ project: 'shop', llm: { provider: 'deepseek', model: 'deepseek-chat', temperature: 0 } });
const task = run.startTask({ key: 123, type: 'bug_fix' });
const coder = task.startAgent({ name: 'coding', type: 'development' });
coder.end({ status: 'success', tokens: { input: 5200, output: 800 }, costUsd: 0.0031, filesModified: ['src/cart.ts'] });
meter.feedback(coder, { success: true, rating: 4, source: 'human', notes: 'clean diff' });
task.recordPipeline({ id: '4259', status: 'failed', commit: 'abc123' });
const cycle = task.startDebug({ agent: 'testing', errorType: 'test_failure', errorMessage: '3 tests failed in CartTest' });
cycle.attempt();
cycle.attempt();
cycle.end({ resolved: true });
task.recordPipeline({ id: '4260', status: 'success', commit: 'def456' });
task.end({ status: 'completed' });
run.end({ status: 'completed' });
meter.recordOptimization({ operation: 'matmul', variantsGenerated: 12, validated: 9, promoted: 2,
  baselineLatencyMs: 4.1, optimizedLatencyMs: 2.6, wallclockSeconds: 340, autotuneSamples: 96 });
await meter.close();
console.log(`recorded ${meter.stats().recorded} events in ${meter.dir}`);
