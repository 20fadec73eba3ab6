// Help that only some people need (どの書類が必要ですか). The browser's own <details> opens and
// closes without JavaScript and tells screen readers whether it is expanded.
import type { ComponentChildren } from 'preact';

export interface DetailsProps {
  summary: string;
  children: ComponentChildren;
  open?: boolean;
  id?: string;
}

export function Details(props: DetailsProps) {
  return (
    <details class="details" id={props.id} open={props.open}>
      <summary class="details__summary">
        <span class="details__summary-text">{props.summary}</span>
      </summary>
      <div class="details__text">{props.children}</div>
    </details>
  );
}
