import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/analytics/report.js';
import { CSV_COLUMN_NAMES, csvField } from '../../src/cli/render/report-csv.js';
import { renderReport } from '../../src/cli/render/report.js';
import { SINCE, UNTIL, span } from '../analytics/fixtures.js';
import { sampleReport } from './sample-report.js';

/** Minimal RFC 4180 parser, enough to read our output back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

const ANSI = /\u001b\[/;

describe('renderReport: table', () => {
  const report = sampleReport();
  const text = renderReport(report, 'table', { color: false });

  it('shows each section headline with rate, interval, trend, quantiles and counts', () => {
    expect(text).toMatch(/Agents +10 invocations +success 70\.0 % \[39\.7–89\.2\] +▲ \+70\.0 pts vs previous +p50 5\.0 s +p95 9\.0 s +retries 5/);
    expect(text).toMatch(/Runs +11 runs +success 80\.0 % \[49\.0–94\.3\].*p50 5\.0 min.*abandoned 1/);
    expect(text).toContain('pass 50.0 % [23.7–76.3]');
    expect(text).toContain('first attempt 100.0 % [56.6–100.0] (5/5)');
    expect(text).toContain('resolved 50.0 % [9.5–90.5]');
    expect(text).toContain('speedup 3.00× (geomean of 1 session)');
    expect(text).toContain('without baseline 1');
    expect(text).toContain('excluded spans: demo 1');
  });

  it('warns about skipped lines only when there are some', () => {
    expect(text).toContain('⚠ 3 unreadable lines skipped, first at events/2025-01-09/w1.jsonl:17 (invalid JSON)');
    const clean = renderReport({ ...report, skipped_lines: 0, skipped_samples: [] }, 'table', { color: false });
    expect(clean).not.toContain('⚠');
  });

  it('aligns the groups table in columns, largest group first', () => {
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.startsWith('By model (3 groups)'));
    expect(start).toBeGreaterThan(0);
    const [header, ...rows] = lines.slice(start + 1, start + 5);
    expect(header).toMatch(/^model +runs +run success/);
    expect(rows.map((r) => r.split(/ {2,}/)[0])).toEqual(['claude-sonnet', 'gpt, "4o"', '(none)']);
    // Right-aligned numbers end in the same column as their header.
    const runsEnd = header!.indexOf('runs') + 'runs'.length;
    for (const r of rows) expect(r[runsEnd - 1]).toMatch(/\d/);
  });

  it('colours only when asked, and hides trends and groups it has no data for', () => {
    expect(text).not.toMatch(ANSI);
    expect(renderReport(report, 'table', { color: true })).toMatch(ANSI);
    const plain = renderReport(sampleReport(false), 'table', { color: false });
    expect(plain).not.toContain('By model');
    expect(plain).not.toMatch(/Runs.*vs previous/);
  });

  it('says so when the window is empty', () => {
    const empty = buildReport([], [], { sinceMs: SINCE, untilMs: UNTIL });
    expect(renderReport(empty, 'table', { color: false })).toContain('No spans or feedback in this window.');
  });

  it('shows a downward trend with ▼ and an unchanged one with =', () => {
    const down = buildReport(
      [span('task', { status: 'failure' }), span('task', { status: 'success', startMs: SINCE - 1 })],
      [],
      { sinceMs: SINCE, untilMs: UNTIL },
    );
    expect(renderReport(down, 'table', { color: false })).toContain('▼ −100.0 pts vs previous');
    const same = buildReport(
      [span('task'), span('task', { startMs: SINCE - 1 })],
      [],
      { sinceMs: SINCE, untilMs: UNTIL },
    );
    expect(renderReport(same, 'table', { color: false })).toContain('= 0.0 pts vs previous');
  });

  it('humanises durations across units', () => {
    const render = (durationMs: number): string =>
      renderReport(buildReport([span('run', { durationMs })], [], { sinceMs: SINCE, untilMs: UNTIL }), 'table', {
        color: false,
      });
    expect(render(850)).toMatch(/p50 85\d ms/);
    expect(render(12_300)).toMatch(/p50 12\.\d s/);
    expect(render(4.2 * 60_000)).toMatch(/p50 4\.\d min/);
    expect(render(2 * 3_600_000)).toMatch(/p95 2\.0 h/);
  });
});

describe('renderReport: md', () => {
  it('renders Markdown tables with escaped pipes and no ANSI codes', () => {
    const report = sampleReport();
    report.groups![0]!.key = 'a|b';
    const md = renderReport(report, 'md', { color: true });
    expect(md).not.toMatch(ANSI);
    expect(md).toContain('| section | volume | headline | trend | p50 | p95 | details |');
    expect(md).toMatch(/^\| Agents \| 10 invocations \| success 70\.0 % \[39\.7–89\.2\] \| ▲ \+70\.0 pts \|/m);
    expect(md).toContain('### By model');
    expect(md).toMatch(/^\| a\\\|b \| 6 \|/m);
    for (const line of md.split('\n').filter((l) => l.startsWith('|'))) expect(line.endsWith('|')).toBe(true);
  });
});

describe('renderReport: csv', () => {
  it('parses back to a header and one row per group with the report figures', () => {
    const report = sampleReport();
    const csv = renderReport(report, 'csv', { color: false });
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv);
    const header = rows[0]!;
    expect(header.slice(0, 3)).toEqual(['key', 'runs_total', 'runs_success']);
    expect(header).toEqual(['key', ...CSV_COLUMN_NAMES]);
    expect(header).toContain('pipelines_first_attempt_pass_rate');
    expect(header).toContain('optimizations_sessions_without_baseline');
    expect(rows).toHaveLength(1 + report.groups!.length);
    for (const row of rows) expect(row).toHaveLength(header.length);
    const get = (row: string[], name: string): string => row[header.indexOf(name)]!;
    const gpt = rows.find((r) => r[0] === 'gpt, "4o"')!;
    expect(gpt).toBeDefined();
    const g = report.groups!.find((x) => x.key === 'gpt, "4o"')!;
    expect(Number(get(gpt, 'runs_total'))).toBe(g.runs.total);
    expect(Number(get(gpt, 'agents_success_rate'))).toBe(g.agents.success_rate);
    expect(Number(get(gpt, 'agents_success_rate_ci_low'))).toBe(g.agents.success_rate_ci![0]);
    expect(Number(get(gpt, 'agents_duration_ms_p95'))).toBe(g.agents.duration_ms!.p95);
    // Nulls are empty cells, not "null" or 0.
    expect(get(gpt, 'optimizations_speedup_geomean')).toBe('');
  });

  it("writes a single 'all' row without groups", () => {
    const report = sampleReport(false);
    const rows = parseCsv(renderReport(report, 'csv', { color: false }));
    expect(rows).toHaveLength(2);
    expect(rows[1]![0]).toBe('all');
    expect(Number(rows[1]![rows[0]!.indexOf('optimizations_speedup_geomean')])).toBeCloseTo(3, 12);
  });

  it('quotes per RFC 4180 and defuses spreadsheet formulas in keys', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    const report = sampleReport();
    report.groups![0]!.key = '=HYPERLINK("x")';
    const rows = parseCsv(renderReport(report, 'csv', { color: false }));
    expect(rows[1]![0]).toBe('\'=HYPERLINK("x")');
  });
});

describe('formatUsd', () => {
  it('keeps small costs visible and rounds large ones to cents', async () => {
    const { formatUsd } = await import('../../src/cli/render/format.js');
    expect(formatUsd(0.0031)).toBe('$0.0031');
    expect(formatUsd(0.000123456)).toBe('$0.00012');
    expect(formatUsd(81.994)).toBe('$81.99');
  });
});
