// The Fastify server with everything every module relies on: request ids, JSON logs without
// personal data, security headers, cookies, CSRF protection, rate limits, body limits, form
// bodies, and one error handler. Modules add routes; they do not repeat any of this.
import { randomUUID } from 'node:crypto';
import { AjvCompiler } from '@fastify/ajv-compiler';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import { AppError, PlatformErrors } from '../errors.ts';
import { decorateRequestContext } from './request-context.ts';
import { sendProblem, toAppError, wantsProblemJson } from './problem.ts';
import { anonymous } from '../authz/actor.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Request validators shared by every server this process builds: a schema is compiled by Ajv once
 * per process, not once per server. A server process builds one, so this changes nothing there;
 * the tests build a server per test app, and compiling the same schemas again was 7% of their CPU.
 * A validator depends only on its schema and the Ajv options and shared schemas, which make the key.
 */
const validatorPool = AjvCompiler();
const validators = new Map<string, ReturnType<ReturnType<typeof validatorPool>>>();
const sharedValidators: typeof validatorPool = (externalSchemas, options) => {
  const compile = validatorPool(externalSchemas, options);
  const base = JSON.stringify([externalSchemas, options?.customOptions ?? null]);
  return (route) => {
    const key = `${base}${JSON.stringify(route.schema)}`;
    let validate = validators.get(key);
    if (!validate) validators.set(key, (validate = compile(route)));
    return validate;
  };
};

export interface ServerOptions {
  config: Config;
  /** Pino options or false (tests keep logs quiet). */
  logger?: FastifyServerOptions['logger'];
  /** Renders an HTML error page for people; the UI layer provides it. */
  renderErrorPage?: (error: AppError, reply: import('fastify').FastifyReply) => string;
}

export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    logger:
      options.logger ??
      {
        level: config.logLevel,
        // Log the path only: query strings and bodies can carry personal data, and so can
        // addresses and cookies, so none of them is logged.
        serializers: {
          req: (req) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
          res: (res) => ({ statusCode: res.statusCode }),
        },
      },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // A path segment may be an NGSI-LD id of up to 800 bytes, 2,400 characters percent-encoded.
    routerOptions: { maxParamLength: 4096 },
    schemaController: { compilersFactory: { buildValidator: sharedValidators } },
  });

  app.decorateRequest('locale', 'ja');
  app.decorateRequest('t', null as never);
  app.decorateRequest('preferences', null as never);
  app.decorateRequest('actor', null as never);

  // Pages, API answers and the font stylesheet are text; compress what is worth it (>1 KiB).
  await app.register(compress, { threshold: 1024, encodings: ['br', 'gzip'] });
  await app.register(cookie, { secret: config.cookieSecret ?? randomBytes(32).toString('hex') });
  await app.register(formbody, { bodyLimit: config.bodyLimit });
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', secure: config.secureCookies, path: '/' },
  });
  // Security headers (helmet). The options are fixed, so the headers are computed once here and
  // set on every answer; helmet's own middleware would rebuild them, the CSP included, per request.
  const securityHeaders = staticHelmetHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        upgradeInsecureRequests: config.secureCookies ? [] : null,
      },
    },
    hsts: config.secureCookies ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'same-origin' },
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  await app.register(rateLimit, {
    // The NGSI-LD API has its own, higher limit: sensors and services post many times a minute.
    max: (request) => ((request.url.startsWith('/ngsi-ld/') ? config.brokerRateLimitPerMinute : config.rateLimitPerMinute)),
    timeWindow: 60_000,
    allowList: (request) => {
      const path = request.url.split('?')[0] ?? '';
      return path === '/healthz' || path === '/readyz' || path.startsWith('/assets/');
    },
    // Our error handler renders the 429 as problem+json or a page.
    errorResponseBuilder: (_request, context) => Object.assign(new Error('rate limited'), { statusCode: 429, retryAfter: context.after }),
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    decorateRequestContext(request);
    request.actor = anonymous;
  });

  app.setErrorHandler(async (error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    if (appError.status === 429) reply.header('retry-after', '60');
    if (wantsProblemJson(request) || !options.renderErrorPage) {
      return sendProblem(reply, appError, request.locale ?? 'ja');
    }
    for (const [name, value] of Object.entries(appError.headers)) reply.header(name, value);
    return reply.code(appError.status).type('text/html; charset=utf-8').send(options.renderErrorPage(appError, reply));
  });

  app.setNotFoundHandler(async (request) => {
    throw new AppError(PlatformErrors.NOT_FOUND, {
      detail: {
        ja: `「${request.url.split('?')[0]}」は見つかりませんでした。アドレスに誤りがないか確認してください。`,
        en: `Nothing was found at "${request.url.split('?')[0]}". Check the address for mistakes.`,
      },
    });
  });

  return app;
}

/** The headers helmet sets for `options`, as one object (helmet reads nothing from the request). */
export function staticHelmetHeaders(options: Readonly<HelmetOptions>): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}
