// What the catalog and navigation APIs share: who may call, versions as ETags, the If-Match
// rules of a create-or-replace PUT, and the audit record of every change.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import type { Database } from '../../platform/db/database.ts';

export const etag = (version: number) => `"v${version}"`;

export async function requireActor(request: FastifyRequest): Promise<void> {
  if (request.actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
}

/**
 * The version a PUT may write over. A resource that exists needs If-Match with its current
 * ETag (428 without, 412 when stale); one that does not exist yet is created only without
 * If-Match (or with If-None-Match: *), so a PUT can never silently replace someone else's work.
 */
export function expectedVersion(request: FastifyRequest, current: number | undefined): number | null {
  const ifMatch = request.headers['if-match'];
  if (current === undefined) {
    if (ifMatch) throw new AppError(PlatformErrors.PRECONDITION_FAILED);
    return null;
  }
  if (request.headers['if-none-match'] === '*') throw new AppError(PlatformErrors.PRECONDITION_FAILED);
  if (!ifMatch) throw new AppError(PlatformErrors.PRECONDITION_REQUIRED);
  const match = /^(?:W\/)?"v(\d{1,9})"$/.exec(ifMatch.trim());
  if (!match || Number(match[1]) !== current) throw new AppError(PlatformErrors.PRECONDITION_FAILED);
  return current;
}

/** A save that found the row changed (or created) by someone else between read and write. */
export function staleWrite(created: boolean): AppError {
  return created ? new AppError(PlatformErrors.CONFLICT, { detail: { ja: '同時に他の人が作成しました。最新の内容を取得してからやり直してください', en: 'Someone else created it at the same time; fetch it and retry' } }) : new AppError(PlatformErrors.PRECONDITION_FAILED);
}

export async function audit(db: Database, request: FastifyRequest, action: string, lgCode: string, subject: string, details: Record<string, unknown>): Promise<void> {
  await appendAudit(db, { actor: actorId(request.actor), action, lgCode, subject, ip: request.ip, requestId: request.id, details });
}

export function sendSaved(reply: FastifyReply, created: boolean, location: string, version: number, body: unknown): FastifyReply {
  reply.header('etag', etag(version));
  if (created) reply.code(201).header('location', location);
  return reply.send(body);
}
