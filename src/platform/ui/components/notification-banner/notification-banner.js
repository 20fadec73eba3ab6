// A success banner ("saved", "sent") takes focus on load so it is read before anything else.
import { setFocus } from '../focus.js';

export function initNotificationBanner(banner) {
  setFocus(banner);
}
