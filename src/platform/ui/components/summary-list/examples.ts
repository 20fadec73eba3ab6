import { h } from 'preact';
import type { SummaryListProps } from './summary-list.tsx';

export const summaryListExamples = {
  'check your answers': {
    rows: [
      { key: '氏名', value: '福島 花子', actions: [{ href: '#change-name' }] },
      { key: '生年月日', value: '1990年4月1日（平成2年）', actions: [{ href: '#change-birth-date' }] },
      { key: '新しい住所', value: ['〒963-8601', h('br', null), '福島県郡山市朝日一丁目23番7号'], actions: [{ href: '#change-address' }] },
      { key: '届出の種類', value: '転入届' },
    ],
  },
} satisfies Record<string, SummaryListProps>;
