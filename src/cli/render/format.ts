/**
 * Number and text formatting shared by the report renderers. All figures are rounded for
 * people here and only here: the JSON report keeps full precision.
 */
import type { Interval, Trend } from '../../analytics/index.js';

/** Plain ANSI SGR codes (ECMA-48); no colour library needed for five styles. */
const SGR = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33 } as const;
export type Style = keyof typeof SGR;

/** Wraps text in ANSI styles when enabled, else returns it unchanged. */
export type Paint = (text: string, style: Style) => string;

export function painter(color: boolean): Paint {
  return color ? (text, style) => `\u001b[${SGR[style]}m${text}\u001b[0m` : (text) => text;
}

/** `0.8123` → `81.2 %`; `null` → `–`. */
export function formatPercent(x: number | null): string {
  return x === null ? '–' : `${(x * 100).toFixed(1)} %`;
}

/** `[0.771, 0.847]` → `[77.1–84.7]`; `null` → empty. */
export function formatInterval(ci: Interval): string {
  return ci === null ? '' : `[${(ci[0] * 100).toFixed(1)}–${(ci[1] * 100).toFixed(1)}]`;
}

/** Rate with its interval: `81.2 % [77.1–84.7]`. */
export function formatRate(x: number | null, ci: Interval): string {
  return ci === null || x === null ? formatPercent(x) : `${formatPercent(x)} ${formatInterval(ci)}`;
}

/** Milliseconds humanised: `850 ms`, `12.3 s`, `4.2 min`, `1.5 h`. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${abs < 10 ? Number(ms.toFixed(1)) : Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (abs < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Counts humanised: `950`, `12.3k`, `4.1M`. */
export function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs < 10_000) return Number.isInteger(n) ? String(n) : n.toFixed(1);
  if (abs < 1e6) return `${(n / 1e3).toFixed(1)}k`;
  if (abs < 1e9) return `${(n / 1e6).toFixed(1)}M`;
  return `${(n / 1e9).toFixed(1)}G`;
}

/** Up to `digits` decimals without trailing zeros: `2.30` → `2.3`. */
export function formatNumber(x: number | null, digits = 2): string {
  return x === null ? '–' : String(Number(x.toFixed(digits)));
}

/** Speedup ratio: `1.84×`. */
export function formatSpeedup(x: number | null): string {
  return x === null ? '–' : `${x.toFixed(2)}×`;
}

/**
 * A trend as `▲ +3.1 pts`, `▼ −0.20×` or `= 0.0 pts`; empty when there is nothing to
 * compare. `unit` says whether the delta is a rate (shown in percentage points) or a ratio.
 * Every headline we trend is better when higher, so ▲ is painted green.
 */
export function formatTrend(t: Trend, unit: 'pts' | 'ratio', paint: Paint): string {
  if (t.delta === null) return '';
  const shown = unit === 'pts' ? t.delta * 100 : t.delta;
  const digits = unit === 'pts' ? 1 : 2;
  const rounded = Number(shown.toFixed(digits));
  const magnitude = Math.abs(rounded).toFixed(digits);
  const suffix = unit === 'pts' ? ' pts' : '×';
  if (rounded === 0) return `= ${magnitude}${suffix}`;
  return rounded > 0
    ? paint(`▲ +${magnitude}${suffix}`, 'green')
    : paint(`▼ −${magnitude}${suffix}`, 'red');
}

/** Join the non-empty parts with two spaces. */
export function joinParts(parts: readonly string[]): string {
  return parts.filter((p) => p !== '').join('  ');
}

/** Dollars: cents from $1 up, two significant digits below, so $0.0031 is not shown as $0.00. */
export function formatUsd(x: number): string {
  return x >= 1 ? `$${x.toFixed(2)}` : `$${Number(x.toPrecision(2))}`;
}
