import type { PaginationProps } from './pagination.tsx';

const href = (page: number) => `?page=${page}#pagination-examples`;

export const paginationExamples = {
  'middle of many pages': { current: 6, total: 12, href },
  'first page': { current: 1, total: 3, href, label: '申請一覧のページ送り' },
} satisfies Record<string, PaginationProps>;
