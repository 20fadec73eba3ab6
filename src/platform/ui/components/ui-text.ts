// The language the components speak. Texts the components fix themselves ("Error:", "Show
// password", pagination labels) come from the message catalogues under `ui.`; the page layout
// provides the request's translator, and a component rendered on its own (a test, a fragment)
// falls back to Japanese, the portal's first language.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { translator, type Locale, type Translate } from '../../i18n/i18n.ts';

export interface UiText {
  locale: Locale;
  t: Translate;
}

export const UiTextContext = createContext<UiText>({ locale: 'ja', t: translator('ja') });

export function useUiText(): UiText {
  return useContext(UiTextContext);
}
