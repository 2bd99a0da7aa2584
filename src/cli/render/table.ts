/**
 * Rows of cells as an aligned text table, a Markdown table or CSV: the layouts of the
 * insight commands (`compare`, `trends`, `anomalies`, `check`). No table library: aligned
 * columns are a few lines of padStart/padEnd.
 */
import { csvField } from './report-csv.js';

// A field a spreadsheet would run as a formula is defused with a quote (as in report CSVs);
// plain numbers, negative ones included, are left alone.
function safeField(text: string): string {
  const defused = /^[=+\-@\t\r]/.test(text) && !Number.isFinite(Number(text)) ? `'${text}` : text;
  return csvField(defused);
}

/** One column: its header and whether numbers align right. */
export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** Render rows in `format`. */
export function renderRows(columns: readonly Column[], rows: readonly (readonly string[])[], format: 'table' | 'md' | 'csv'): string {
  if (format === 'csv') {
    return [columns.map((c) => safeField(c.header)), ...rows.map((r) => r.map(safeField))].map((r) => r.join(',')).join('\n');
  }
  if (format === 'md') {
    const cell = (t: string): string => t.replace(/\|/g, '\\|');
    return [
      `| ${columns.map((c) => cell(c.header)).join(' | ')} |`,
      `| ${columns.map((c) => (c.align === 'right' ? '---:' : '---')).join(' | ')} |`,
      ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
    ].join('\n');
  }
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((t, i) => (columns[i]?.align === 'right' ? t.padStart(widths[i] ?? 0) : t.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n');
}
