// One demo data provider as an HTTP service (the contract is in docs/demo.md). It trusts one
// caller, the City OS, by a bearer token given at start; services never hold it and never reach
// the provider except through the City OS gateway.
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { loadResidents, matchResident, PROVIDERS, type BasicFour, type ProviderId } from './provider-data.ts';

export interface ProviderOptions {
  provider: ProviderId;
  token: string;
  /** Answer every data request this much later (to let tests see the gateway's timeout). */
  delayMs?: number;
  /** Answer every data request 500 (to let tests see the gateway's 502). */
  fail?: boolean;
  /** One line per request; the default prints to stdout. */
  log?: (line: string) => void;
}

interface Problem {
  status: number;
  code: string;
  title: string;
  titleJa: string;
  detail: string;
  detailJa: string;
}

function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply
    .code(p.status)
    .type('application/problem+json; charset=utf-8')
    .send({ type: `/problems/${p.code.toLowerCase().replaceAll('_', '-')}`, title: p.title, status: p.status, detail: p.detail, code: p.code, titleJa: p.titleJa, detailJa: p.detailJa });
}

// Hashing both sides first gives equal lengths, so timingSafeEqual never leaks the token's length.
function sameToken(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const matchBodySchema = {
  type: 'object',
  required: ['name', 'dateOfBirth', 'address', 'sex'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    dateOfBirth: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' },
    address: { type: 'string', minLength: 1, maxLength: 500 },
    sex: { type: 'string', enum: ['male', 'female', 'unknown'] },
  },
} as const;

export function buildProviderApp(options: ProviderOptions): FastifyInstance {
  const residents = loadResidents(options.provider);
  const byId = new Map(residents.map((r) => [r.residentId, r]));
  const log = options.log ?? ((line: string) => console.log(line));
  // Strict validation: Fastify's defaults would drop unknown keys and coerce types, hiding a caller's mistake.
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024, ajv: { customOptions: { removeAdditional: false, coerceTypes: false } } });
  // The resident id a handler dealt with, for the log line (never the name or the address).
  const residentOf = new WeakMap<object, string>();

  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0];
    log(`${options.provider} ${request.method} ${path} resident=${residentOf.get(request) ?? '-'} status=${reply.statusCode} ms=${Math.round(reply.elapsedTime)}`);
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.split('?')[0] === '/healthz') return;
    const header = request.headers.authorization ?? '';
    const token = /^Bearer (\S+)$/i.exec(header)?.[1];
    if (!token || !sameToken(token, options.token)) {
      reply.header('www-authenticate', `Bearer realm="${options.provider}"`);
      return sendProblem(reply, {
        status: 401,
        code: 'UNAUTHORIZED',
        title: 'Unauthorized',
        titleJa: '認証されていません',
        detail: 'A valid bearer token is required.',
        detailJa: '有効なベアラートークンが必要です。',
      });
    }
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    if (options.fail) {
      return sendProblem(reply, {
        status: 500,
        code: 'PROVIDER_FAILURE',
        title: 'Provider failure (test mode)',
        titleJa: '提供元の障害（試験モード）',
        detail: 'This provider was started with --fail and answers every request with 500.',
        detailJa: 'この提供元は --fail で起動されており、すべての要求に 500 を返します。',
      });
    }
  });

  app.setErrorHandler((error: { statusCode?: number; validation?: unknown; message: string }, _request, reply) => {
    if (error.validation || error.statusCode === 400 || error.statusCode === 415 || error.statusCode === 413) {
      return sendProblem(reply, {
        status: error.statusCode === 413 || error.statusCode === 415 ? error.statusCode : 400,
        code: 'BAD_REQUEST',
        title: 'Bad request',
        titleJa: '要求の形式が正しくありません',
        detail: `The body must be JSON {name, dateOfBirth (YYYY-MM-DD), address, sex (male|female|unknown)}: ${error.message}`,
        detailJa: `本文は JSON {name, dateOfBirth (YYYY-MM-DD), address, sex (male|female|unknown)} にしてください：${error.message}`,
      });
    }
    return sendProblem(reply, { status: 500, code: 'INTERNAL', title: 'Internal error', titleJa: '内部エラー', detail: 'The provider failed.', detailJa: '提供元で障害が起きました。' });
  });

  app.get('/healthz', async () => ({ status: 'ok', provider: options.provider }));

  app.post<{ Body: BasicFour }>('/v1/residents/match', { schema: { body: matchBodySchema } }, async (request, reply) => {
    const found = matchResident(residents, request.body);
    if (!found) {
      return sendProblem(reply, {
        status: 404,
        code: 'NO_MATCH',
        title: 'No matching resident',
        titleJa: '該当する住民がいません',
        detail: `${PROVIDERS[options.provider].name.en} holds nobody with these four attributes.`,
        detailJa: `${PROVIDERS[options.provider].name.ja}には、この4情報に一致する人の記録がありません。`,
      });
    }
    residentOf.set(request, found.residentId);
    return { residentId: found.residentId };
  });

  app.get('/v1/record', async (request, reply) => {
    const header = request.headers['tsunagu-resident-id'];
    const id = typeof header === 'string' ? header.trim() : '';
    if (!id) {
      return sendProblem(reply, {
        status: 400,
        code: 'RESIDENT_ID_REQUIRED',
        title: 'Tsunagu-Resident-Id header required',
        titleJa: 'Tsunagu-Resident-Id ヘッダーが必要です',
        detail: 'Send the id that POST /v1/residents/match returned in the Tsunagu-Resident-Id header.',
        detailJa: 'POST /v1/residents/match が返した ID を Tsunagu-Resident-Id ヘッダーで送ってください。',
      });
    }
    residentOf.set(request, id);
    const resident = byId.get(id);
    if (!resident) {
      return sendProblem(reply, {
        status: 404,
        code: 'UNKNOWN_RESIDENT',
        title: 'Unknown resident id',
        titleJa: '住民IDが見つかりません',
        detail: 'No record has this resident id.',
        detailJa: 'この住民IDの記録はありません。',
      });
    }
    return resident.record;
  });

  app.setNotFoundHandler((_request, reply) =>
    sendProblem(reply, { status: 404, code: 'NOT_FOUND', title: 'Not found', titleJa: '見つかりません', detail: 'No such endpoint.', detailJa: 'そのエンドポイントはありません。' }),
  );
  return app;
}
