import type { ButtonProps } from './button.tsx';

export const buttonExamples = {
  'primary, prevents double submit': { children: '申請する', preventDoubleClick: true, type: 'button' },
  'secondary': { children: '下書き保存', variant: 'secondary', type: 'button' },
  'warning': { children: '申請を取り下げる', variant: 'warning', type: 'button' },
  'link as a start button': { children: '申請を始める', href: '#start' },
  'disabled': { children: '送信済み', disabled: true, type: 'button' },
} satisfies Record<string, ButtonProps>;
