import type { TableProps } from './table.tsx';

export const tableExamples = {
  'applications per month': {
    id: 'monthly-applications',
    caption: '月別の申請件数',
    head: ['月', { content: 'オンライン', numeric: true }, { content: '窓口', numeric: true }, { content: 'オンライン率', numeric: true }],
    rows: [
      ['2026年4月', 1204, 3310, { content: '26.7%', numeric: true }],
      ['2026年5月', 1388, 2967, { content: '31.9%', numeric: true }],
      ['2026年6月', 1512, 2801, { content: '35.1%', numeric: true }],
    ],
    firstCellIsHeader: true,
  },
} satisfies Record<string, TableProps>;
