import { h } from 'preact';
import type { RadiosProps } from './radios.tsx';
import { TextInput } from '../text-input/text-input.tsx';

export const radiosExamples = {
  'page heading with hints': {
    name: 'moveType',
    legend: 'どの手続をしますか',
    isPageHeading: true,
    items: [
      { value: 'in', text: '転入届', hint: '他の市区町村から引っ越してきた' },
      { value: 'within', text: '転居届', hint: '市内で引っ越した' },
      { value: 'out', text: '転出届', hint: '他の市区町村へ引っ越す' },
    ],
  },
  'inline yes/no': {
    name: 'hasProxy',
    legend: '代理人が申請しますか',
    legendSize: 's',
    inline: true,
    items: [
      { value: 'yes', text: 'はい' },
      { value: 'no', text: 'いいえ' },
    ],
    value: 'no',
  },
  'conditional reveal, with an error': {
    name: 'contact-error',
    legend: '連絡方法',
    hint: 'ひとつ選んでください',
    errorMessage: '連絡方法を選んでください',
    items: [
      { value: 'email', text: 'メール', conditional: h(TextInput, { name: 'contactEmail', label: 'メールアドレス', type: 'email', autocomplete: 'email', spellcheck: false }) },
      { value: 'phone', text: '電話', conditional: h(TextInput, { name: 'contactPhone', label: '電話番号', type: 'tel', autocomplete: 'tel', width: '20' }) },
      { divider: true },
      { value: 'none', text: '連絡は不要' },
    ],
  },
} satisfies Record<string, RadiosProps>;
