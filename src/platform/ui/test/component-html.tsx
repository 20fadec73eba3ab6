// Renders a component to HTML and parses it, so tests can assert on the markup a screen reader
// depends on (ids, aria-describedby, label for, legend) rather than on strings.
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import { parse, type HTMLElement } from 'node-html-parser';
import { translator, type Locale } from '../../i18n/i18n.ts';
import { UiTextContext } from '../components/ui-text.ts';

export function renderHtml(vnode: VNode, locale: Locale = 'ja'): string {
  return render(<UiTextContext.Provider value={{ locale, t: translator(locale) }}>{vnode}</UiTextContext.Provider>);
}

export function renderDom(vnode: VNode, locale: Locale = 'ja'): HTMLElement {
  return parse(renderHtml(vnode, locale));
}

/** The one element matching the selector; fails the test when there is none. */
export function one(root: HTMLElement, selector: string): HTMLElement {
  const found = root.querySelector(selector);
  if (!found) throw new Error(`No element matches ${selector} in:\n${root.toString()}`);
  return found;
}

/** The ids listed in an aria-describedby (or similar) attribute. */
export function idList(element: HTMLElement, attribute = 'aria-describedby'): string[] {
  return (element.getAttribute(attribute) ?? '').split(/\s+/).filter(Boolean);
}

/** The text of the elements an aria-describedby points to, in order (what a screen reader reads). */
export function description(root: HTMLElement, element: HTMLElement): string[] {
  return idList(element).map((id) => one(root, `#${id}`).text.trim());
}
