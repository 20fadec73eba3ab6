// A short status beside an item (申請中, 差し戻し, 完了). The colour is never the only signal: the
// words carry the meaning, and high-contrast mode shows them with a border instead of colour.
import type { ComponentChildren } from 'preact';

/** What the status means rather than its colour, so every page uses the same colour for it. */
export type TagTone = 'neutral' | 'info' | 'success' | 'warning' | 'error';

export interface TagProps {
  children: ComponentChildren;
  tone?: TagTone;
}

export function Tag(props: TagProps) {
  return <strong class={`tag tag--${props.tone ?? 'neutral'}`}>{props.children}</strong>;
}
