import type { CheckboxesProps } from './checkboxes.tsx';

export const checkboxesExamples = {
  'with an exclusive choice': {
    name: 'documents',
    legend: 'お持ちの本人確認書類',
    hint: 'あてはまるものをすべて選んでください',
    items: [
      { value: 'mynumber', text: 'マイナンバーカード' },
      { value: 'license', text: '運転免許証' },
      { value: 'passport', text: 'パスポート', hint: '2020年2月以降に発行されたものは住所欄がありません' },
      { divider: true },
      { value: 'none', text: 'どれも持っていない', exclusive: true },
    ],
    values: ['mynumber', 'license'],
  },
  'small, with an error': {
    name: 'agree',
    legend: '利用規約',
    legendSize: 's',
    small: true,
    errorMessage: '利用規約に同意してください',
    items: [{ value: 'yes', text: '利用規約に同意します' }],
  },
} satisfies Record<string, CheckboxesProps>;
