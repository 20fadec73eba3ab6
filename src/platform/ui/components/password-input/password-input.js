// Shows the show/hide button (hidden in the HTML because it needs this script) and switches the
// box between type="password" and type="text". The button's text changes, and a hidden live
// region says what happened. The box goes back to type="password" before the form is sent and
// when the page is shown again from the back/forward cache, so browsers never keep the password
// as ordinary text.
export function initPasswordInput(group) {
  const input = group.querySelector('.password-input__input');
  const button = group.querySelector('.password-input__toggle');
  const status = group.querySelector('.password-input__status');
  if (!input || !button || !status) return;
  const text = button.dataset;

  const show = (visible) => {
    input.type = visible ? 'text' : 'password';
    button.textContent = visible ? text.hideText : text.showText;
    status.textContent = visible ? text.shownAnnouncement : text.hiddenAnnouncement;
  };
  button.hidden = false;
  button.addEventListener('click', () => show(input.type === 'password'));
  input.form?.addEventListener('submit', () => {
    if (input.type !== 'password') show(false);
  });
  window.addEventListener('pageshow', () => {
    if (input.type !== 'password') show(false);
  });
}
