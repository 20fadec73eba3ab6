// Who is making a request. Authentication modules (operator tokens here; staff sessions, OIDC
// clients in the identity module) turn a request into an Actor; the guard decides what it may do.
import type { ScopeLevel } from './roles.ts';

export interface RoleAssignment {
  id: string;
  principalId: string;
  role: string;
  scopeLevel: ScopeLevel;
  prefectureCode: string;
  zoneId: string | null;
  lgCode: string | null;
}

/** A person signed in with a common ID account (identity module), as seen by every module. */
export interface SignedInAccount {
  accountId: string;
  accountKind: 'resident' | 'business' | 'staff';
  /** The tenant the account belongs to (the prefecture for residents; the office for staff). */
  lgCode: string;
  /** How well the person's identity was checked: A My Number card, B ID at a counter, C registered. */
  assuranceLevel: 'A' | 'B' | 'C';
  /** The level this session proves (A only when the card signed during this session). */
  acr: 'A' | 'B' | 'C';
  /** How this session was authenticated (pwd, otp, passkey, jpki…). */
  methods: string[];
  sessionIdHash: string;
  /**
   * Set while a proxy (代理人) acts for someone under a mandate: `accountId` is the person acted
   * for. Modules apply procedures to that person and record both (identity/proxies/). With scope
   * 'listed', only `procedures` (catalogue references) may be applied for; an empty list (a mandate
   * whose procedures were only described in words) allows none.
   */
  actingFor?: { mandateId: string; accountId: string; name: string; scope: 'all' | 'listed'; procedures: Array<{ lgCode: string; code: string }>; description: string | null };
  /** A business signed in through GビズID: which business, and the person's place in it. */
  business?: SignedInBusiness;
}

/** What GビズID says about a business account's business (refreshed at every login). */
export interface SignedInBusiness {
  /** 法人番号, 13 digits with a verified check digit; null for a sole proprietor (個人事業主). */
  corporateNumber: string | null;
  corporateName: string;
  /** The GビズID Prime holder: the corporation's representative (代表者) or the sole proprietor. */
  representative: boolean;
  /** GビズID account type: entry (self-registered, unverified), prime (verified), member (an employee under a Prime). */
  accountType: 'entry' | 'prime' | 'member';
}

export type Actor =
  | { kind: 'anonymous' }
  /** The operator at the console (CLI): full rights, recorded as "system" in the audit log. */
  | { kind: 'system' }
  | { kind: 'principal'; principalId: string; displayName: string; assignments: RoleAssignment[]; account?: SignedInAccount };

export const anonymous: Actor = { kind: 'anonymous' };
export const system: Actor = { kind: 'system' };

export function actorId(actor: Actor): string {
  return actor.kind === 'principal' ? actor.principalId : actor.kind;
}
