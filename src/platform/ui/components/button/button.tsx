// Buttons for actions: primary for the one main action of a page (次へ進む, 申請する), secondary for
// others, warning for something that cannot be undone. With `href` it is a link that looks like a
// button (a start page's 申請を始める), since it goes somewhere rather than doing something.
import type { ComponentChildren } from 'preact';

export type ButtonVariant = 'primary' | 'secondary' | 'warning';

export interface ButtonProps {
  children: ComponentChildren;
  variant?: ButtonVariant;
  /** Default 'submit'. */
  type?: 'submit' | 'button' | 'reset';
  name?: string;
  value?: string;
  disabled?: boolean;
  /** Renders a link styled as a button. */
  href?: string;
  /**
   * Ignore a second click within a second (button.js): people who double-click out of habit
   * would otherwise send an application twice. The server must still be idempotent.
   */
  preventDoubleClick?: boolean;
  id?: string;
  class?: string;
}

export function Button(props: ButtonProps) {
  const classes = ['button', props.variant && props.variant !== 'primary' && `button--${props.variant}`, props.class].filter(Boolean).join(' ');
  if (props.href) {
    return (
      <a href={props.href} class={classes} id={props.id} draggable={false}>
        {props.children}
      </a>
    );
  }
  return (
    <button
      type={props.type ?? 'submit'}
      class={classes}
      id={props.id}
      name={props.name}
      value={props.value}
      disabled={props.disabled}
      aria-disabled={props.disabled ? 'true' : undefined}
      data-module={props.preventDoubleClick ? 'button' : undefined}
      data-prevent-double-click={props.preventDoubleClick ? 'true' : undefined}
    >
      {props.children}
    </button>
  );
}

/** Buttons and links side by side (次へ進む and 下書き保存), wrapping on narrow screens. */
export function ButtonGroup(props: { children: ComponentChildren }) {
  return <div class="button-group">{props.children}</div>;
}
