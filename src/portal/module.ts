// The portal (共通ポータル) shell around the procedures and services: notices the prefecture and
// municipalities publish, each person's notifications centre, and what the home page shows a
// visitor and a signed-in resident (003B §1B, P6). docs/portal.md describes it.
import { defineModule } from '../platform/module.ts';
import { portalMigrations } from './db/migrations/index.ts';
import { seedPortalDemo } from './demo-seed.ts';
import { addPortalHomeSections } from './home/home-sections.tsx';
import en from './locales/en.json' with { type: 'json' };
import ja from './locales/ja.json' with { type: 'json' };
import { noticePages } from './notices/notice-pages.tsx';
import { noticesApi } from './notices/notices-api.ts';
import { staffNoticePages } from './notices/staff-notice-pages.tsx';
import { notificationPages } from './notifications/notification-pages.tsx';

export const portalModule = defineModule({
  name: 'portal',
  dependsOn: ['tenancy', 'authz', 'audit', 'identity'],
  migrations: portalMigrations,
  messages: { ja, en },
  grants: {
    // A tenant's administrators publish its notices (a prefecture-scope role: the prefecture's).
    municipal_admin: ['portal.manage_notices'],
  },
  routes: async (fastify, app) => {
    addPortalHomeSections(app);
    await noticesApi(fastify, app);
    await noticePages(fastify, app);
    await notificationPages(fastify, app);
    await staffNoticePages(fastify, app);
  },
  seed: async (app) => {
    if (!app.config.production) await seedPortalDemo(app);
  },
});
