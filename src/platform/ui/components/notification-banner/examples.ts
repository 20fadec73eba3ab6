import { h } from 'preact';
import type { NotificationBannerProps } from './notification-banner.tsx';

export const notificationBannerExamples = {
  'information': {
    id: 'notice-maintenance',
    children: h('p', { class: 'notification-banner__heading' }, '4月1日（土）0時から6時まで、システム保守のため申請を受け付けません。'),
  },
  'success (no auto focus in the gallery)': {
    id: 'notice-saved',
    type: 'success',
    disableAutoFocus: true,
    children: h('p', { class: 'notification-banner__heading' }, '下書きを保存しました。'),
  },
} satisfies Record<string, NotificationBannerProps>;
