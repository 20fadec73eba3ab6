import type { TextInputProps } from './text-input.tsx';

export const textInputExamples = {
  'page heading': {
    name: 'fullName',
    label: 'お名前を入力してください',
    isPageHeading: true,
    hint: '住民票に記載されている氏名を入力してください',
    autocomplete: 'name',
    spellcheck: false,
  },
  'with an error, keeping what was typed': {
    name: 'full-name-error',
    label: '氏名',
    errorMessage: '氏名を入力してください',
    value: '  ',
    autocomplete: 'name',
    spellcheck: false,
    width: '20',
  },
  'postcode (numeric, fixed width, prefix)': {
    name: 'postcode',
    label: '郵便番号',
    hint: '7桁の数字（ハイフンなしでも可）',
    inputmode: 'numeric',
    autocomplete: 'postal-code',
    width: '7',
    prefix: '〒',
    value: '9608670',
  },
  'email address': {
    name: 'email',
    label: 'メールアドレス',
    type: 'email',
    autocomplete: 'email',
    spellcheck: false,
    value: '<script>alert(1)</script>@example.jp',
  },
  'amount with suffix': {
    name: 'amount',
    label: '申請金額',
    inputmode: 'numeric',
    width: '10',
    suffix: '円',
  },
} satisfies Record<string, TextInputProps>;
