// Staff API for issuing and revoking, and the public JSON verification API.
//   POST /api/v1/documents/{lgCode}                 issue for a resident account (documents.issue)
//   POST /api/v1/documents/{lgCode}/{id}/revoke     revoke with a reason (documents.issue)
//   POST /api/v1/document-verifications             body: the PDF (Content-Type: application/pdf)
//   GET  /api/v1/document-verifications?code=…      by the code printed on the document
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import type { AppContext } from '../../platform/module.ts';
import { DocumentsErrors } from '../errors.ts';
import { issueDocument, revokeDocument } from '../issue-document.ts';
import { verifyCode, verifyFile, type Verification } from '../verification/verify-document.ts';

export const VERIFY_UPLOAD_LIMIT = 10 * 1024 * 1024;
export const verifyRateLimit = { rateLimit: { max: 60, timeWindow: 60_000 } };

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;
const issueSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['accountId', 'kind', 'title', 'statement', 'fields'],
  properties: {
    accountId: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
    kind: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,39}$' },
    title: text(40),
    statement: text(400),
    recipientName: text(100),
    fields: { type: 'array', maxItems: 12, items: { type: 'object', additionalProperties: false, required: ['label', 'value'], properties: { label: text(30), value: text(300) } } },
  },
} as const;

export function verificationJson(v: Verification) {
  return {
    verdict: v.verdict,
    genuine: v.verdict === 'genuine',
    detail: v.detail,
    ...(v.document ? { document: { lgCode: v.document.lgCode, number: v.document.number, kind: v.document.kind, title: v.document.title, issuedAt: v.document.issuedAt.toISOString(), revokedAt: v.document.revokedAt?.toISOString() ?? null, sha256: v.document.sha256 } } : {}),
    ...(v.signer ? { signer: v.signer } : {}),
  };
}

export async function documentsApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const requireActor = async (request: FastifyRequest) => {
    if (request.actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
  };
  const meta = (request: FastifyRequest) => ({ ip: request.ip, requestId: request.id });

  app.post<{ Params: { lgCode: string }; Body: { accountId: string; kind: string; title: string; statement: string; recipientName?: string; fields: Array<{ label: string; value: string }> } }>(
    '/api/v1/documents/:lgCode',
    { preValidation: requireActor, schema: { body: issueSchema } },
    async (request, reply) => {
      const { lgCode } = request.params;
      await ctx.guard.assert(request.actor, 'documents.issue', lgCode);
      const issued = await issueDocument(ctx, { ...request.body, lgCode, issuedBy: actorId(request.actor), meta: meta(request) });
      return reply.code(201).send({ id: issued.id, lgCode, number: issued.number, verificationCode: issued.verificationCode, sha256: issued.sha256, issuedAt: issued.issuedAt.toISOString(), bytes: issued.pdf.length });
    },
  );

  app.post<{ Params: { lgCode: string; id: string }; Body: { reason: string } }>(
    '/api/v1/documents/:lgCode/:id/revoke',
    { preValidation: requireActor, schema: { body: { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: text(200) } } } },
    async (request) => {
      const { lgCode, id } = request.params;
      await ctx.guard.assert(request.actor, 'documents.issue', lgCode);
      if (!/^[0-9a-f-]{36}$/.test(id)) throw new AppError(DocumentsErrors.NOT_FOUND);
      const revoked = await revokeDocument(ctx, { lgCode, id, reason: request.body.reason, revokedBy: actorId(request.actor), meta: meta(request) });
      return { id, lgCode, number: revoked.number, revokedAt: revoked.revokedAt.toISOString() };
    },
  );

  // The raw PDF as the body: simplest for curl (--data-binary @file.pdf). Own parser, own limit.
  await app.register(async (child) => {
    child.addContentTypeParser('application/pdf', { parseAs: 'buffer', bodyLimit: VERIFY_UPLOAD_LIMIT }, (_request, body, done) => done(null, body));
    child.post('/api/v1/document-verifications', { config: verifyRateLimit }, async (request) => {
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new AppError(PlatformErrors.UNSUPPORTED_MEDIA_TYPE, { detail: { ja: 'Content-Type: application/pdf でPDFを送ってください', en: 'Send the PDF with Content-Type: application/pdf' } });
      if (body.subarray(0, 5).toString('latin1') !== '%PDF-') throw new AppError(DocumentsErrors.NOT_A_PDF);
      return verificationJson(await verifyFile(ctx, body));
    });
  });

  app.get<{ Querystring: { code?: string } }>('/api/v1/document-verifications', { config: verifyRateLimit }, async (request) => {
    const code = request.query.code;
    if (!code || code.length > 40) throw new AppError(DocumentsErrors.NO_INPUT);
    return verificationJson(await verifyCode(ctx, code));
  });
}
