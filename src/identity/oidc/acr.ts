// Authentication context class references for the assurance levels of the Fukushima design
// (003B P5.4): A My Number card, B an identity document checked at a counter, C a registered
// ID and password (D, no registration, never signs in). A service asks for a level with
// acr_values (or an essential acr claim); a session below it is sent back through login.
import type { AssuranceLevel } from '../db/schema.ts';

export const ACR: Record<AssuranceLevel, string> = {
  A: 'urn:tsunagu:loa:A',
  B: 'urn:tsunagu:loa:B',
  C: 'urn:tsunagu:loa:C',
};

const STRENGTH: Record<AssuranceLevel, number> = { C: 1, B: 2, A: 3 };

export function levelOf(acr: string | undefined): AssuranceLevel | undefined {
  return (Object.keys(ACR) as AssuranceLevel[]).find((level) => ACR[level] === acr);
}

/** The weakest level a request accepts (any of its acr_values), or undefined for none asked. */
export function requiredLevel(acrValues: string[]): AssuranceLevel | undefined {
  const levels = acrValues.map(levelOf).filter((l): l is AssuranceLevel => l !== undefined);
  if (levels.length === 0) return undefined;
  return levels.reduce((weakest, l) => (STRENGTH[l] < STRENGTH[weakest] ? l : weakest));
}

export function satisfies(have: AssuranceLevel, need: AssuranceLevel | undefined): boolean {
  return need === undefined || STRENGTH[have] >= STRENGTH[need];
}

/** amr values (RFC 8176) for the ways a session was authenticated. */
export function amrOf(methods: string[]): string[] {
  const map: Record<string, string> = { pwd: 'pwd', otp: 'otp', recovery: 'otp', passkey: 'hwk', jpki: 'sc', gbizid: 'fed', email: 'pwd' };
  return [...new Set(methods.map((m) => map[m]).filter((m): m is string => Boolean(m)))];
}

/**
 * The level to put in the ID token: the strongest requested level the session meets (a service
 * asking for B gets B from a level-A session, so its exact-match check passes), else the
 * session's own level.
 */
export function reportedLevel(session: AssuranceLevel, acrValues: string[]): AssuranceLevel {
  const met = acrValues.map(levelOf).filter((l): l is AssuranceLevel => l !== undefined && satisfies(session, l));
  if (met.length === 0) return session;
  return met.reduce((strongest, l) => (STRENGTH[l] > STRENGTH[strongest] ? l : strongest));
}
