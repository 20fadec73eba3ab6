import type { WarningTextProps } from './warning-text.tsx';

export const warningTextExamples = {
  'deadline': { children: '引っ越してから14日以内に届け出てください。過ぎると過料が科されることがあります。' },
} satisfies Record<string, WarningTextProps>;
