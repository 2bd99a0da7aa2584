// Tables fit the terminal: headlines wrap under their first figure, a wide groups table is
// stacked, nothing is lost; piped output and --wide keep one line per section and row.
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/cli/render/report.js';
import { renderRows } from '../../src/cli/render/table.js';
import { stackRows, visibleLength, wrapParts } from '../../src/cli/render/fit.js';
import { sampleReport } from './sample-report.js';

describe('fitting the terminal', () => {
  const grouped = sampleReport(true);

  for (const width of [60, 80, 100]) {
    it(`a grouped report fits ${width} columns and keeps every figure`, () => {
      const text = renderReport(grouped, 'table', { color: true, width });
      for (const line of text.split('\n')) expect(visibleLength(line), line).toBeLessThanOrEqual(width);
      const wide = renderReport(grouped, 'table', { color: false });
      // Every figure of the wide form is still there, in some line of the fitted one.
      const fitted = text.replace(/\x1b\[[0-9;]*m/g, '');
      for (const g of grouped.groups ?? []) expect(fitted).toContain(g.key);
      for (const figure of wide.match(/\d+\.\d %/g) ?? []) expect(fitted).toContain(figure);
    });
  }

  it('without a width the table is as wide as its content', () => {
    const text = renderReport(grouped, 'table', { color: false });
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeGreaterThan(100);
  });

  it('wrapParts keeps parts whole and indents continuation lines', () => {
    expect(wrapParts('Agents', ['success 81.0 %', 'p50 1 s', 'retries 4'], 22, 8)).toEqual(['Agents  success 81.0 %', '        p50 1 s', '        retries 4']);
    expect(wrapParts('x', ['a', 'b'], undefined, 2)).toEqual(['x  a  b']);
  });

  it('a wide generic table is stacked, one block per row', () => {
    const cols = [{ header: 'group' }, { header: 'verdict' }, { header: 'p' }];
    const rows = [['coding-v1', 'coding-v2 better than coding-v1 by a wide margin', '0.0002']];
    expect(renderRows(cols, rows, 'table', 30).split('\n')).toEqual(stackRows(['group', 'verdict', 'p'], rows, 30));
    expect(renderRows(cols, rows, 'table').split('\n')).toHaveLength(2);
  });
});
