// The error summary takes focus when the page loads, so a screen reader reads the problems first
// and a keyboard user starts there. Its links move focus to the field and scroll the field's
// question (label or legend) into view: jumping to the bare input would leave the question
// above the top of the screen.
import { setFocus } from '../focus.js';

/** The question of a field: the legend of its group for choices and date boxes, else its label. */
function questionOf(input) {
  const fieldset = input.closest('fieldset');
  const legend = fieldset?.querySelector(':scope > legend');
  const grouped = input.type === 'radio' || input.type === 'checkbox' || input.classList.contains('date-input__input');
  if (legend && grouped) return legend;
  const label = input.id ? document.querySelector(`label[for="${CSS.escape(input.id)}"]`) : null;
  return label?.closest('h1') ?? label ?? legend ?? input;
}

/** The element a summary link points to; a fieldset (a date) stands for its first box. */
function fieldFor(href) {
  if (!href.startsWith('#')) return null;
  const target = document.getElementById(decodeURIComponent(href.slice(1)));
  if (target?.tagName === 'FIELDSET') return target.querySelector('input, select, textarea');
  return target;
}

export function focusField(href) {
  const input = fieldFor(href);
  if (!input) return false;
  questionOf(input).scrollIntoView({ block: 'start' });
  input.focus({ preventScroll: true });
  return true;
}

export function initErrorSummary(summary) {
  if (summary.dataset.disableAutoFocus !== 'true') setFocus(summary);
  summary.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[href^="#"]') : null;
    if (link && focusField(link.getAttribute('href'))) event.preventDefault();
  });
}
