import { h } from 'preact';
import type { FieldsetProps } from './fieldset.tsx';
import { TextInput } from '../text-input/text-input.tsx';

export const fieldsetExamples = {
  'address as one question': {
    legend: '新しい住所を入力してください',
    isPageHeading: false,
    legendSize: 'm',
    children: [
      h(TextInput, { name: 'addressPostcode', label: '郵便番号', width: '7', inputmode: 'numeric', autocomplete: 'postal-code' }),
      h(TextInput, { name: 'addressLine1', label: '住所（番地まで）', autocomplete: 'address-line1' }),
      h(TextInput, { name: 'addressLine2', label: '建物名・部屋番号（任意）', autocomplete: 'address-line2' }),
    ],
  },
} satisfies Record<string, FieldsetProps>;
