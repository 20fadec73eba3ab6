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

export type Actor =
  | { kind: 'anonymous' }
  /** The operator at the console (CLI): full rights, recorded as "system" in the audit log. */
  | { kind: 'system' }
  | { kind: 'principal'; principalId: string; displayName: string; assignments: RoleAssignment[] };

export const anonymous: Actor = { kind: 'anonymous' };
export const system: Actor = { kind: 'system' };

export function actorId(actor: Actor): string {
  return actor.kind === 'principal' ? actor.principalId : actor.kind;
}
