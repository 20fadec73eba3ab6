// Public pages: the home page (the prefecture's municipalities by living zone) and one page per
// municipality.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../module.ts';
import { sendPage } from '../../ui/render.tsx';
import { findTenantOrThrow } from '../tenant-lookup.ts';
import { HomePage } from '../views/home-page.tsx';
import { MunicipalityPage } from '../views/municipality-page.tsx';

export async function tenancyPages(app: FastifyInstance, ctx: AppContext) {
  app.get('/', async (request, reply) => {
    const trees = await ctx.tenants.trees();
    return sendPage(reply, { title: request.t('home.title') }, <HomePage request={request} trees={trees} />);
  });

  app.get<{ Params: { lgCode: string } }>('/municipalities/:lgCode', async (request, reply) => {
    const tenant = await findTenantOrThrow(ctx.tenants, request.params.lgCode);
    const snapshot = await ctx.tenants.snapshot();
    const prefecture = snapshot.tenants.get(tenant.prefectureCode);
    const zone = snapshot.zones.find((z) => z.prefectureCode === tenant.prefectureCode && z.id === tenant.zoneId);
    const name = tenant.name[request.locale];
    return sendPage(
      reply,
      {
        title: name,
        breadcrumbs: [
          [request.t('home.breadcrumb'), '/'],
          [name, `/municipalities/${tenant.lgCode}`],
        ],
      },
      <MunicipalityPage request={request} tenant={tenant} prefecture={prefecture} zone={zone} />,
    );
  });
}
