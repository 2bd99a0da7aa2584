import { uuidv7 } from '../model/ids.js';
import type { AgentInvocation, DebugCycle, MeterStats, Run, SpanRef, Task } from './types.js';
import type { Meter } from './meter.js';

// Disabled recording is a set of no-op objects, not a flag checked on every call
// (OpenTelemetry's NoopTracer). Handles still carry ids so host code keeps working.

const noop = (): void => {};

function ref(): SpanRef {
  return { id: uuidv7() };
}

function agent(): AgentInvocation {
  return { id: uuidv7(), end: noop };
}

function debug(): DebugCycle {
  return { id: uuidv7(), attempt: noop, end: noop };
}

function task(): Task {
  return { id: uuidv7(), startAgent: agent, recordPipeline: ref, startDebug: debug, end: noop };
}

function run(): Run {
  const id = uuidv7();
  return { id, runId: id, startTask: task, startAgent: agent, recordOptimization: ref, end: noop };
}

/** The meter returned when recording is disabled. */
export class NoopMeter implements Meter {
  readonly dir: string;
  readonly env: string;

  constructor(dir: string, env: string) {
    this.dir = dir;
    this.env = env;
  }

  startRun(): Run {
    return run();
  }

  recordOptimization(): SpanRef {
    return ref();
  }

  feedback(): void {}

  flush(): void {}

  async close(): Promise<void> {}

  stats(): MeterStats {
    return { recorded: 0, written: 0, dropped: 0, badArguments: 0, diagnostics: {} };
  }
}
