// Prefilling the shared questions from the person's profile, once they have said yes: names,
// kana, date of birth, address and phone, as the renderer names their inputs. Names and
// addresses are copied exactly (never normalised: rare kanji must come back as typed).
import { personalDetailsOf, verifiedBasicFour, type BasicFour, type PersonalDetails } from '../../identity/exports.ts';
import type { AppContext } from '../../platform/module.ts';
import type { FormValues } from '../../platform/ui/form-errors.ts';
import type { SharedField } from './bulk-application.ts';

/**
 * The answers the My Number card verified (基本4情報), for counter assistance: 氏名, date of birth
 * and address as the card holds them, in place of what the profile says. The card has no postal
 * code: the profile's is kept when there is one, else the clerk asks.
 */
export function cardPrefill(card: BasicFour, shared: SharedField[], postalCode: string | undefined): { values: FormValues; keys: string[] } {
  const values: FormValues = {};
  const keys: string[] = [];
  for (const s of shared) {
    const k = s.key;
    if (s.dictionary === 'full-name' && card.name) values[k] = card.name;
    else if (s.dictionary === 'birth-date' && card.dateOfBirth && /^\d{4}-\d{2}-\d{2}$/.test(card.dateOfBirth)) {
      const [y, m, d] = card.dateOfBirth.split('-');
      Object.assign(values, { [`${k}-year`]: y!, [`${k}-month`]: String(Number(m)), [`${k}-day`]: String(Number(d)) });
    } else if (s.dictionary === 'address' && card.address) Object.assign(values, { [`${k}-postcode`]: postalCode ?? '', [`${k}-address`]: card.address });
    else continue;
    keys.push(k);
  }
  return { values, keys };
}

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
    // A name part left empty in the profile must not become a lone full-width space.
    if (s.dictionary === 'full-name') set({ [k]: joinName(details.familyName, details.givenName) });
    else if (s.dictionary === 'full-name-kana') set({ [k]: joinName(details.familyNameKana, details.givenNameKana) });
    else if (s.dictionary === 'birth-date' && /^\d{4}-\d{2}-\d{2}$/.test(details.birthDate)) {
      const [y, m, d] = details.birthDate.split('-');
      set({ [`${k}-year`]: y!, [`${k}-month`]: String(Number(m)), [`${k}-day`]: String(Number(d)) });
    } else if (s.dictionary === 'address' && details.addressLine.trim()) set({ [`${k}-postcode`]: details.postalCode, [`${k}-address`]: `${municipality}${details.addressLine}` });
    else if (s.dictionary === 'phone') set({ [k]: details.phone });
  }
  return { values, keys };
}

const joinName = (family: string, given: string) => [family.trim(), given.trim()].filter(Boolean).join('　');

/** What the City OS holds about a resident for prefilling: their profile, what their card verified, and their municipality's name. */
export interface RecordedDetails {
  details: PersonalDetails | undefined;
  card: BasicFour | undefined;
  /** 「福島県会津若松市」: what comes before the profile's address line. */
  municipality: string;
}

export async function recordedDetails(app: AppContext, accountId: string): Promise<RecordedDetails> {
  const [details, card] = await Promise.all([personalDetailsOf(app, accountId), verifiedBasicFour(app, accountId)]);
  const residence = details?.residenceLgCode ? await app.tenants.get(details.residenceLgCode) : undefined;
  const prefecture = residence ? await app.tenants.get(residence.prefectureCode) : undefined;
  return { details, card, municipality: `${prefecture?.name.ja ?? ''}${residence?.name.ja ?? ''}` };
}

/** The shared answers from the profile, with what the card verified over them; `verified` names the card's. */
export function recordedPrefill(recorded: RecordedDetails, shared: SharedField[]): { values: FormValues; keys: string[]; verified: string[] } {
  const profile = recorded.details ? profilePrefill(recorded.details, shared, recorded.municipality) : { values: {}, keys: [] };
  const card = recorded.card ? cardPrefill(recorded.card, shared, recorded.details?.postalCode || undefined) : { values: {}, keys: [] };
  return { values: { ...profile.values, ...card.values }, keys: [...new Set([...profile.keys, ...card.keys])], verified: card.keys };
}
