// The home page section "services you share data with": for a signed-in resident, each service
// holding a consent in force, which data from where, and a link to the consent (to withdraw it).
import { addHomeSection } from '../../platform/tenancy/home-sections.ts';
import { stateOf } from '../consents/consents.ts';
import type { OptinContext } from '../optin-context.ts';
import { directory } from './my-data-pages.tsx';

export function addServicesInUseSection(ctx: OptinContext): void {
  addHomeSection(ctx.app, {
    order: 20,
    async render(request) {
      const account = ctx.identity.signedIn(request);
      if (!account || account.accountKind !== 'resident' || account.actingFor) return undefined;
      const inForce = (await ctx.consents.forAccount(account.accountId)).filter((c) => stateOf(c) === 'active');
      if (inForce.length === 0) return undefined;
      const { t, locale } = request;
      const names = await directory(ctx);
      return (
        <section aria-labelledby="home-services">
          <h2 id="home-services">{t('optin.home.title')}</h2>
          <ul>
            {inForce.map((c) => (
              <li>
                <a href={`/account/consents/${c.id}`}>{names.serviceName(c.serviceId, locale)}</a>
                {'：'}
                {t('optin.home.shares', { provider: names.providerName(c.providerId, locale), items: names.itemNames(c.providerId, c.items, locale) })}
              </li>
            ))}
          </ul>
          <p><a href="/account/access-log">{t('optin.home.accessLog')}</a></p>
        </section>
      );
    },
  });
}
