// Turns a request into an Actor. Each authentication method (operator tokens here; staff
// sessions and OIDC access tokens in the identity module) is an Authenticator that either
// recognises the request's credentials or passes. Credentials that are present but wrong are
// refused with 401 rather than silently treated as anonymous.
import type { FastifyRequest } from 'fastify';
import type { Database } from '../db/database.ts';
import type { Actor, RoleAssignment } from './actor.ts';

export type Authenticator = (request: FastifyRequest) => Promise<Actor | null>;

export async function loadAssignments(db: Database, principalId: string): Promise<RoleAssignment[]> {
  const rows = await db.selectFrom('platform_role_assignments').selectAll().where('principal_id', '=', principalId).execute();
  return rows.map((r) => ({
    id: r.id,
    principalId: r.principal_id,
    role: r.role,
    scopeLevel: r.scope_level,
    prefectureCode: r.prefecture_code,
    zoneId: r.zone_id,
    lgCode: r.lg_code,
  }));
}
