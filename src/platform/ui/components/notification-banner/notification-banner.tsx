// A message about the whole service or the result of an action. 'info' is a labelled region
// ("お知らせ") a person can find; 'success' confirms something just done (下書きを保存しました), is
// announced as an alert and takes focus on load (notification-banner.js) so it is not missed.
import type { ComponentChildren } from 'preact';
import { useUiText } from '../ui-text.ts';

export interface NotificationBannerProps {
  type?: 'info' | 'success';
  /** The small title bar; default 「お知らせ」/「完了」 ("Important"/"Success"). */
  title?: string;
  /** The message, usually a short heading-like sentence (rendered as a paragraph with class notification-banner__heading) plus text. */
  children: ComponentChildren;
  /** Unique per page when there are several banners. */
  id?: string;
  disableAutoFocus?: boolean;
}

export function NotificationBanner(props: NotificationBannerProps) {
  const { t } = useUiText();
  const type = props.type ?? 'info';
  const titleId = `${props.id ?? `notification-banner-${type}`}-title`;
  const success = type === 'success';
  return (
    <div
      class={`notification-banner notification-banner--${type}`}
      id={props.id}
      role={success ? 'alert' : 'region'}
      aria-labelledby={titleId}
      data-module={success && !props.disableAutoFocus ? 'notification-banner' : undefined}
    >
      <div class="notification-banner__header">
        <h2 class="notification-banner__title" id={titleId}>
          {props.title ?? t(success ? 'ui.notificationBanner.success' : 'ui.notificationBanner.info')}
        </h2>
      </div>
      <div class="notification-banner__content">{props.children}</div>
    </div>
  );
}
