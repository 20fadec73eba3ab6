// Data in rows and columns, with a caption saying what it is and header cells scoped so a screen
// reader announces "申請日, 2026年4月1日" when moving across a row. A wide table scrolls inside its
// own box (focusable, so a keyboard can scroll it) instead of making the whole page scroll sideways.
import type { ComponentChildren } from 'preact';
import { useUiText } from '../ui-text.ts';

export interface TableCell {
  content: ComponentChildren;
  /** Right-aligned with tabular figures (amounts, counts). */
  numeric?: boolean;
}

export type TableCellInput = TableCell | string | number;

export interface TableProps {
  /** Says what the table shows; also names its scrolling region. */
  caption: string;
  captionSize?: 'l' | 'm' | 's';
  head?: TableCellInput[];
  rows: TableCellInput[][];
  /** The first cell of each row is its header (th scope="row"). */
  firstCellIsHeader?: boolean;
  /** Unique per page; names the caption's id. */
  id: string;
}

/** A number is right-aligned and written with separators (12,345). */
function toCell(input: TableCellInput, numbers: Intl.NumberFormat): TableCell {
  if (typeof input === 'object') return input;
  return typeof input === 'number' ? { content: numbers.format(input), numeric: true } : { content: input };
}

function cellClass(base: string, c: TableCell): string {
  return c.numeric ? `${base} ${base}--numeric` : base;
}

export function Table(props: TableProps) {
  const { locale } = useUiText();
  const numbers = new Intl.NumberFormat(locale);
  const cell = (input: TableCellInput) => toCell(input, numbers);
  const captionId = `${props.id}-caption`;
  return (
    <div class="table-wrapper" role="region" aria-labelledby={captionId} tabindex={0}>
      <table class="table" id={props.id}>
        <caption class={`table__caption table__caption--${props.captionSize ?? 'm'}`} id={captionId}>
          {props.caption}
        </caption>
        {props.head && (
          <thead class="table__head">
            <tr class="table__row">
              {props.head.map((input) => {
                const c = cell(input);
                return (
                  <th scope="col" class={cellClass('table__header', c)}>
                    {c.content}
                  </th>
                );
              })}
            </tr>
          </thead>
        )}
        <tbody class="table__body">
          {props.rows.map((row) => (
            <tr class="table__row">
              {row.map((input, i) => {
                const c = cell(input);
                return i === 0 && props.firstCellIsHeader ? (
                  <th scope="row" class={cellClass('table__header', c)}>
                    {c.content}
                  </th>
                ) : (
                  <td class={cellClass('table__cell', c)}>{c.content}</td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
