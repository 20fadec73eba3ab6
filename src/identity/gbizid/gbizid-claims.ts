// What GビズID tells a relying party, and how Tsunagu reads it. The names follow GビズID's
// guideline for connected systems (接続システム向けガイドライン, §3.4.1 OpenID Connect), as far as
// we could confirm them (docs/identity-gbizid.md lists sources and assumptions):
//   scope profile → account_type (1 エントリー, 2 プライム, 3 メンバー), corp_type (1 法人, 2 個人事業主),
//                   corporate_number, name (the business), rep_* (the representative), …
//   scope user    → user_last_nm, user_first_nm (the person logging in), …
//   scope email   → email (the GビズID account ID is the person's e-mail address)
// GビズID puts no personal data in the ID token; these come from the UserInfo endpoint.
import { checkEmail, normaliseEmail } from '../accounts/email-address.ts';
import type { BusinessFacts, GbizidAccountType } from './business-links.ts';
import { corporateNumberProblem } from './corporate-number.ts';

/** The scopes Tsunagu asks for: no optional scope that needs GビズID's prior approval. */
export const GBIZID_SCOPES = ['openid', 'profile', 'user', 'email'] as const;

/** The claims each scope releases (what the stand-in serves; a subset of GビズID's). */
export const GBIZID_CLAIMS_BY_SCOPE: Record<(typeof GBIZID_SCOPES)[number], string[]> = {
  openid: ['sub'],
  profile: ['account_type', 'corp_type', 'parent_id', 'corporate_number', 'name', 'en_name', 'prefecture_name', 'address1', 'address2', 'rep_last_nm', 'rep_first_nm', 'rep_last_nm_kana', 'rep_first_nm_kana'],
  user: ['user_last_nm', 'user_first_nm', 'user_last_nm_kana', 'user_first_nm_kana', 'user_department'],
  email: ['email'],
};

const ACCOUNT_TYPES: Record<string, GbizidAccountType> = { '1': 'entry', '2': 'prime', '3': 'member' };
const CORP_TYPES: Record<string, BusinessFacts['corpType']> = { '1': 'corporation', '2': 'sole_proprietor' };

export interface GbizidIdentity {
  subject: string;
  /** Normalised (accounts/email-address.ts). */
  email: string;
  /** "姓 名" of the person logging in, when GビズID gave it. */
  personName: string | null;
  business: BusinessFacts;
}

export type ClaimsProblem =
  | 'account_type'
  | 'corp_type'
  | 'corporate_number_missing'
  | 'corporate_number_format'
  | 'corporate_number_check_digit'
  | 'business_name'
  | 'email';

export type ClaimsResult = { ok: true; identity: GbizidIdentity } | { ok: false; problem: ClaimsProblem };

// GビズID's codes are numbers in its examples; a string of the same digits is read alike.
function code(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'string' && /^\d$/.test(value.trim())) return value.trim();
  return undefined;
}

function text(value: unknown, max = 200): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed && trimmed.length <= max ? trimmed : undefined;
}

function fullName(last: unknown, first: unknown): string | null {
  const parts = [text(last, 100), text(first, 100)].filter((p): p is string => p !== undefined);
  return parts.length ? parts.join(' ') : null;
}

/** Reads and checks the claims of one login (UserInfo merged over the ID token's sub). */
export function readGbizidClaims(subject: string, claims: Record<string, unknown>): ClaimsResult {
  const accountType = ACCOUNT_TYPES[code(claims.account_type) ?? ''];
  if (!accountType) return { ok: false, problem: 'account_type' };
  const corpType = CORP_TYPES[code(claims.corp_type) ?? ''];
  if (!corpType) return { ok: false, problem: 'corp_type' };
  let corporateNumber: string | null = null;
  if (corpType === 'corporation') {
    if (typeof claims.corporate_number !== 'string' || claims.corporate_number === '') return { ok: false, problem: 'corporate_number_missing' };
    const problem = corporateNumberProblem(claims.corporate_number);
    if (problem === 'not_13_digits') return { ok: false, problem: 'corporate_number_format' };
    if (problem === 'check_digit') return { ok: false, problem: 'corporate_number_check_digit' };
    corporateNumber = claims.corporate_number;
  }
  // A sole proprietor has no 法人番号 (GビズID gives them a number of its own, which we do not keep).
  const personName = fullName(claims.user_last_nm, claims.user_first_nm);
  const corporateName = text(claims.name) ?? (corpType === 'sole_proprietor' ? (fullName(claims.rep_last_nm, claims.rep_first_nm) ?? personName) : null);
  if (!corporateName) return { ok: false, problem: 'business_name' };
  const email = normaliseEmail(typeof claims.email === 'string' ? claims.email : '');
  if (checkEmail(email)) return { ok: false, problem: 'email' };
  return {
    ok: true,
    identity: {
      subject,
      email,
      personName,
      // Only the Prime holder is vouched for by GビズID as the one who represents the business.
      business: { accountType, corpType, corporateNumber, corporateName, representative: accountType === 'prime' },
    },
  };
}
