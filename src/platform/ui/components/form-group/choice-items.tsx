// The items of radios and checkboxes. The first item's id is the question's id, so an error
// summary link `#<name>` lands on the first choice. Conditional content (a follow-up question
// shown when a choice is picked) is in the page for everyone; only with JavaScript is it hidden
// until its choice is checked (choices.js), so nothing depends on the script.
import type { ComponentChildren } from 'preact';
import { useUiText } from '../ui-text.ts';
import { describedBy } from './form-group.tsx';

export interface ChoiceItem {
  value: string;
  text: ComponentChildren;
  hint?: ComponentChildren;
  /** Follow-up content revealed when this choice is checked (visible without JavaScript). */
  conditional?: ComponentChildren;
  disabled?: boolean;
  /** Checkboxes only: "none of these"; checking it clears the others (with JavaScript). */
  exclusive?: boolean;
}

/** A separator between choices, read as 「または」 / "or". */
export interface ChoiceDivider {
  divider: true;
}

export type ChoiceEntry = ChoiceItem | ChoiceDivider;

export const isDivider = (entry: ChoiceEntry): entry is ChoiceDivider => 'divider' in entry;

/** Ids of the choices in order: the first is the question's id, then `<id>-2`, `<id>-3`… */
export function choiceIds(id: string, entries: ChoiceEntry[]): string[] {
  return entries.filter((e) => !isDivider(e)).map((_, i) => (i === 0 ? id : `${id}-${i + 1}`));
}

export function ChoiceItems(props: { kind: 'radio' | 'checkbox'; id: string; name: string; items: ChoiceEntry[]; checked: (value: string) => boolean; small?: boolean; inline?: boolean }) {
  const { t } = useUiText();
  const block = props.kind === 'radio' ? 'radios' : 'checkboxes';
  const ids = choiceIds(props.id, props.items);
  const hasConditional = props.items.some((e) => !isDivider(e) && e.conditional !== undefined);
  const classes = [block, props.small && `${block}--small`, props.inline && !hasConditional && `${block}--inline`].filter(Boolean).join(' ');
  let n = 0;
  return (
    <div class={classes} data-module="choices">
      {props.items.map((entry) => {
        if (isDivider(entry)) return <div class={`${block}__divider`}>{t('ui.choices.divider')}</div>;
        const itemId = ids[n++]!;
        const itemHintId = entry.hint !== undefined ? `${itemId}-item-hint` : undefined;
        const conditionalId = entry.conditional !== undefined ? `${itemId}-conditional` : undefined;
        return (
          <>
            <div class={`${block}__item`}>
              <input
                class={`${block}__input`}
                id={itemId}
                name={props.name}
                type={props.kind}
                value={entry.value}
                checked={props.checked(entry.value)}
                disabled={entry.disabled}
                aria-describedby={describedBy(itemHintId)}
                data-controls={conditionalId}
                data-exclusive={entry.exclusive ? 'true' : undefined}
              />
              <label class={`label ${block}__label`} for={itemId}>
                {entry.text}
              </label>
              {itemHintId && (
                <div class={`hint ${block}__hint`} id={itemHintId}>
                  {entry.hint}
                </div>
              )}
            </div>
            {conditionalId && (
              <div class={`${block}__conditional`} id={conditionalId}>
                {entry.conditional}
              </div>
            )}
          </>
        );
      })}
    </div>
  );
}
