import { h } from 'preact';
import type { PanelProps } from './panel.tsx';

export const panelExamples = {
  'application received': {
    title: '申請を受け付けました',
    headingLevel: 2,
    children: ['受付番号', h('strong', null, 'TSN-2026-000123')],
  },
} satisfies Record<string, PanelProps>;
