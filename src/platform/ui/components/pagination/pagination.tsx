// Moving between pages of a long list (search results, the staff's application queue). A nav
// landmark with its own name, real links (works without JavaScript), the current page marked with
// aria-current, and page links named 「3ページ目」 / "Page 3" rather than a bare "3".
import { useUiText } from '../ui-text.ts';

export interface PaginationProps {
  /** 1-based. */
  current: number;
  total: number;
  /** The address of a page, e.g. (n) => `/applications?page=${n}`. */
  href: (page: number) => string;
  /** The landmark's name; default 「ページ送り」 / "Pagination". */
  label?: string;
}

export type PageItem = number | 'ellipsis';

/**
 * The pages to link: the first, the last, and the current one with its neighbours; a gap of one
 * page shows that page (an ellipsis would hide no more than a number would take).
 */
export function pageItems(current: number, total: number): PageItem[] {
  const wanted = new Set([1, total, current - 1, current, current + 1].filter((n) => n >= 1 && n <= total));
  const pages = [...wanted].sort((a, b) => a - b);
  const items: PageItem[] = [];
  for (const page of pages) {
    const previous = items.at(-1);
    if (typeof previous === 'number' && page - previous === 2) items.push(previous + 1);
    else if (typeof previous === 'number' && page - previous > 2) items.push('ellipsis');
    items.push(page);
  }
  return items;
}

export function Pagination(props: PaginationProps) {
  const { t } = useUiText();
  const { total } = props;
  if (total <= 1) return null;
  const current = Math.min(Math.max(1, Math.trunc(props.current)), total);
  return (
    <nav class="pagination" aria-label={props.label ?? t('ui.pagination.label')}>
      {current > 1 && (
        <div class="pagination__prev">
          <a class="pagination__link pagination__link--prev" href={props.href(current - 1)} rel="prev">
            <span aria-hidden="true" class="pagination__arrow">
              ←
            </span>
            {t('ui.pagination.previous')}
          </a>
        </div>
      )}
      <ul class="pagination__list">
        {pageItems(current, total).map((item) =>
          item === 'ellipsis' ? (
            <li class="pagination__item pagination__item--ellipsis">⋯</li>
          ) : (
            <li class={item === current ? 'pagination__item pagination__item--current' : 'pagination__item'}>
              <a
                class="pagination__link"
                href={props.href(item)}
                aria-label={t('ui.pagination.page', { page: item })}
                aria-current={item === current ? 'page' : undefined}
              >
                {item}
              </a>
            </li>
          ),
        )}
      </ul>
      {current < total && (
        <div class="pagination__next">
          <a class="pagination__link pagination__link--next" href={props.href(current + 1)} rel="next">
            {t('ui.pagination.next')}
            <span aria-hidden="true" class="pagination__arrow">
              →
            </span>
          </a>
        </div>
      )}
    </nav>
  );
}
