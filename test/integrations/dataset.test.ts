import { describe, expect, it } from 'vitest';
import { buildDataset, datasetRow, datasetToCsv, datasetToJsonl, stateFeatures } from '../../src/integrations/dataset.js';
import { createMeter } from '../../src/sdk/index.js';
import { span } from '../analytics/fixtures.js';
import { tempDir } from '../helpers.js';

describe('learning dataset', () => {
  it('one row per agent invocation with state features, choice, outcome, quality and reward', async () => {
    const dir = tempDir();
    const meter = createMeter({ dir, env: 'prod', durability: 'flush' });
    const run = meter.startRun({ project: 'shop', llm: { provider: 'openai', model: 'gpt-4.1', temperature: 0.2 } });
    const task = run.startTask({ key: 7, type: 'bug_fix' });
    const state = { codebase: { languages: ['Python'], loc: 15000 }, task: { scope: 'medium', risk_level: 'high' }, context: { tests_exist: true } };
    const a = task.startAgent({ name: 'coding', type: 'development', attrs: { state_features: state, agent_variant: 'v2' } });
    a.end({ status: 'success', tokens: { input: 100, output: 20 }, costUsd: 0.01 });
    meter.feedback(a, { success: true, rating: 4, source: 'human' });
    const b = task.startAgent({ name: 'review', attrs: { reward: 0.25 } });
    b.end({ status: 'failure' });
    const open = task.startAgent({ name: 'testing' });
    void open;
    task.recordPipeline({ id: 1, status: 'success' });
    await meter.close();

    const { rows } = await buildDataset({ dir, sinceMs: 0, untilMs: Date.now() + 1000 });
    expect(rows.map((r) => r.agent)).toEqual(['coding', 'review', 'testing']);
    const [coding, review, testing] = rows;
    expect(coding).toMatchObject({
      project: 'shop',
      task_type: 'bug_fix',
      agent_type: 'development',
      variant: 'v2',
      provider: 'openai',
      model: 'gpt-4.1',
      temperature: 0.2,
      attempt: 1,
      outcome: 'success',
      success: 1,
      input_tokens: 100,
      cost_usd: 0.01,
      quality: 4,
      feedback_success: true,
      feedback_source: 'human',
      reward_source: 'computed',
    });
    expect(coding?.reward).toBeCloseTo(0.6 + 0.4 * (4 / 5), 12);
    expect(coding?.state).toEqual({ 'codebase.languages': ['Python'], 'codebase.loc': 15000, 'task.scope': 'medium', 'task.risk_level': 'high', 'context.tests_exist': true });
    expect(review).toMatchObject({ outcome: 'failure', success: 0, reward: 0.25, reward_source: 'recorded', quality: null });
    expect(testing?.outcome === 'open' || testing?.outcome === 'abandoned').toBe(true);
    expect(testing?.reward).toBeNull();

    const jsonl = datasetToJsonl(rows).trimEnd().split('\n');
    expect(jsonl).toHaveLength(3);
    expect(JSON.parse(jsonl[0] as string)).toEqual(JSON.parse(JSON.stringify(coding)));
    const csv = datasetToCsv(rows).trimEnd().split('\n');
    expect(csv[0]).toMatch(/^ts,invocation_id,run_id,parent_id,env,project,task_type,agent,.*,reward,reward_source,state\.codebase\.languages,state\.codebase\.loc,state\.context\.tests_exist,state\.task\.risk_level,state\.task\.scope$/);
    expect(csv[1]).toContain(',"[""Python""]",15000,true,high,medium');
    expect(csv).toHaveLength(4);

    // Default envs leave test and demo out, as every report does.
    const meter2 = createMeter({ dir, env: 'test', durability: 'flush' });
    meter2.startRun({ project: 'x' }).startTask({ key: 1 }).startAgent({ name: 'a' }).end({ status: 'success' });
    await meter2.close();
    const again = await buildDataset({ dir, sinceMs: 0, untilMs: Date.now() + 1000 });
    expect(again.rows).toHaveLength(3);
    expect(again.excluded).toBe(1);
  });

  it('flattens state_features and state.* attributes; CSV defuses formulas and quotes', () => {
    expect(stateFeatures({ state_features: { a: { b: 1 } }, 'state.git_clean': false, other: 1 })).toEqual({ 'a.b': 1, git_clean: false });
    const row = datasetRow(span('agent', { attrs: { 'gen_ai.agent.name': '=cmd', project: 'a,b' } }), undefined);
    const csv = datasetToCsv([row]).split('\n')[1] ?? '';
    expect(csv).toContain(",'=cmd,");
    expect(csv).toContain(',"a,b",');
  });
});
