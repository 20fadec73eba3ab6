import type { TextareaProps } from './textarea.tsx';

export const textareaExamples = {
  'plain': { name: 'reason', label: '申請の理由', hint: '具体的にご記入ください' },
  'with a character count': {
    name: 'message',
    label: 'お問い合わせ内容',
    maxLength: 200,
    value: '転入届の手続について教えてください。',
  },
  'over the limit, with an error': {
    name: 'summary',
    label: '概要',
    maxLength: 20,
    value: 'この文章は二十文字の制限を超えているので赤く表示されます。',
    errorMessage: '概要は20文字以内で入力してください',
  },
} satisfies Record<string, TextareaProps>;
