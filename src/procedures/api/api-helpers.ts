// What the catalog, navigation and forms APIs share: who may call, versions as ETags and the
// If-Match rules (platform/http/versions.ts), and the audit record of every change.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import type { Database } from '../../platform/db/database.ts';
import type { Permission } from '../../platform/authz/roles.ts';
import type { AppContext } from '../../platform/module.ts';
import { findTenantOrThrow } from '../../platform/tenancy/tenant-lookup.ts';
import { etag } from '../../platform/http/versions.ts';

export { etag, expectedVersion, staleWrite } from '../../platform/http/versions.ts';

export async function requireActor(request: FastifyRequest): Promise<void> {
  if (request.actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
}

/**
 * A preValidation hook for writes to the tenant in the path: a signed-in actor, a tenant that
 * exists, and `permission` on it, checked before the body so a stranger learns nothing from it.
 */
export function mayWriteTenant(app: AppContext, permission: Permission) {
  return async (request: FastifyRequest<{ Params: { lgCode: string } }>): Promise<void> => {
    await requireActor(request);
    await findTenantOrThrow(app.tenants, request.params.lgCode);
    await app.guard.assert(request.actor, permission, request.params.lgCode);
  };
}

export async function audit(db: Database, request: FastifyRequest, action: string, lgCode: string, subject: string, details: Record<string, unknown>): Promise<void> {
  await appendAudit(db, { actor: actorId(request.actor), action, lgCode, subject, ip: request.ip, requestId: request.id, details });
}

export function sendSaved(reply: FastifyReply, created: boolean, location: string, version: number, body: unknown): FastifyReply {
  reply.header('etag', etag(version));
  if (created) reply.code(201).header('location', location);
  return reply.send(body);
}
