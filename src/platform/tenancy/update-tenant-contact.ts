// Use case: a municipal administrator updates the public contact details of their body.
// Optimistic concurrency: the caller names the version it read; a stale version is refused,
// so two staff editing at once never silently overwrite each other.
import { sql } from 'kysely';
import type { Actor } from '../authz/actor.ts';
import { actorId } from '../authz/actor.ts';
import type { Guard } from '../authz/guard.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Database } from '../db/database.ts';
import type { TenantContact } from '../db/schema.ts';
import { AppError, PlatformErrors } from '../errors.ts';
import type { TenantDirectory } from './tenant-directory.ts';

export interface UpdateContactInput {
  actor: Actor;
  lgCode: string;
  expectedVersion: number;
  contact: TenantContact;
  ip?: string;
  requestId?: string;
}

export async function updateTenantContact(
  deps: { db: Database; guard: Guard; tenants: TenantDirectory },
  input: UpdateContactInput,
): Promise<number> {
  await deps.guard.assert(input.actor, 'tenancy.manage', input.lgCode);
  const version = await deps.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('platform_tenants')
      .set({ contact: JSON.stringify(input.contact), version: sql`version + 1`, updated_at: sql`now()` })
      .where('lg_code', '=', input.lgCode)
      .where('version', '=', input.expectedVersion)
      .returning('version')
      .executeTakeFirst();
    if (!updated) throw new AppError(PlatformErrors.PRECONDITION_FAILED);
    await appendAudit(trx, {
      actor: actorId(input.actor),
      action: 'tenancy.contact.update',
      lgCode: input.lgCode,
      subject: `tenant:${input.lgCode}`,
      ip: input.ip ?? null,
      requestId: input.requestId ?? null,
      details: { fields: Object.keys(input.contact).sort(), version: updated.version },
    });
    return updated.version;
  });
  deps.tenants.invalidate();
  return version;
}
