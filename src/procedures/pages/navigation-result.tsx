// The end of a navigation: the procedures that apply in the municipality, each with why, grouped
// by where they are done. Online ones are listed as the set that will be applied for together
// (「まとめて申請する」 starts one bulk application for those with a published form), external
// ones link out, counter ones say where to go and what to bring. A summary of the answers with
// 「変更」 links lets the resident change one without starting again.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Tenant } from '../../platform/tenancy/tenant-directory.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { InsetText } from '../../platform/ui/components/inset-text/inset-text.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { sendPage } from '../../platform/ui/render.tsx';
import { findProcedures, type LifeEvent, type Procedure } from '../catalog/catalog-store.ts';
import type { Channel } from '../db/schema.ts';
import type { Walk } from '../navigation/navigation-walk.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { counterBookingHref } from '../catalog/counter-booking.ts';
import { Documents, HowToApply, ownerName, procedureHref } from './procedure-views.tsx';

interface Props {
  ctx: ProceduresContext;
  request: FastifyRequest;
  reply: FastifyReply;
  event: LifeEvent;
  tenant: Tenant;
  walk: Walk;
  changeHref: (questionId: string) => string;
}

const order: Channel[] = ['portal', 'external', 'counter'];

export async function sendNavigationResult({ ctx, request, reply, event, tenant, walk, changeHref }: Props) {
  const { t, locale } = request;
  // Only published procedures of this municipality or its prefecture are shown (a definition
  // saved earlier may name one that has since been withdrawn to draft).
  const found: Array<{ procedure: Procedure; why: Walk['applies'][number]['why']; bookingHref?: string }> = [];
  const mine = walk.applies.filter((a) => a.lgCode === tenant.lgCode || a.lgCode === tenant.prefectureCode);
  const procedures = await findProcedures(ctx.db, mine.map((a) => [a.lgCode, a.code]));
  for (const applies of mine) {
    const procedure = procedures.get(`${applies.lgCode}/${applies.code}`);
    if (procedure?.status === 'published') found.push({ procedure, why: applies.why });
  }
  await Promise.all(found.map(async (f) => (f.bookingHref = await counterBookingHref(ctx.app, f.procedure))));
  const owners = new Map<string, Tenant | undefined>([[tenant.lgCode, tenant], [tenant.prefectureCode, await ctx.app.tenants.get(tenant.prefectureCode)]]);
  const title = t('procedures.result.title', { municipality: tenant.name[locale], event: event.name[locale] });
  const group = (channel: Channel) => found.filter((f) => f.procedure.channel === channel);
  return sendPage(
    reply,
    {
      title,
      backLink: walk.path.length ? { href: changeHref(walk.path.at(-1)!.question.id) } : undefined,
      breadcrumbs: [
        [t('home.breadcrumb'), '/'],
        [t('procedures.nav.title'), '/life-events'],
        [title, request.url],
      ],
    },
    <>
      <h1>{title}</h1>
      <p class="lead">{found.length > 0 ? t(`procedures.result.lead.${new Intl.PluralRules(locale).select(found.length)}`, { count: found.length }) : t('procedures.result.none')}</p>
      {order.map((channel) => {
        const items = group(channel);
        if (items.length === 0) return null;
        return (
          <section aria-labelledby={`group-${channel}`} class="result-group">
            <h2 id={`group-${channel}`}>{t(`procedures.result.group.${channel}`)}</h2>
            {channel === 'portal' && <InsetText>{t('procedures.result.portalNote')}</InsetText>}
            {channel === 'portal' && items.some((i) => i.procedure.formVersionId) && (
              // A GET form: the next page (sign-in first if needed) shows what will be applied for.
              <form method="get" action="/applications/new">
                <input type="hidden" name="lifeEvent" value={event.code} />
                {items.filter((i) => i.procedure.formVersionId).map((i) => <input type="hidden" name="procedure" value={`${i.procedure.lgCode}/${i.procedure.code}`} />)}
                <Button>{locale === 'en' ? 'Apply for these together' : 'まとめて申請する'}</Button>
              </form>
            )}
            <ul class="procedure-list">
              {items.map(({ procedure, why, bookingHref }) => (
                <li>
                  <h3>
                    <a href={procedureHref(procedure)}>{procedure.title[locale]}</a>
                  </h3>
                  <p class="procedure-meta">
                    {ownerName(request, owners.get(procedure.lgCode), procedure.lgCode)}・{procedure.department.name[locale]}
                  </p>
                  <div class="why">
                    <strong>{t('procedures.result.why')}</strong>
                    <ul>
                      {why.map((w) => (
                        <li>{w[locale]}</li>
                      ))}
                    </ul>
                  </div>
                  {channel !== 'portal' && <HowToApply request={request} procedure={procedure} bookingHref={bookingHref} />}
                  {channel === 'counter' && procedure.documents.length > 0 && (
                    <>
                      <h4>{t('procedures.detail.documentsToBring')}</h4>
                      <Documents request={request} documents={procedure.documents} />
                    </>
                  )}
                </li>
              ))}
            </ul>
          </section>
        );
      })}
      {walk.path.length > 0 && (
        <>
          <h2>{t('procedures.result.answers')}</h2>
          <SummaryList
            rows={walk.path.map((step) => ({
              key: step.question.text[locale],
              value: step.option.label[locale],
              actions: [{ href: changeHref(step.question.id), text: t('procedures.result.change'), visuallyHiddenText: step.question.text[locale] }],
            }))}
          />
        </>
      )}
      <p>
        <a href={`/life-events?municipality=${tenant.lgCode}`}>{t('procedures.result.again')}</a>
      </p>
    </>,
  );
}
