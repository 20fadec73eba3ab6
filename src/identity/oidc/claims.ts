// What a service may learn about a person, scope by scope. Each scope releases a few claims, so a
// service asks for only what it needs and the consent page can say exactly what will be shared.
// Names use OIDC's language-tagged claims (OpenID Connect Core 1.0 §5.2): the kanji name as
// typed under name#ja-Hani-JP as well as name, the furigana under name#ja-Kana-JP.
import type { Account } from '../accounts/account-store.ts';
import type { Profile } from '../profile/profile.ts';
import type { Tenant } from '../../platform/tenancy/tenant-directory.ts';
import type { SignedInBusiness } from '../../platform/authz/actor.ts';

export const CLAIMS_BY_SCOPE: Record<string, string[]> = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['name', 'family_name', 'given_name', 'name#ja-Hani-JP', 'family_name#ja-Hani-JP', 'given_name#ja-Hani-JP', 'locale'],
  kana: ['name#ja-Kana-JP', 'family_name#ja-Kana-JP', 'given_name#ja-Kana-JP'],
  birthdate: ['birthdate'],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number'],
  residence: ['residence_lg_code', 'workplace_lg_code'],
  assurance: ['assurance_level'],
  business: ['corporate_number', 'corporate_name', 'business_representative', 'gbizid_account_type'],
};

export type ClaimSet = Record<string, unknown>;

/** Every claim the account has; oidc-provider releases only those of granted scopes. */
export function accountClaims(account: Account, profile: Profile | undefined, tenantOf: (lgCode: string) => Tenant | undefined, business?: SignedInBusiness): ClaimSet {
  const claims: ClaimSet = {
    sub: account.id,
    email: account.email,
    email_verified: account.emailVerified,
    assurance_level: account.assuranceLevel,
  };
  if (business) {
    // What GビズID said at the business's last login (gbizid/business-links.ts).
    Object.assign(claims, { corporate_number: business.corporateNumber, corporate_name: business.corporateName, business_representative: business.representative, gbizid_account_type: business.accountType });
  }
  if (!profile) return claims;
  const p = profile.personal;
  const name = `${p.familyName} ${p.givenName}`;
  const kana = `${p.familyNameKana} ${p.givenNameKana}`;
  Object.assign(claims, {
    name,
    family_name: p.familyName,
    given_name: p.givenName,
    'name#ja-Hani-JP': name,
    'family_name#ja-Hani-JP': p.familyName,
    'given_name#ja-Hani-JP': p.givenName,
    'name#ja-Kana-JP': kana,
    'family_name#ja-Kana-JP': p.familyNameKana,
    'given_name#ja-Kana-JP': p.givenNameKana,
    locale: profile.language,
    birthdate: p.birthDate,
    residence_lg_code: profile.residenceLgCode,
    workplace_lg_code: profile.workplaceLgCode,
  });
  if (p.phone) claims.phone_number = p.phone;
  const municipality = profile.residenceLgCode ? tenantOf(profile.residenceLgCode) : undefined;
  const prefecture = municipality ? tenantOf(municipality.prefectureCode) : undefined;
  claims.address = {
    formatted: `〒${p.postalCode} ${prefecture?.name.ja ?? ''}${municipality?.name.ja ?? ''}${p.addressLine}`,
    postal_code: p.postalCode,
    region: prefecture?.name.ja,
    locality: municipality?.name.ja,
    street_address: p.addressLine,
    country: 'JP',
  };
  return claims;
}
