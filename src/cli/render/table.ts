/** Aligned plain-text tables: a header row, a rule, and rows padded to each column's width. */

/** One column: its header and whether text is left-aligned (numbers are right-aligned). */
export interface TableColumn {
  header: string;
  align?: 'left' | 'right';
}

/** Render rows of cells under headers, two spaces between columns. */
export function renderTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (text: string, i: number): string => ((columns[i]?.align ?? 'right') === 'left' ? text.padEnd(widths[i] ?? 0) : text.padStart(widths[i] ?? 0));
  const line = (cells: readonly string[]): string => cells.map((c, i) => pad(c, i)).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
}
