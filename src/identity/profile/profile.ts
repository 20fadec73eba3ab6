// The City OS's own record of a person (都市OS保有データ): names in kanji and kana, date of birth,
// address with the residence municipality's code, workplace or school municipality (to show
// services by commute), household members, contact preferences and language.
//
// Personal values are sealed in one JSON value bound to the account. Names are stored exactly as
// typed, never Unicode-normalised: normalisation would silently turn some kanji variants (異体字)
// into others, and a name must come back byte for byte as its owner wrote it (髙, 﨑, 𠮷).
import { sql } from 'kysely';
import type { Sealer } from '../../platform/crypto/sealer.ts';
import type { IdentityDatabase, ProfileContact } from '../db/schema.ts';

export interface HouseholdMember {
  familyName: string;
  givenName: string;
  familyNameKana: string;
  givenNameKana: string;
  relationship: string;
  birthDate: string;
}

export interface PersonalDetails {
  familyName: string;
  givenName: string;
  familyNameKana: string;
  givenNameKana: string;
  /** YYYY-MM-DD (Gregorian; pages show the Japanese era beside it). */
  birthDate: string;
  postalCode: string;
  /** The address after the municipality (町名・番地・建物), as typed. */
  addressLine: string;
  phone: string;
  household: HouseholdMember[];
}

export interface Profile {
  accountId: string;
  personal: PersonalDetails;
  residenceLgCode: string | null;
  workplaceLgCode: string | null;
  language: 'ja' | 'en';
  contact: ProfileContact;
  version: number;
  updatedAt: Date;
}

const context = (accountId: string) => `identity_profiles.personal:${accountId}`;

export class ProfileStore {
  constructor(private readonly sealer: Sealer) {}

  async find(db: IdentityDatabase, accountId: string): Promise<Profile | undefined> {
    const row = await db.selectFrom('identity_profiles').selectAll().where('account_id', '=', accountId).executeTakeFirst();
    if (!row) return undefined;
    return {
      accountId,
      personal: this.sealer.openJson<PersonalDetails>(row.personal_sealed, context(accountId)),
      residenceLgCode: row.residence_lg_code,
      workplaceLgCode: row.workplace_lg_code,
      language: row.language,
      contact: row.contact,
      version: row.version,
      updatedAt: row.updated_at,
    };
  }

  /**
   * Creates or replaces the profile. `expectedVersion` (from the form the person edited) makes a
   * concurrent change from another device fail instead of being overwritten; false is returned.
   */
  async save(
    db: IdentityDatabase,
    accountId: string,
    input: Omit<Profile, 'accountId' | 'version' | 'updatedAt'>,
    expectedVersion: number | null,
  ): Promise<boolean> {
    const values = {
      personal_sealed: this.sealer.sealJson(input.personal, context(accountId)),
      residence_lg_code: input.residenceLgCode,
      workplace_lg_code: input.workplaceLgCode,
      language: input.language,
      contact: JSON.stringify(input.contact),
    };
    if (expectedVersion === null) {
      const inserted = await db
        .insertInto('identity_profiles')
        .values({ account_id: accountId, ...values })
        .onConflict((oc) => oc.column('account_id').doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
    }
    const updated = await db
      .updateTable('identity_profiles')
      .set({ ...values, updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
      .where('account_id', '=', accountId)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }
}
