/**
 * Rows of cells as an aligned text table, a Markdown table or CSV: the layouts of the
 * seed reports (`agents`, `report automation|orchestrator`) and the insight commands
 * (`compare`, `trends`, `anomalies`, `check`). No table library: aligned columns are a few
 * lines of padStart/padEnd.
 */
import { csvField } from './report-csv.js';
import { stackRows, tooWide } from './fit.js';

// A field a spreadsheet would run as a formula is defused with a quote (as in report CSVs);
// plain numbers, negative ones included, are left alone.
function safeField(text: string): string {
  const defused = /^[=+\-@\t\r]/.test(text) && !Number.isFinite(Number(text)) ? `'${text}` : text;
  return csvField(defused);
}

/** One column: its header and how its cells align. */
export interface Column {
  header: string;
  align?: 'left' | 'right';
}

function alignedLines(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  defaultAlign: 'left' | 'right',
  rule: boolean,
): string[] {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((t, i) => ((columns[i]?.align ?? defaultAlign) === 'right' ? t.padStart(widths[i] ?? 0) : t.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const head = line(columns.map((c) => c.header));
  return rule ? [head, widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)] : [head, ...rows.map(line)];
}

/** Text lines: a header row, a rule, and rows padded to each column's width (numbers right-aligned by default). */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  return alignedLines(columns, rows, 'right', true);
}

/**
 * Render rows in `format` (text cells left-aligned unless the column says otherwise). A text
 * table wider than `width` is stacked, one block per row.
 */
export function renderRows(columns: readonly Column[], rows: readonly (readonly string[])[], format: 'table' | 'md' | 'csv', width?: number): string {
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
  const lines = alignedLines(columns, rows, 'left', false);
  if (width === undefined || !tooWide(lines, width)) return lines.join('\n');
  return stackRows(columns.map((c) => c.header), rows, width).join('\n');
}
