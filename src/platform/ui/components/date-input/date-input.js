// Keeps the 和暦 hint under a date input in step with what is typed, using the same wareki.js
// the server uses to render it. The hint is a polite live region, so a screen reader hears the
// era once typing pauses.
import { warekiHint } from './wareki.js';

export function initDateInput(container) {
  const words = JSON.parse(container.dataset.warekiWords ?? 'null');
  const fieldset = container.closest('fieldset');
  const hint = fieldset?.querySelector('.date-input__wareki');
  if (!words || !hint) return;
  const box = (part) => container.querySelector(`.date-input__input[name$="-${part}"]`);
  const [year, month, day] = ['year', 'month', 'day'].map(box);
  const update = () => {
    const text = warekiHint({ year: year?.value, month: month?.value, day: day?.value }, words);
    if (hint.textContent !== text) hint.textContent = text;
  };
  container.addEventListener('input', update);
}
