// Versions as ETags ("v3") and the If-Match rules every create-or-replace or update API follows,
// so two people editing the same thing never silently overwrite each other.
import type { FastifyRequest } from 'fastify';
import { AppError, PlatformErrors } from '../errors.ts';

export const etag = (version: number) => `"v${version}"`;

/**
 * The version a write may replace. A resource that exists needs If-Match with its current ETag
 * (428 without, 412 when stale); one that does not exist yet is created only without If-Match
 * (or with If-None-Match: *), so a PUT can never silently replace someone else's work.
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
