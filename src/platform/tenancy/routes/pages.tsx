// Public pages: the home page (the prefecture's municipalities by living zone) and one page per
// municipality.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../errors.ts';
import { wantsProblemJson } from '../../http/problem.ts';
import type { AppContext } from '../../module.ts';
import { sendPage } from '../../ui/render.tsx';
import { TenancyErrors } from '../errors.ts';
import { lgCheckDigit } from '../lg-code.ts';
import { findTenantOrThrow } from '../tenant-lookup.ts';
import { renderHomeSections } from '../home-sections.ts';
import { HomePage } from '../views/home-page.tsx';
import { InvalidCodePage } from '../views/invalid-code-page.tsx';
import { MunicipalityPage } from '../views/municipality-page.tsx';

export async function tenancyPages(app: FastifyInstance, ctx: AppContext) {
  app.get('/', async (request, reply) => {
    const [trees, sections] = await Promise.all([ctx.tenants.trees(), renderHomeSections(ctx, request)]);
    return sendPage(reply, { title: request.t('home.title') }, <HomePage request={request} trees={trees} sections={sections} />);
  });

  app.get<{ Params: { lgCode: string } }>('/municipalities/:lgCode', async (request, reply) => {
    const { lgCode } = request.params;
    let tenant;
    try {
      tenant = await findTenantOrThrow(ctx.tenants, lgCode);
    } catch (error) {
      // People get a page that explains the check digit; API clients keep problem+json.
      if (error instanceof AppError && error.definition === TenancyErrors.INVALID_LG_CODE && !wantsProblemJson(request)) {
        return sendInvalidCodePage(reply, ctx, error, lgCode);
      }
      throw error;
    }
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

async function sendInvalidCodePage(reply: FastifyReply, ctx: AppContext, error: AppError, lgCode: string): Promise<FastifyReply> {
  const { request } = reply;
  const title = error.definition.title[request.locale];
  let suggestion;
  if (/^[0-9]{6}$/.test(lgCode)) {
    const five = lgCode.slice(0, 5);
    suggestion = await ctx.tenants.get(`${five}${lgCheckDigit(five)}`);
  }
  return sendPage(
    reply,
    { title, hasErrors: true, status: error.status },
    <InvalidCodePage request={request} title={title} detail={error.detail?.[request.locale]} suggestion={suggestion} />,
  );
}
