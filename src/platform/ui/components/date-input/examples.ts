import type { DateInputProps } from './date-input.tsx';

export const dateInputExamples = {
  'date of birth, page heading': {
    name: 'birthDate',
    legend: '生年月日を入力してください',
    isPageHeading: true,
    hint: '例：1990年4月1日',
    autocomplete: 'bday',
    value: { year: '1990', month: '4', day: '1' },
  },
  'one box wrong': {
    name: 'birth-date-error',
    legend: '生年月日',
    errorMessage: '生年月日の月は1から12の数字で入力してください',
    errorParts: ['month'],
    value: { year: '１９８９', month: '13', day: '8' },
  },
  'without the era hint': { name: 'moveDate', legend: '引っ越した日', wareki: false },
} satisfies Record<string, DateInputProps>;
