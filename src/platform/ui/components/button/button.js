// Ignores a second click on the same button within a second: people who double-click by habit
// would otherwise send a form twice. The server still has to treat a repeat as a repeat.
const DEBOUNCE_MS = 1000;

export function initButton(button) {
  if (button.dataset.preventDoubleClick !== 'true') return;
  let lastClick = 0;
  button.addEventListener('click', (event) => {
    const now = Date.now();
    if (now - lastClick < DEBOUNCE_MS) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    lastClick = now;
  });
}
