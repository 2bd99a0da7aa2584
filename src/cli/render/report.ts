/**
 * Renders a `Report` for people (`table`, `md`) or spreadsheets (`csv`). The JSON form is
 * the report object itself and needs no renderer. No table library: aligned columns are a
 * few lines of padStart/padEnd.
 */
import type { GroupReport, Report } from '../../analytics/index.js';
import { joinParts, painter, type Paint } from './format.js';
import { groupColumns, sectionHeadlines, type GroupColumn, type SectionHeadline } from './report-parts.js';
import { renderReportCsv } from './report-csv.js';
import { stackRows, tooWide, wrapParts, wrapWords } from './fit.js';

/** Output formats of `renderReport`. */
export type ReportFormat = 'table' | 'md' | 'csv';

/** Options of `renderReport`. */
export interface RenderOptions {
  /** ANSI colour; the CLI turns it off for NO_COLOR and non-TTY output. */
  color: boolean;
  /** Terminal columns to fit (wrap headlines, stack a wide groups table); undefined: no limit. */
  width?: number | undefined;
}

const LABEL_WIDTH = 14;

/** `2025-01-08T00:00:00.000Z` → `2025-01-08 00:00 UTC`. */
function shortIso(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function envLine(r: Report): string {
  const included = r.envs.included === 'all' ? 'all' : r.envs.included.length > 0 ? r.envs.included.join(', ') : '–';
  const excluded = Object.entries(r.envs.excluded).map(([env, n]) => `${env} ${n}`);
  return excluded.length > 0
    ? `envs: ${included}  (excluded spans: ${excluded.join(', ')}; use --env to include)`
    : `envs: ${included}`;
}

function skippedLine(r: Report): string {
  if (r.skipped_lines <= 0) return '';
  const first = r.skipped_samples[0];
  const example = first ? `, first at ${first.file}:${first.line} (${first.reason})` : '';
  return `⚠ ${r.skipped_lines} unreadable line${r.skipped_lines === 1 ? '' : 's'} skipped${example}`;
}

function headlineParts(h: SectionHeadline): string[] {
  const label = h.quantileOf === 'duration' || h.quantileOf === '' ? '' : `${h.quantileOf} `;
  return [
    h.figure,
    h.trend === '' ? '' : `${h.trend} vs previous`,
    h.p50 === '' ? '' : `${label}p50 ${h.p50}`,
    h.p95 === '' ? '' : `p95 ${h.p95}`,
    ...h.extras,
  ];
}

function alignedTable(columns: readonly GroupColumn[], groups: readonly GroupReport[], paint: Paint): string[] {
  const cells = groups.map((g) => columns.map((c) => c.cell(g)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => (row[i] ?? '').length)));
  const pad = (text: string, i: number): string => {
    const w = widths[i] ?? 0;
    return columns[i]?.align === 'left' ? text.padEnd(w) : text.padStart(w);
  };
  const header = columns.map((c, i) => pad(c.header, i)).join('  ');
  return [paint(header.trimEnd(), 'bold'), ...cells.map((row) => row.map(pad).join('  ').trimEnd())];
}

function renderTable(r: Report, paint: Paint, width: number | undefined): string {
  const lines: string[] = [
    ...wrapParts(paint('agentmeter report', 'bold'), [paint(`${shortIso(r.window.since)} → ${shortIso(r.window.until)}`, 'bold'), paint(`(trend vs ${shortIso(r.window.previous_since)} → ${shortIso(r.window.since)})`, 'dim')], width, 2),
    ...wrapParts('', [envLine(r)], width, 2),
  ];
  const skipped = skippedLine(r);
  if (skipped !== '') lines.push(...wrapWords(skipped, width, 2).map((l) => paint(l, 'yellow')));
  lines.push('');
  const headlines = sectionHeadlines(r, paint);
  if (headlines.length === 0) lines.push('No spans or feedback in this window.');
  const countWidth = Math.max(0, ...headlines.map((h) => h.count.length));
  const nounWidth = Math.max(0, ...headlines.map((h) => h.noun.length));
  for (const h of headlines) {
    const volume = `${h.count.padStart(countWidth)} ${h.noun.padEnd(nounWidth)}`;
    // Wrapped parts line up under the first figure.
    lines.push(...wrapParts(`${paint(h.label.padEnd(LABEL_WIDTH), 'bold')}${volume}`, headlineParts(h), width, LABEL_WIDTH + volume.length + 2));
  }
  if (r.groups && r.by) {
    lines.push('', paint(`By ${r.by} (${r.groups.length} group${r.groups.length === 1 ? '' : 's'})`, 'bold'));
    if (r.groups.length > 0) {
      const columns = groupColumns(r.by, r.groups);
      const table = alignedTable(columns, r.groups, paint);
      if (!tooWide(table, width) || width === undefined) lines.push(...table);
      else {
        lines.push(...wrapWords(`(one block per ${r.by}: the table is wider than the terminal; --wide, --format csv or --json give rows)`, width, 1).map((l) => paint(l, 'dim')));
        lines.push(...stackRows(columns.map((c) => c.header), r.groups.map((g) => columns.map((c) => c.cell(g))), width));
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Escape a Markdown table cell: pipes split cells, newlines end rows. */
function mdCell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replace(/[\r\n]+/g, ' ');
}

function mdTable(headers: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string[] {
  const line = (cells: readonly string[]): string => `| ${cells.map(mdCell).join(' | ')} |`;
  const rule = `|${headers.map((_, i) => (right[i] ? ' ---: ' : ' --- ')).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)];
}

function renderMarkdown(r: Report, paint: Paint): string {
  const lines: string[] = [
    '## agentmeter report',
    '',
    `Window ${shortIso(r.window.since)} → ${shortIso(r.window.until)}; trends compare with ${shortIso(r.window.previous_since)} → ${shortIso(r.window.since)}. ${envLine(r)}.`,
  ];
  const skipped = skippedLine(r);
  if (skipped !== '') lines.push('', `> ${skipped}`);
  lines.push('');
  const headlines = sectionHeadlines(r, paint);
  if (headlines.length === 0) lines.push('No spans or feedback in this window.');
  else {
    lines.push(
      ...mdTable(
        ['section', 'volume', 'headline', 'trend', 'p50', 'p95', 'details'],
        headlines.map((h) => [h.label, `${h.count} ${h.noun}`, h.figure, h.trend, h.p50, h.p95, joinParts(h.extras)]),
        [false, true, false, false, true, true, false],
      ),
    );
  }
  if (r.groups && r.by && r.groups.length > 0) {
    const columns = groupColumns(r.by, r.groups);
    lines.push(
      '',
      `### By ${r.by}`,
      '',
      ...mdTable(
        columns.map((c) => c.header),
        r.groups.map((g) => columns.map((c) => c.cell(g))),
        columns.map((c) => c.align === 'right'),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Render a report as a terminal table, Markdown or CSV.
 *
 * @example
 * process.stdout.write(renderReport(report, 'table', { color: process.stdout.isTTY }));
 */
export function renderReport(report: Report, format: ReportFormat, opts: RenderOptions): string {
  switch (format) {
    case 'table':
      return renderTable(report, painter(opts.color), opts.width);
    case 'md':
      // Markdown is read as text or rendered as HTML: ANSI codes would show as garbage.
      return renderMarkdown(report, painter(false));
    case 'csv':
      return renderReportCsv(report);
  }
}
