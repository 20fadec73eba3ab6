// One error handler for the whole server. APIs (paths under /api/, or a client that does not
// accept HTML) get RFC 9457 application/problem+json; people get an HTML error page in their
// language. Known framework errors are mapped to our codes so nothing a client sends can turn
// into a 500.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorSlug, PlatformErrors, type ErrorDefinition, type FieldProblem } from '../errors.ts';
import type { Locale } from '../i18n/i18n.ts';

export function wantsProblemJson(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  if (path.startsWith('/api/') || path === '/healthz' || path === '/readyz') return true;
  const accept = request.headers.accept ?? '';
  return !accept.includes('text/html');
}

/** Converts anything thrown into an AppError, choosing the code from framework error codes. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = error as FastifyError & { validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>; validationContext?: string };
  if (e?.validation) {
    const where = (e.validationContext ?? 'body') as FieldProblem['in'];
    return new AppError(PlatformErrors.VALIDATION, {
      problems: e.validation.map((v) => {
        const missing = typeof v.params?.missingProperty === 'string' ? `/${v.params.missingProperty}` : '';
        const extra = typeof v.params?.additionalProperty === 'string' ? `/${v.params.additionalProperty}` : '';
        const name = `${v.instancePath ?? ''}${missing}${extra}` || '/';
        return { name, in: where, detail: { ja: `${name}: ${v.message ?? '不正な値です'}`, en: `${name}: ${v.message ?? 'invalid value'}` } };
      }),
    });
  }
  const byCode: Record<string, ErrorDefinition> = {
    FST_ERR_CTP_BODY_TOO_LARGE: PlatformErrors.BODY_TOO_LARGE,
    FST_ERR_CTP_INVALID_MEDIA_TYPE: PlatformErrors.UNSUPPORTED_MEDIA_TYPE,
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: PlatformErrors.BAD_REQUEST,
    FST_ERR_CTP_EMPTY_JSON_BODY: PlatformErrors.MALFORMED_JSON,
    FST_ERR_CTP_INVALID_JSON_BODY: PlatformErrors.MALFORMED_JSON,
    FST_CSRF_INVALID_TOKEN: PlatformErrors.CSRF,
    FST_CSRF_MISSING_SECRET: PlatformErrors.CSRF,
    FST_ERR_BAD_URL: PlatformErrors.BAD_REQUEST,
    FST_ERR_ASYNC_CONSTRAINT: PlatformErrors.BAD_REQUEST,
  };
  const mapped = e?.code ? byCode[e.code] : undefined;
  if (mapped) return new AppError(mapped);
  if (e instanceof SyntaxError && e.statusCode === 400) return new AppError(PlatformErrors.MALFORMED_JSON);
  if (e?.statusCode === 429) return new AppError(PlatformErrors.RATE_LIMITED);
  if (e?.statusCode === 413) return new AppError(PlatformErrors.BODY_TOO_LARGE);
  if (e?.statusCode === 415) return new AppError(PlatformErrors.UNSUPPORTED_MEDIA_TYPE);
  if (e?.statusCode === 405) return new AppError(PlatformErrors.METHOD_NOT_ALLOWED);
  if (e?.statusCode === 404) return new AppError(PlatformErrors.NOT_FOUND);
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new AppError(PlatformErrors.BAD_REQUEST);
  return new AppError(PlatformErrors.INTERNAL);
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: Array<{ name: string; in: string; detail: string }>;
}

export function problemDocument(error: AppError, request: FastifyRequest, locale: Locale): ProblemDocument {
  const doc: ProblemDocument = {
    type: `/problems/${errorSlug(error.definition.code)}`,
    title: error.definition.title[locale],
    status: error.status,
    instance: request.url.split('?')[0] ?? '/',
    code: error.definition.code,
    requestId: request.id,
  };
  if (error.detail) doc.detail = error.detail[locale];
  if (error.problems.length) doc.errors = error.problems.map((p) => ({ name: p.name, in: p.in, detail: p.detail[locale] }));
  return doc;
}

export function sendProblem(reply: FastifyReply, error: AppError, locale: Locale): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply
    .code(error.status)
    .type('application/problem+json; charset=utf-8')
    .send(problemDocument(error, reply.request, locale));
}
