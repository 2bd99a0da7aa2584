import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

/** A column of a sortable table: how to show a row and what to sort it by. */
export interface Column<T> {
  key: string;
  label: string;
  value: (row: T) => number | string | null;
  render?: (row: T) => ComponentChildren;
  numeric?: boolean;
}

/**
 * A table sortable by any column: the header buttons are keyboard-reachable and the sorted
 * column carries `aria-sort`.
 */
export function SortableTable<T>(props: { caption: string; columns: Column<T>[]; rows: T[]; rowKey: (row: T) => string; initial?: string; testId?: string }) {
  const [sort, setSort] = useState<{ key: string; desc: boolean }>({ key: props.initial ?? props.columns[0]?.key ?? '', desc: true });
  const col = props.columns.find((c) => c.key === sort.key);
  const rows = col
    ? [...props.rows].sort((a, b) => {
        const x = col.value(a);
        const y = col.value(b);
        if (x === y) return 0;
        if (x === null) return 1;
        if (y === null) return -1;
        const c = x < y ? -1 : 1;
        return sort.desc ? -c : c;
      })
    : props.rows;
  return (
    <div class="table-wrap">
      <table data-testid={props.testId}>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.key} scope="col" class={c.numeric ? 'num' : undefined} aria-sort={c.key === sort.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                <button type="button" onClick={() => setSort((s) => ({ key: c.key, desc: s.key === c.key ? !s.desc : true }))}>
                  {c.label}
                  <span aria-hidden="true">{c.key === sort.key ? (sort.desc ? ' ▼' : ' ▲') : ''}</span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={props.rowKey(r)}>
              {props.columns.map((c, i) =>
                i === 0 ? (
                  <th key={c.key} scope="row">{c.render ? c.render(r) : String(c.value(r) ?? '–')}</th>
                ) : (
                  <td key={c.key} class={c.numeric ? 'num' : undefined}>{c.render ? c.render(r) : String(c.value(r) ?? '–')}</td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
