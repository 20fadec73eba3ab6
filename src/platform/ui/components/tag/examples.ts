import type { TagProps } from './tag.tsx';

export const tagExamples = {
  'neutral': { children: '下書き' },
  'info': { children: '審査中', tone: 'info' },
  'success': { children: '完了', tone: 'success' },
  'warning': { children: '差し戻し', tone: 'warning' },
  'error': { children: '却下', tone: 'error' },
} satisfies Record<string, TagProps>;
