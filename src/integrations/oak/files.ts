/** The sub-agent telemetry seed's file names (docs/oak.md). */
export const OAK_FILES = {
  invocations: 'agent_invocations.jsonl',
  metrics: 'success_metrics.jsonl',
  workflows: 'workflow_events.jsonl',
  stats: 'performance_stats.json',
  reviews: 'agent_reviews.jsonl',
} as const;

/** `import.source` of spans imported from these files. */
export const OAK_SOURCE = 'oak';
