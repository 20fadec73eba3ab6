// The business login pages: one button to GビズID with what will be shared, and the page after a
// login was cancelled at GビズID. Plain, accessible markup (the shared form components come later).
import type { Translate } from '../../platform/i18n/i18n.ts';

export const GBIZID_SITE = 'https://gbiz-id.go.jp/';

export function BusinessLoginPage(props: { t: Translate; startHref: string; residentsHref: string; standin: boolean }) {
  const { t } = props;
  return (
    <>
      <h1>{t('gbizid.login.title')}</h1>
      <p>{t('gbizid.login.lead')}</p>
      {props.standin && (
        <div class="notice-dev" role="note">
          <p>{t('gbizid.login.standin')}</p>
        </div>
      )}
      <p>{t('gbizid.login.shared')}</p>
      {/* A link, not a form: the browser leaves for GビズID, which form-action 'self' would stop. */}
      <p>
        <a class="button" href={props.startHref}>
          {t('gbizid.login.button')}
        </a>
      </p>
      <p>
        {t('gbizid.login.noAccount')}{' '}
        <a href={GBIZID_SITE} rel="noopener noreferrer">
          {t('gbizid.login.gbizidSite')}
        </a>
      </p>
      <p>
        <a href={props.residentsHref}>{t('gbizid.login.residents')}</a>
      </p>
    </>
  );
}

export function LoginCancelledPage(props: { t: Translate; retryHref: string }) {
  const { t } = props;
  return (
    <>
      <h1>{t('gbizid.cancelled.title')}</h1>
      <p>{t('gbizid.cancelled.lead')}</p>
      <p>
        <a href={props.retryHref}>{t('gbizid.cancelled.retry')}</a>
      </p>
    </>
  );
}
