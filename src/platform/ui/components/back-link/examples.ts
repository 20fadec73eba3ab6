import type { BackLinkProps } from './back-link.tsx';

export const backLinkExamples = {
  'default text': { href: '#previous-question' },
  'own text': { href: '#list', text: '申請の一覧へ戻る' },
} satisfies Record<string, BackLinkProps>;
