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
