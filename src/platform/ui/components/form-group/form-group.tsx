// The parts every question shares: the group that turns red on error, the label (or the page's
// h1 holding it), the hint and the error message, and the id rules that tie them together.
// A screen reader learns a field's hint and error only through aria-describedby, so the ids
// here are the contract: `<id>-hint`, `<id>-error`, and the field's id defaults to its name so
// an error summary link `#<name>` always lands on it.
import type { ComponentChildren } from 'preact';
import { useUiText } from '../ui-text.ts';

/** What every single-field question takes. */
export interface FieldBaseProps {
  /** The form field name; also the id when `id` is not given. */
  name: string;
  id?: string;
  /** The question. With isPageHeading it is also the page's h1 (one question per page). */
  label: string;
  isPageHeading?: boolean;
  hint?: ComponentChildren;
  /** Already in the page's language (see form-errors.ts); turns the field red and is announced. */
  errorMessage?: string | undefined;
  /** Ids of other elements that describe the field, read before the hint and error. */
  describedBy?: string;
}

/** What every question that groups several inputs under a legend takes (radios, checkboxes, a date). */
export interface GroupBaseProps extends Omit<FieldBaseProps, 'label'> {
  /** The question, as the fieldset's legend (and the page's h1 with isPageHeading). */
  legend: string;
  legendSize?: 'l' | 'm' | 's';
}

export const hintId = (id: string) => `${id}-hint`;
export const errorId = (id: string) => `${id}-error`;

/** The aria-describedby value: the ids given, in order, or nothing (never an empty attribute). */
export function describedBy(...ids: Array<string | false | null | undefined>): string | undefined {
  const joined = ids.filter((id): id is string => typeof id === 'string' && id.length > 0).join(' ');
  return joined.length > 0 ? joined : undefined;
}

/** Hint and error ids of a field, in the order a screen reader should read them. */
export function fieldDescription(id: string, props: Pick<FieldBaseProps, 'hint' | 'errorMessage' | 'describedBy'>): string | undefined {
  return describedBy(props.describedBy, props.hint !== undefined && hintId(id), props.errorMessage && errorId(id));
}

/** The block around one question; `module` names the script that enhances it (data-module). */
export function FormGroup(props: { hasError?: boolean; class?: string; module?: string; children: ComponentChildren }) {
  const classes = ['form-group', props.hasError && 'form-group--error', props.class].filter(Boolean).join(' ');
  return (
    <div class={classes} data-module={props.module}>
      {props.children}
    </div>
  );
}

/** Hint and error message inside a fieldset, after the legend. */
export function GroupHeader(props: { id: string } & Pick<FieldBaseProps, 'hint' | 'errorMessage'>) {
  return (
    <>
      {props.hint !== undefined && <Hint id={hintId(props.id)}>{props.hint}</Hint>}
      {props.errorMessage && <ErrorMessage id={errorId(props.id)}>{props.errorMessage}</ErrorMessage>}
    </>
  );
}

export type LabelSize = 'l' | 'm' | 's';

/**
 * A label; as the page heading it sits inside the h1, so the question is read once, as both
 * the heading and the field's name.
 */
export function Label(props: { htmlFor: string; isPageHeading?: boolean; size?: LabelSize; id?: string; children: ComponentChildren }) {
  const size = props.size ?? (props.isPageHeading ? 'l' : 's');
  const label = (
    <label class={`label label--${size}`} for={props.htmlFor} id={props.id}>
      {props.children}
    </label>
  );
  return props.isPageHeading ? <h1 class="label-wrapper">{label}</h1> : label;
}

export function Hint(props: { id: string; class?: string; children: ComponentChildren }) {
  return (
    <div class={props.class ? `hint ${props.class}` : 'hint'} id={props.id}>
      {props.children}
    </div>
  );
}

/** The message starts with a hidden 「エラー：」 so a screen reader says it is an error. */
export function ErrorMessage(props: { id: string; children: ComponentChildren }) {
  const { t } = useUiText();
  return (
    <p class="error-message" id={props.id}>
      <span class="visually-hidden">{t('ui.errorMessage.prefix')}</span>
      {props.children}
    </p>
  );
}

/** Label or page heading, hint and error message of a single-field question, in reading order. */
export function FieldHeader(props: { id: string; labelFor?: string } & Pick<FieldBaseProps, 'label' | 'isPageHeading' | 'hint' | 'errorMessage'>) {
  return (
    <>
      <Label htmlFor={props.labelFor ?? props.id} isPageHeading={props.isPageHeading}>
        {props.label}
      </Label>
      {props.hint !== undefined && <Hint id={hintId(props.id)}>{props.hint}</Hint>}
      {props.errorMessage && <ErrorMessage id={errorId(props.id)}>{props.errorMessage}</ErrorMessage>}
    </>
  );
}
