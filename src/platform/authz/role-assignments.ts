// Granting and revoking scoped roles. Whoever grants must hold "authz.manage_roles" over every
// tenant the new assignment would cover (so a municipal admin grants only within their
// municipality), and only a platform administrator can make another one.
import type { Database } from '../db/database.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { AppError, PlatformErrors, type Localized } from '../errors.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';
import { actorId, type Actor, type RoleAssignment } from './actor.ts';
import { covers, type Guard } from './guard.ts';
import { findRole, type ScopeLevel } from './roles.ts';

export interface GrantInput {
  principalId: string;
  role: string;
  scope: { level: ScopeLevel; prefectureCode: string; zoneId?: string | null; lgCode?: string | null };
}

export interface RequestMeta {
  ip?: string | null;
  requestId?: string | null;
}

function invalid(name: string, detail: Localized): AppError {
  return new AppError(PlatformErrors.VALIDATION, { detail, problems: [{ name, in: 'body', detail }] });
}

/** The tenants an assignment at this scope would cover (validated against the directory). */
async function scopeTenants(tenants: TenantDirectory, input: GrantInput): Promise<string[]> {
  const snapshot = await tenants.snapshot();
  const prefecture = snapshot.tenants.get(input.scope.prefectureCode);
  if (!prefecture || prefecture.level !== 'prefecture') {
    throw invalid('/scope/prefectureCode', { ja: '都道府県コードが登録されていません', en: 'The prefecture is not a tenant here' });
  }
  const probe: RoleAssignment = {
    id: '',
    principalId: input.principalId,
    role: input.role,
    scopeLevel: input.scope.level,
    prefectureCode: input.scope.prefectureCode,
    zoneId: input.scope.zoneId ?? null,
    lgCode: input.scope.lgCode ?? null,
  };
  if (input.scope.level === 'zone' && !snapshot.zones.some((z) => z.prefectureCode === prefecture.lgCode && z.id === probe.zoneId)) {
    throw invalid('/scope/zoneId', { ja: 'この生活圏は登録されていません', en: 'The living zone does not exist in this prefecture' });
  }
  if (input.scope.level === 'municipality') {
    const m = probe.lgCode ? snapshot.tenants.get(probe.lgCode) : undefined;
    if (!m || m.level !== 'municipality' || m.prefectureCode !== prefecture.lgCode) {
      throw invalid('/scope/lgCode', { ja: 'この市町村は登録されていません', en: 'The municipality is not a tenant in this prefecture' });
    }
  }
  return [...snapshot.tenants.values()].filter((t) => covers(probe, t)).map((t) => t.lgCode);
}

export async function grantRole(
  deps: { db: Database; guard: Guard; tenants: TenantDirectory },
  actor: Actor,
  input: GrantInput,
  meta: RequestMeta = {},
): Promise<RoleAssignment> {
  const role = findRole(input.role);
  if (!role) throw invalid('/role', { ja: `役割「${input.role}」はありません`, en: `There is no role "${input.role}"` });
  if (!role.scopes.includes(input.scope.level)) {
    throw invalid('/scope/level', {
      ja: `役割「${input.role}」は${input.scope.level}単位では付与できません`,
      en: `Role "${input.role}" cannot be granted at ${input.scope.level} scope`,
    });
  }
  const covered = await scopeTenants(deps.tenants, input);
  if (role.name === 'platform_admin' && !deps.guard.isPlatformAdmin(actor)) {
    throw new AppError(PlatformErrors.FORBIDDEN, { detail: { ja: 'プラットフォーム管理者のみが付与できます', en: 'Only a platform administrator can grant this role' } });
  }
  const allowed = await deps.guard.tenantsFor(actor, 'authz.manage_roles');
  if (actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
  if (!covered.every((code) => allowed.has(code))) {
    throw new AppError(PlatformErrors.FORBIDDEN, {
      detail: { ja: 'この範囲に役割を付与する権限がありません', en: 'You may not grant roles at this scope' },
    });
  }
  // Inside a caller's transaction (e.g. inviting a staff member with their roles) the grant joins it.
  const write = async (trx: Database) => {
    const row = await trx
      .insertInto('platform_role_assignments')
      .values({
        principal_id: input.principalId,
        role: input.role,
        scope_level: input.scope.level,
        prefecture_code: input.scope.prefectureCode,
        zone_id: input.scope.level === 'zone' ? input.scope.zoneId ?? null : null,
        lg_code: input.scope.level === 'municipality' ? input.scope.lgCode ?? null : null,
        granted_by: actorId(actor),
      })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError(PlatformErrors.CONFLICT, { detail: { ja: 'この役割は既に付与されています', en: 'This role is already assigned' } });
    await appendAudit(trx, {
      actor: actorId(actor),
      action: 'authz.role.grant',
      lgCode: row.lg_code ?? (row.scope_level === 'prefecture' ? row.prefecture_code : null),
      subject: `principal:${row.principal_id}`,
      ip: meta.ip ?? null,
      requestId: meta.requestId ?? null,
      details: { assignment: row.id, role: row.role, scope: row.scope_level, prefecture: row.prefecture_code, zone: row.zone_id },
    });
    return {
      id: row.id,
      principalId: row.principal_id,
      role: row.role,
      scopeLevel: row.scope_level,
      prefectureCode: row.prefecture_code,
      zoneId: row.zone_id,
      lgCode: row.lg_code,
    };
  };
  return deps.db.isTransaction ? write(deps.db) : deps.db.transaction().execute(write);
}

export async function revokeRole(
  deps: { db: Database; guard: Guard; tenants: TenantDirectory },
  actor: Actor,
  assignmentId: string,
  meta: RequestMeta = {},
): Promise<void> {
  const row = await deps.db.selectFrom('platform_role_assignments').selectAll().where('id', '=', assignmentId).executeTakeFirst();
  if (!row) throw new AppError(PlatformErrors.NOT_FOUND);
  // Revoking needs the same right as granting the same assignment.
  const covered = await scopeTenants(deps.tenants, {
    principalId: row.principal_id,
    role: row.role,
    scope: { level: row.scope_level, prefectureCode: row.prefecture_code, zoneId: row.zone_id, lgCode: row.lg_code },
  });
  const allowed = await deps.guard.tenantsFor(actor, 'authz.manage_roles');
  if (actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
  if ((row.role === 'platform_admin' && !deps.guard.isPlatformAdmin(actor)) || !covered.every((c) => allowed.has(c))) {
    throw new AppError(PlatformErrors.FORBIDDEN);
  }
  await deps.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('platform_role_assignments').where('id', '=', assignmentId).execute();
    await appendAudit(trx, {
      actor: actorId(actor),
      action: 'authz.role.revoke',
      lgCode: row.lg_code ?? (row.scope_level === 'prefecture' ? row.prefecture_code : null),
      subject: `principal:${row.principal_id}`,
      ip: meta.ip ?? null,
      requestId: meta.requestId ?? null,
      details: { assignment: row.id, role: row.role, scope: row.scope_level, prefecture: row.prefecture_code, zone: row.zone_id },
    });
  });
}
