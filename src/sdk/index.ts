// The recording SDK: `import { createMeter } from 'agentmeter'`.
export { createMeter } from './meter.js';
export type { Meter } from './meter.js';
export type {
  AgentEndOptions,
  AgentInvocation,
  AgentOptions,
  DebugCycle,
  DebugOptions,
  EndOptions,
  ErrorInput,
  FeedbackOptions,
  LlmConfig,
  MeterOptions,
  MeterStats,
  OptimizationOptions,
  PipelineOptions,
  Run,
  RunOptions,
  SpanRef,
  StatusInput,
  Task,
  TaskOptions,
  TokensInput,
} from './types.js';
export type { AgentmeterEvent, FeedbackSource, SpanKind, SpanStatus } from '../model/events.js';
export type { Durability } from '../store/index.js';
