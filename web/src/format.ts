// Number formatting shared by every page.

export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined ? '–' : `${(x * 100).toFixed(digits)} %`;
}

export function ci(i: [number, number] | null | undefined): string {
  return i ? `${(i[0] * 100).toFixed(0)}–${(i[1] * 100).toFixed(0)} %` : '';
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function usd(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  return x >= 100 ? `$${x.toFixed(0)}` : x >= 1 ? `$${x.toFixed(2)}` : `$${x.toPrecision(2)}`;
}

export function count(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  if (x >= 1e9) return `${(x / 1e9).toFixed(1)} G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(1)} M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  return String(Math.round(x));
}

export function ratio(x: number | null | undefined): string {
  return x === null || x === undefined ? '–' : `${x.toFixed(2)}×`;
}

/** A trend delta as signed points (rates) or a signed ratio difference. */
export function delta(d: number | null | undefined, kind: 'rate' | 'ratio'): string {
  if (d === null || d === undefined) return 'no previous data';
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const v = Math.abs(d);
  return kind === 'rate' ? `${sign}${(v * 100).toFixed(1)} pts` : `${sign}${v.toFixed(2)}×`;
}

export function when(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

// Plain names for the attributes a run page shows; the raw name stays in the tooltip.
const ATTR_LABELS: Record<string, string> = {
  'gen_ai.request.model': 'model',
  'gen_ai.provider.name': 'provider',
  'gen_ai.system': 'provider',
  'gen_ai.request.temperature': 'temperature',
  'gen_ai.agent.name': 'agent',
  'gen_ai.usage.input_tokens': 'input tokens',
  'gen_ai.usage.output_tokens': 'output tokens',
  'task.type': 'task type',
  'task.key': 'task',
  'pipeline.attempt': 'pipeline attempt',
  'cicd.pipeline.result': 'pipeline result',
  'agent.attempt': 'attempt',
  'debug.attempts': 'fix attempts',
  'debug.resolved': 'resolved',
  'error.type': 'error',
  'error.message': 'error message',
  'cost_usd': 'cost (USD)',
  'variants_generated': 'variants',
  'run.mode': 'mode',
  'vcs.repository.name': 'repository',
};

/** A plain label for an attribute name: `gen_ai.request.model` → `model`. */
export function attrLabel(key: string): string {
  return ATTR_LABELS[key] ?? key.replace(/^(gen_ai|claude_code|agentmeter)\./, '').replace(/[._]/g, ' ');
}

/** Dimensions a page can group by, with their labels; `breakdown`: the report groups by it too. */
export const DIMENSIONS: readonly { by: string; label: string; breakdown: boolean }[] = [
  { by: 'model', label: 'Model', breakdown: true },
  { by: 'agent', label: 'Agent', breakdown: true },
  { by: 'variant', label: 'Variant', breakdown: false },
  { by: 'task_type', label: 'Task type', breakdown: true },
  { by: 'project', label: 'Project', breakdown: true },
  { by: 'env', label: 'Environment', breakdown: true },
  { by: 'operation', label: 'Operation', breakdown: true },
  { by: 'temperature', label: 'Temperature', breakdown: false },
];
