// Progressive enhancement for the server-rendered components: every page loads this one module
// (script-src 'self', no inline script). Each element with data-module="<name>" gets the matching
// behaviour; a page without JavaScript has already been fully usable without it.
import { initButton } from './button/button.js';
import { initChoices } from './form-group/choices.js';
import { initCharacterCount } from './textarea/character-count.js';
import { initDateInput } from './date-input/date-input.js';
import { initErrorSummary } from './error-summary/error-summary.js';
import { initNotificationBanner } from './notification-banner/notification-banner.js';
import { initPasswordInput } from './password-input/password-input.js';
import { initReadAloud } from './read-aloud/read-aloud.js';

const modules = {
  button: initButton,
  choices: initChoices,
  'character-count': initCharacterCount,
  'date-input': initDateInput,
  'error-summary': initErrorSummary,
  'notification-banner': initNotificationBanner,
  'password-input': initPasswordInput,
  'read-aloud': initReadAloud,
};

for (const [name, init] of Object.entries(modules)) {
  for (const element of document.querySelectorAll(`[data-module="${name}"]`)) {
    // One broken component must not stop the others from working.
    try {
      init(element);
    } catch (error) {
      console.error(`data-module="${name}" failed to start`, error);
    }
  }
}
