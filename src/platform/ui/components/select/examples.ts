import type { SelectProps } from './select.tsx';

const municipalities = [
  { value: '', text: '選択してください' },
  { value: '072010', text: '福島市' },
  { value: '072028', text: '会津若松市' },
  { value: '072036', text: '郡山市' },
  { value: '072044', text: 'いわき市' },
];

export const selectExamples = {
  'default': { name: 'municipality', label: 'お住まいの市町村', items: municipalities, value: '072036' },
  'with an error': { name: 'workplace', label: '勤務先の市町村', items: municipalities, errorMessage: '勤務先の市町村を選んでください' },
} satisfies Record<string, SelectProps>;
