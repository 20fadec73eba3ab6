import { h } from 'preact';
import type { DetailsProps } from './details.tsx';

export const detailsExamples = {
  'closed': {
    summary: '必要な書類がわからない場合',
    children: h('p', null, '市民課（電話 024-000-0000）にお問い合わせください。平日8時30分から17時15分まで受け付けています。'),
  },
} satisfies Record<string, DetailsProps>;
