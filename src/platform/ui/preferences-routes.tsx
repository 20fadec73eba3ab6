// Language, text size and contrast, kept in long-lived cookies so they persist across visits.
// Everything works with plain links and forms (no JavaScript). Only same-site paths are accepted
// as the place to return to, so these routes cannot be used as open redirects.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isLocale } from '../i18n/i18n.ts';
import { contrasts, PREFERENCE_COOKIES, textSizes, type Contrast, type TextSize } from '../http/request-context.ts';
import type { AppContext } from '../module.ts';
import { pageCsrfToken, sendPage } from './render.tsx';
import { Button } from './components/button/button.tsx';
import { Radios } from './components/radios/radios.tsx';

const ONE_YEAR = 365 * 24 * 3600;

export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return '/';
  return value.slice(0, 2000);
}

function setPreference(reply: FastifyReply, name: string, value: string, secure: boolean) {
  reply.setCookie(name, value, { path: '/', maxAge: ONE_YEAR, sameSite: 'lax', httpOnly: true, secure });
}

export async function preferencesRoutes(app: FastifyInstance, ctx: AppContext) {
  const secure = ctx.config.secureCookies;

  app.get<{ Querystring: { lang?: string; return?: string } }>('/preferences/language', async (request, reply) => {
    const { lang } = request.query;
    if (isLocale(lang)) setPreference(reply, PREFERENCE_COOKIES.lang, lang, secure);
    return reply.redirect(safeReturnPath(request.query.return), 303);
  });

  app.get('/preferences', async (request, reply) => {
    const { t, preferences } = request;
    return sendPage(
      reply,
      { title: t('preferences.title'), breadcrumbs: [[t('home.breadcrumb'), '/'], [t('preferences.title'), '/preferences']] },
      <PreferencesForm t={t} textSize={preferences.textSize} contrast={preferences.contrast} csrfToken={pageCsrfToken(reply)} />,
    );
  });

  app.post<{ Body: { textSize?: string; contrast?: string; return?: string } }>(
    '/preferences',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const body = request.body ?? {};
      if (textSizes.includes(body.textSize as TextSize)) setPreference(reply, PREFERENCE_COOKIES.textSize, body.textSize!, secure);
      if (contrasts.includes(body.contrast as Contrast)) setPreference(reply, PREFERENCE_COOKIES.contrast, body.contrast!, secure);
      return reply.redirect(safeReturnPath(body.return ?? '/preferences'), 303);
    },
  );
}

function PreferencesForm(props: { t: (key: string) => string; textSize: TextSize; contrast: Contrast; csrfToken: string }) {
  const { t } = props;
  return (
    <>
      <h1>{t('preferences.title')}</h1>
      <p>{t('preferences.lead')}</p>
      <form method="post" action="/preferences">
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <input type="hidden" name="return" value="/preferences" />
        <Radios
          name="textSize"
          legend={t('preferences.textSize')}
          items={textSizes.map((size) => ({ value: size, text: t(`preferences.textSize.${size}`) }))}
          value={props.textSize}
        />
        <Radios
          name="contrast"
          legend={t('preferences.contrast')}
          items={contrasts.map((contrast) => ({ value: contrast, text: t(`preferences.contrast.${contrast}`) }))}
          value={props.contrast}
        />
        <Button>{t('preferences.save')}</Button>
      </form>
    </>
  );
}
