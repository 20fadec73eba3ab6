// Prefilling the shared questions from the person's profile, once they have said yes: names,
// kana, date of birth, address and phone, as the renderer names their inputs. Names and
// addresses are copied exactly (never normalised: rare kanji must come back as typed).
import type { PersonalDetails } from '../../identity/exports.ts';
import type { FormValues } from '../../platform/ui/form-errors.ts';
import type { SharedField } from './bulk-application.ts';

export function profilePrefill(details: PersonalDetails, shared: SharedField[], municipality: string): { values: FormValues; keys: string[] } {
  const values: FormValues = {};
  const keys: string[] = [];
  for (const s of shared) {
    const k = s.key;
    const set = (entries: FormValues) => {
      if (Object.values(entries).some((v) => !v)) return;
      Object.assign(values, entries);
      keys.push(k);
    };
    if (s.dictionary === 'full-name') set({ [k]: `${details.familyName}　${details.givenName}` });
    else if (s.dictionary === 'full-name-kana') set({ [k]: `${details.familyNameKana}　${details.givenNameKana}` });
    else if (s.dictionary === 'birth-date' && /^\d{4}-\d{2}-\d{2}$/.test(details.birthDate)) {
      const [y, m, d] = details.birthDate.split('-');
      set({ [`${k}-year`]: y!, [`${k}-month`]: String(Number(m)), [`${k}-day`]: String(Number(d)) });
    } else if (s.dictionary === 'address') set({ [`${k}-postcode`]: details.postalCode, [`${k}-address`]: `${municipality}${details.addressLine}` });
    else if (s.dictionary === 'phone') set({ [k]: details.phone });
  }
  return { values, keys };
}
