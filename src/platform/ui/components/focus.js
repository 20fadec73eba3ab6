// Moves focus to an element that is not normally focusable (an error summary, a banner), for
// this one time: the temporary tabindex goes away on blur, so a later click inside it does not
// draw a focus ring around the whole box.
export function setFocus(element, options = {}) {
  if (!element.hasAttribute('tabindex')) {
    element.setAttribute('tabindex', '-1');
    element.addEventListener('blur', () => element.removeAttribute('tabindex'), { once: true });
  }
  element.focus(options);
}
