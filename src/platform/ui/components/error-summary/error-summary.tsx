// The list of what is wrong, at the top of the page, each item a link to its field. With
// JavaScript (error-summary.js) it takes focus when the page loads, so keyboard and screen reader
// users start at it; without, it is still the first thing in main. Its links put focus on the
// field and scroll its question into view.
import { useUiText } from '../ui-text.ts';

export interface ErrorSummaryItem {
  /** The same words as the field's error message. */
  text: string;
  /** `#<field id>`: the field (or the first box / first choice of a group). */
  href: string;
}

export interface ErrorSummaryProps {
  items: ErrorSummaryItem[];
  /** Default: 「入力内容に問題があります」 / "There is a problem". */
  title?: string;
  description?: string;
  /** Leave focus where it is on load (e.g. two summaries on a demo page). */
  disableAutoFocus?: boolean;
}

/** Renders nothing when there is nothing wrong, so a page can always include it. */
export function ErrorSummary(props: ErrorSummaryProps) {
  const { t } = useUiText();
  if (props.items.length === 0) return null;
  return (
    <div class="error-summary" data-module="error-summary" data-disable-auto-focus={props.disableAutoFocus ? 'true' : undefined}>
      {/* role="alert" sits on an inner element: on the element that takes focus, some screen
          readers announce the content twice (once as an alert, once on focus). */}
      <div role="alert">
        <h2 class="error-summary__title">{props.title ?? t('ui.errorSummary.title')}</h2>
        <div class="error-summary__body">
          {props.description && <p>{props.description}</p>}
          <ul class="error-summary__list">
            {props.items.map((item) => (
              <li>
                <a href={item.href}>{item.text}</a>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}
