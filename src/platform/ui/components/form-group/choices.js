// Radios and checkboxes: follow-up content is hidden until its choice is checked (in the HTML it
// is visible, so the page works without this script), and an "exclusive" checkbox ("none of
// these") unchecks the others and is unchecked by them.
function syncConditionals(inputs) {
  for (const input of inputs) {
    const id = input.dataset.controls;
    const content = id ? document.getElementById(id) : null;
    if (content) content.classList.toggle('conditional--hidden', !input.checked);
  }
}

export function initChoices(group) {
  const inputs = [...group.querySelectorAll('input[type="radio"], input[type="checkbox"]')];
  for (const input of inputs) {
    if (input.dataset.controls) input.setAttribute('aria-controls', input.dataset.controls);
  }
  syncConditionals(inputs);
  group.addEventListener('change', (event) => {
    const changed = event.target;
    if (!(changed instanceof HTMLInputElement)) return;
    if (changed.type === 'checkbox' && changed.checked) {
      const exclusive = changed.dataset.exclusive === 'true';
      for (const other of inputs) {
        if (other !== changed && other.name === changed.name && (exclusive || other.dataset.exclusive === 'true')) other.checked = false;
      }
    }
    // Checking a radio unchecks its siblings without an event of their own, so sync them all.
    syncConditionals(inputs);
  });
}
