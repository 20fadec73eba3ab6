// Example props for the gallery (/dev/components) and the tests. The links point at the error
// examples of text-input, date-input and radios, which the gallery shows on the same page.
import type { ErrorSummaryProps } from './error-summary.tsx';

export const errorSummaryExamples = {
  'linked to fields': {
    items: [
      { text: '氏名を入力してください', href: '#full-name-error' },
      { text: '生年月日の月は1から12の数字で入力してください', href: '#birth-date-error-month' },
      { text: '連絡方法を選んでください', href: '#contact-error' },
    ],
  },
} satisfies Record<string, ErrorSummaryProps>;
