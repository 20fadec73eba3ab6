// The character count: a visible line that follows the typing, and a second, hidden line for
// screen readers that is updated only after a pause (announcing every key press would drown out
// the typing). The static limit text from the server stays as the textarea's description.
// Characters are counted as countCharacters() in textarea.tsx counts them.
const ANNOUNCE_AFTER_MS = 1000;

const count = (text) => Array.from(text.replace(/\r\n/g, '\n')).length;

export function initCharacterCount(group) {
  const field = group.querySelector('.character-count__field');
  const textarea = field?.querySelector('textarea');
  const info = group.querySelector('.character-count__message');
  const limit = Number(field?.dataset.maxlength);
  if (!field || !textarea || !info || !(limit > 0)) return;
  const plural = new Intl.PluralRules(document.documentElement.lang || 'ja');

  const visible = document.createElement('div');
  visible.className = 'hint character-count__status';
  visible.setAttribute('aria-hidden', 'true');
  const spoken = document.createElement('div');
  spoken.className = 'visually-hidden character-count__sr-status';
  spoken.setAttribute('aria-live', 'polite');
  info.classList.add('visually-hidden');
  info.after(visible, spoken);

  const message = () => {
    const left = limit - count(textarea.value);
    const over = left < 0;
    const n = Math.abs(left);
    const template = field.dataset[`${over ? 'over' : 'remaining'}${plural.select(n) === 'one' ? 'One' : 'Other'}`] ?? '';
    return { text: template.replace('{count}', String(n)), over };
  };
  let timer;
  const update = (announce) => {
    const { text, over } = message();
    visible.textContent = text;
    visible.classList.toggle('character-count__status--error', over);
    textarea.classList.toggle('textarea--error', over || group.classList.contains('form-group--error'));
    clearTimeout(timer);
    if (announce) timer = setTimeout(() => (spoken.textContent = text), ANNOUNCE_AFTER_MS);
  };
  textarea.addEventListener('input', () => update(true));
  update(false);
}
