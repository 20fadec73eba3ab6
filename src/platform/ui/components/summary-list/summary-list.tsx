// Questions and answers as a description list (the check-your-answers page), each with a change
// link. The link's visible text is short (変更); its hidden part names the answer, because a
// screen reader's list of links would otherwise be 「変更」 ten times.
import type { ComponentChildren } from 'preact';
import { useUiText } from '../ui-text.ts';

export interface SummaryListAction {
  href: string;
  /** Default 「変更」 / "Change". */
  text?: string;
  /** Hidden words saying what changes; default the row's key when it is a string. */
  visuallyHiddenText?: string;
}

export interface SummaryListRow {
  key: ComponentChildren;
  value: ComponentChildren;
  actions?: SummaryListAction[];
}

export interface SummaryListProps {
  rows: SummaryListRow[];
  /** No borders (a short summary inside a card). */
  noBorder?: boolean;
}

export function SummaryList(props: SummaryListProps) {
  const { t } = useUiText();
  const anyActions = props.rows.some((row) => row.actions && row.actions.length > 0);
  return (
    <dl class={props.noBorder ? 'summary-list summary-list--no-border' : 'summary-list'}>
      {props.rows.map((row) => (
        <div class={anyActions ? 'summary-list__row summary-list__row--actions' : 'summary-list__row'}>
          <dt class="summary-list__key">{row.key}</dt>
          <dd class="summary-list__value">{row.value}</dd>
          {row.actions && row.actions.length > 0 && (
            <dd class="summary-list__actions">
              <ul class="summary-list__actions-list">
                {row.actions.map((action) => {
                  const context = action.visuallyHiddenText ?? (typeof row.key === 'string' ? row.key : undefined);
                  return (
                    <li>
                      <a href={action.href}>
                        {action.text ?? t('ui.summaryList.change')}
                        {context && <span class="visually-hidden">{t('ui.summaryList.actionContext', { item: context })}</span>}
                      </a>
                    </li>
                  );
                })}
              </ul>
            </dd>
          )}
        </div>
      ))}
    </dl>
  );
}
