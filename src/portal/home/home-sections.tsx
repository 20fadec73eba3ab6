// What the portal adds to the home page: for a signed-in person, their unread notifications;
// for everyone, the notices published now — a signed-in resident's municipality and the
// prefecture first, otherwise the most urgent and newest of all.
import { residenceLgCodeOf, signedIn } from '../../identity/exports.ts';
import type { AppContext } from '../../platform/module.ts';
import { addHomeSection } from '../../platform/tenancy/home-sections.ts';
import { portalDb } from '../db/schema.ts';
import { NoticeList, tenantNamer } from '../notices/notice-pages.tsx';
import { currentNotices } from '../notices/notice-store.ts';
import { unreadAndTotal } from '../notifications/notifications.ts';

const HOME_NOTICES = 5;

export function addPortalHomeSections(ctx: AppContext): void {
  const db = portalDb(ctx.db);

  addHomeSection(ctx, {
    order: 10,
    async render(request) {
      const account = signedIn(request);
      if (!account) return undefined;
      const { t } = request;
      const { unread } = await unreadAndTotal(db, account.accountId);
      return (
        <section aria-labelledby="home-for-you" class="home-for-you">
          <h2 id="home-for-you">{t('portal.home.forYou')}</h2>
          <p>
            <a href="/account/notifications">{unread > 0 ? t('portal.home.unread', { count: String(unread) }) : t('portal.home.noUnread')}</a>
          </p>
        </section>
      );
    },
  });

  addHomeSection(ctx, {
    order: 30,
    async render(request) {
      const { t, locale } = request;
      const account = signedIn(request);
      const residence = account ? await residenceLgCodeOf(ctx, account.accountId) : undefined;
      const tenant = residence ? await ctx.tenants.get(residence) : undefined;
      const lgCodes = tenant ? [tenant.lgCode, tenant.prefectureCode] : undefined;
      const { notices, total } = await currentNotices(db, lgCodes, 1, HOME_NOTICES);
      const name = await tenantNamer(ctx, locale);
      return (
        <section aria-labelledby="home-notices">
          <h2 id="home-notices">{tenant ? t('portal.home.noticesFor', { tenant: tenant.name[locale] }) : t('portal.notices.title')}</h2>
          {notices.length === 0 ? <p>{t('portal.notices.none')}</p> : <NoticeList notices={notices} request={request} tenantName={name} headingLevel="h3" />}
          {total > 0 && <p><a href={tenant ? `/notices?municipality=${tenant.lgCode}` : '/notices'}>{t('portal.home.allNotices', { count: String(total) })}</a></p>}
        </section>
      );
    },
  });
}
