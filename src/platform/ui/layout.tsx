// The page shell every human-facing page uses: skip link, header with the language switch and
// display settings (text size, contrast) that work without JavaScript, main, footer.
// Layout follows the Digital Agency design system, using its published design tokens.
import type { ComponentChildren } from 'preact';
import type { FastifyRequest } from 'fastify';
import { contrasts, textSizes } from '../http/request-context.ts';
import { ENHANCE_SCRIPT, FONT_STYLESHEET } from './assets-routes.ts';
import { BackLink, type BackLinkProps } from './components/back-link/back-link.tsx';
import { ErrorSummary, type ErrorSummaryItem } from './components/error-summary/error-summary.tsx';

export interface LayoutProps {
  request: FastifyRequest;
  title: string;
  csrfToken: string;
  /** Breadcrumb trail above the content: [label, href] pairs, last one is the current page. */
  breadcrumbs?: Array<[string, string]>;
  hasErrors?: boolean;
  /** A form's problems (form-errors.ts): shown first in main, and the title starts with 「エラー：」. */
  errorSummary?: ErrorSummaryItem[];
  /** The previous step of a form, above main. */
  backLink?: BackLinkProps;
  /** Extra same-origin scripts this page needs (e.g. passkeys), loaded deferred after the page. */
  scripts?: string[];
  children: ComponentChildren;
}

export function currentPath(request: FastifyRequest): string {
  return request.url.startsWith('/') ? request.url : '/';
}

export function Layout({ request, title, csrfToken, breadcrumbs, errorSummary, backLink, scripts, children, ...rest }: LayoutProps) {
  const { t, locale, preferences } = request;
  const hasErrors = rest.hasErrors || (errorSummary !== undefined && errorSummary.length > 0);
  const other = locale === 'ja' ? 'en' : 'ja';
  const here = currentPath(request);
  const fullTitle = `${hasErrors ? t('layout.errorPrefix') : ''}${title} | ${t('site.name')}`;
  return (
    <html lang={locale} class={`text-${preferences.textSize} contrast-${preferences.contrast}`}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* For scripts that post JSON (passkeys): the page's CSRF token, sent as x-csrf-token. */}
        <meta name="csrf-token" content={csrfToken} />
        <title>{fullTitle}</title>
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href={FONT_STYLESHEET} />
        <link rel="stylesheet" href="/assets/tokens.css" />
        <link rel="stylesheet" href="/assets/app.css" />
        <link rel="stylesheet" href="/assets/components.css" />
        <script type="module" src={ENHANCE_SCRIPT}></script>
        {scripts?.map((src) => <script src={src} defer></script>)}
      </head>
      <body>
        <a class="skip-link" href="#main">
          {t('layout.skipLink')}
        </a>
        <header class="site-header">
          <div class="container header-inner">
            <a class="site-name" href="/">
              <span class="site-name-main">{t('site.name')}</span>
              <span class="site-name-sub">{t('site.tagline')}</span>
            </a>
            <nav class="header-tools" aria-label={t('layout.toolsLabel')}>
              <AccountLinks request={request} csrfToken={csrfToken} />
              <a
                class="language-switch"
                href={`/preferences/language?lang=${other}&return=${encodeURIComponent(here)}`}
                lang={other}
                hreflang={other}
              >
                {t(`layout.switchTo.${other}`)}
              </a>
              {/* Shown by components/read-aloud/read-aloud.js when the browser can speak. */}
              <button type="button" class="link-button read-aloud" data-module="read-aloud" data-label-start={t('layout.readAloud')} data-label-stop={t('layout.readAloudStop')} aria-pressed="false" hidden>
                {t('layout.readAloud')}
              </button>
              <form class="display-settings" method="post" action="/preferences">
                <input type="hidden" name="_csrf" value={csrfToken} />
                <input type="hidden" name="return" value={here} />
                <fieldset>
                  <legend>{t('preferences.textSize')}</legend>
                  {textSizes.map((size) => (
                    <button type="submit" name="textSize" value={size} aria-pressed={preferences.textSize === size ? 'true' : 'false'}>
                      {t(`preferences.textSize.${size}`)}
                    </button>
                  ))}
                </fieldset>
                <fieldset>
                  <legend>{t('preferences.contrast')}</legend>
                  {contrasts.map((contrast) => (
                    <button type="submit" name="contrast" value={contrast} aria-pressed={preferences.contrast === contrast ? 'true' : 'false'}>
                      {t(`preferences.contrast.${contrast}`)}
                    </button>
                  ))}
                </fieldset>
              </form>
            </nav>
          </div>
        </header>
        <ActingForBanner request={request} csrfToken={csrfToken} />
        {breadcrumbs && breadcrumbs.length > 0 && (
          <nav class="container breadcrumbs" aria-label={t('layout.breadcrumbs')}>
            <ol>
              {breadcrumbs.map(([label, href], i) =>
                i === breadcrumbs.length - 1 ? (
                  <li aria-current="page">{label}</li>
                ) : (
                  <li>
                    <a href={href}>{label}</a>
                  </li>
                ),
              )}
            </ol>
          </nav>
        )}
        {backLink && (
          <div class="container back-link-container">
            <BackLink {...backLink} />
          </div>
        )}
        <main id="main" class="container" tabindex={-1}>
          {errorSummary && <ErrorSummary items={errorSummary} />}
          {children}
        </main>
        <footer class="site-footer">
          <div class="container">
            <p>{t('layout.footer')}</p>
            <ul class="footer-links">
              <li>
                <a href="/preferences">{t('preferences.title')}</a>
              </li>
              <li>
                <a href="/api/v1/tenants">{t('layout.openApi')}</a>
              </li>
            </ul>
          </div>
        </footer>
      </body>
    </html>
  );
}

/** Log in, or (signed in) the account page and log out: on every page, so both are always one step away. */
function AccountLinks({ request, csrfToken }: { request: FastifyRequest; csrfToken: string }) {
  const { t } = request;
  const account = request.actor?.kind === 'principal' ? request.actor.account : undefined;
  if (!account) {
    return (
      <a class="account-link" href="/login">
        {t('layout.login')}
      </a>
    );
  }
  return (
    <span class="account-links">
      <a class="account-link" href={account.accountKind === 'staff' ? '/staff' : '/account'}>
        {t(account.accountKind === 'staff' ? 'layout.staffHome' : 'layout.account')}
      </a>
      <form method="post" action="/logout" class="logout-form">
        <input type="hidden" name="_csrf" value={csrfToken} />
        <button type="submit" class="link-button">
          {t('layout.logout')}
        </button>
      </form>
    </span>
  );
}

/** While a proxy acts for someone, every page says for whom, with a way to stop (identity/proxies). */
function ActingForBanner({ request, csrfToken }: { request: FastifyRequest; csrfToken: string }) {
  const acting = request.actor?.kind === 'principal' ? request.actor.account?.actingFor : undefined;
  if (!acting) return null;
  const { t } = request;
  return (
    <div class="acting-banner" role="region" aria-label={t('layout.actingLabel')}>
      <div class="container acting-inner">
        <p>{t('layout.actingFor', { name: acting.name })}</p>
        <form method="post" action="/account/proxies/stop">
          <input type="hidden" name="_csrf" value={csrfToken} />
          <button type="submit" class="link-button">
            {t('layout.actingStop')}
          </button>
        </form>
      </div>
    </div>
  );
}
