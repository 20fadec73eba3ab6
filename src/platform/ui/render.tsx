// Renders a page to a string and sends it. Preact escapes every text and attribute value, so
// data can never become markup.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';
import type { AppError } from '../errors.ts';
import { Layout, type LayoutProps } from './layout.tsx';
import { UiTextContext } from './components/ui-text.ts';

export type PageOptions = Omit<LayoutProps, 'request' | 'csrfToken' | 'children'> & { status?: number };

export function renderDocument(request: FastifyRequest, csrfToken: string, options: PageOptions, body: ComponentChildren): string {
  // The components on the page speak the request's language (components/ui-text.ts).
  return `<!DOCTYPE html>${render(
    <UiTextContext.Provider value={{ t: request.t, locale: request.locale }}>
      <Layout request={request} csrfToken={csrfToken} {...options}>
        {body}
      </Layout>
    </UiTextContext.Provider>,
  )}`;
}

const tokens = new WeakMap<FastifyReply, string>();

/**
 * The CSRF token for every form on the page being answered. Use this, not reply.generateCsrf(),
 * in a page with its own form: on a first visit (no secret cookie yet) each generateCsrf() call
 * makes a new secret and sets the cookie again, so only the last token made would be accepted
 * and the other forms on the page would answer 403.
 */
export function pageCsrfToken(reply: FastifyReply): string {
  let token = tokens.get(reply);
  if (!token) {
    token = reply.generateCsrf();
    tokens.set(reply, token);
  }
  return token;
}

export function sendPage(reply: FastifyReply, options: PageOptions, body: ComponentChildren): FastifyReply {
  const csrfToken = pageCsrfToken(reply);
  return reply
    .code(options.status ?? 200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(renderDocument(reply.request, csrfToken, options, body));
}

/**
 * The HTML error page (used by the server's error handler). Its title starts with 「エラー：」
 * like a form with errors, so a screen reader says it is an error before anything else.
 */
export function renderErrorPage(error: AppError, request: FastifyRequest, csrfToken: string): string {
  const { t, locale } = request;
  const title = error.definition.title[locale];
  const detail = error.detail?.[locale];
  // A field problem often repeats the detail word for word; list only what adds something.
  const problems = error.problems.map((p) => p.detail[locale]).filter((text) => text !== detail);
  return renderDocument(
    request,
    csrfToken,
    { title, hasErrors: true },
    <>
      <h1>{title}</h1>
      {detail && <p>{detail}</p>}
      {problems.length > 0 && (
        <ul>
          {problems.map((text) => (
            <li>{text}</li>
          ))}
        </ul>
      )}
      <p>
        <a href="/">{t('error.backHome')}</a>
      </p>
      <p class="muted">
        {t('error.requestId')}: <code>{request.id}</code>
      </p>
    </>,
  );
}

/**
 * Lets this page's forms lead to another origin. CSP form-action also governs the redirects a form
 * submission sets off, and a login or consent form inside an OIDC flow ends in a redirect to the
 * service's own site: that origin (and only it) is added to form-action for this one page.
 */
export function allowFormActionTo(reply: FastifyReply, origins: string[]): void {
  const csp = reply.getHeader('content-security-policy');
  if (typeof csp !== 'string' || origins.length === 0) return;
  const safe = origins.filter((o) => /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(o));
  reply.header('content-security-policy', csp.replace(/form-action ([^;]*)/, (_all, list: string) => `form-action ${list} ${safe.join(' ')}`));
}
