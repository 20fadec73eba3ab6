// Groups questions that belong together (an address, the choices of one question) under one
// legend. As the page heading the legend holds the h1: one question per page, read once.
import type { ComponentChildren } from 'preact';

export interface FieldsetProps {
  legend: ComponentChildren;
  isPageHeading?: boolean;
  /** Legend size; page headings default to large. */
  legendSize?: 'l' | 'm' | 's';
  /** Hint and error ids: on the fieldset they are read when a person enters the group. */
  describedBy?: string | undefined;
  id?: string;
  class?: string;
  children: ComponentChildren;
}

export function Fieldset(props: FieldsetProps) {
  const size = props.legendSize ?? (props.isPageHeading ? 'l' : 'm');
  return (
    <fieldset class={props.class ? `fieldset ${props.class}` : 'fieldset'} id={props.id} aria-describedby={props.describedBy}>
      <legend class={`fieldset__legend fieldset__legend--${size}`}>
        {props.isPageHeading ? <h1 class="fieldset__heading">{props.legend}</h1> : props.legend}
      </legend>
      {props.children}
    </fieldset>
  );
}
