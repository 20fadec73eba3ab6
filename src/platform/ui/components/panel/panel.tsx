// The confirmation at the end of a procedure: what happened and the number to quote (受付番号).
// The title is the page's h1 by default, since the panel is what the completed page is about.
import type { ComponentChildren } from 'preact';

export interface PanelProps {
  title: string;
  /** Heading level of the title; 1 on a completed page. */
  headingLevel?: 1 | 2 | 3;
  children?: ComponentChildren;
}

export function Panel(props: PanelProps) {
  const Heading = `h${props.headingLevel ?? 1}` as 'h1' | 'h2' | 'h3';
  return (
    <div class="panel panel--confirmation">
      <Heading class="panel__title">{props.title}</Heading>
      {props.children !== undefined && <div class="panel__body">{props.children}</div>}
    </div>
  );
}
