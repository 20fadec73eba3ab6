// My page rows for applications (003B P6): history with status and receipt numbers, drafts to
// resume or delete, withdraw (取下げ) what nobody has received yet, and copy a past application
// into a new draft.
//   GET  /account/applications
//   POST /applications/{id}/delete                         a draft
//   GET|POST /account/applications/{lgCode}/{id}/withdraw  confirm, then withdraw (audited)
//   POST /account/applications/{lgCode}/{id}/copy           a new draft with the same answers
import type { FastifyInstance } from 'fastify';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Table } from '../../platform/ui/components/table/table.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { notify } from '../../portal/exports.ts';
import { ApplicationStore } from '../applications/application-store.ts';
import { findProcedure } from '../catalog/catalog-store.ts';
import { sharedValuesFrom } from '../applications/bulk-application.ts';
import { findVersion, loadDictionary } from '../forms/form-store.ts';
import type { ApplicationStatus } from '../db/schema.ts';
import { proceduresDb } from '../db/schema.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { assertWithinMandate } from '../applications/mandate-scope.ts';
import { applicantOf, requireResident, say } from './application-pages.tsx';
import { latestReturn } from '../workflow/decisions.ts';
import { ReturnReasons } from './returned-application-pages.tsx';
import { FeeAction, feeStatesOf } from './payment-pages.tsx';
import type { FeePayments } from '../payments/fee-payments.ts';

export const STATUS: Record<ApplicationStatus, { ja: string; en: string }> = {
  draft: { ja: '下書き', en: 'Draft' },
  submitted: { ja: '申請済み（受付待ち）', en: 'Submitted' },
  received: { ja: '受付済み', en: 'Received' },
  returned: { ja: '差戻し', en: 'Returned for correction' },
  resubmitted: { ja: '再申請済み', en: 'Resubmitted' },
  approved: { ja: '承認', en: 'Approved' },
  rejected: { ja: '却下', en: 'Rejected' },
  withdrawn: { ja: '取下げ', en: 'Withdrawn' },
};

export async function myApplicationsPages(app: FastifyInstance, ctx: ProceduresContext, payments: FeePayments): Promise<void> {
  const store = new ApplicationStore(ctx.app.sealer);
  const titleOf = async (lgCode: string, code: string, locale: 'ja' | 'en') => (await findProcedure(ctx.db, lgCode, code))?.title[locale] ?? code;

  app.get<{ Querystring: { saved?: string } }>('/account/applications', async (request, reply) => {
    const account = requireResident(request, reply);
    if (!account) return reply;
    const owner = applicantOf(account).accountId;
    const [drafts, submitted] = await Promise.all([store.listDrafts(ctx.db, owner), store.listSubmitted(ctx.db, owner)]);
    const { locale } = request;
    const csrf = pageCsrfToken(reply);
    const title = request.t('procedures.mine.yourApplications');
    // A returned application says what to correct right here (差戻しの理由).
    const returnedNote = async (a: { lgCode: string; id: string; formVersionId: string }) => {
      const returned = await latestReturn(ctx.db, a);
      const definition = (await findVersion(ctx.db, a.lgCode, { id: a.formVersionId }))?.definition;
      return returned && definition ? <ReturnReasons definition={definition} reasons={returned.reasons} locale={locale} /> : undefined;
    };
    // Each row's actions carry its procedure's name for screen readers (many rows say 「続ける」).
    const hidden = (name: string) => <span class="visually-hidden">（{name}）</span>;
    const draftRows = await Promise.all(drafts.map(async (d) => {
      const names = (await Promise.all(d.procedures.map((p) => titleOf(p.lgCode, p.code, locale)))).join('、');
      return [
        { content: <>{names}{d.practice && <> <Tag tone="warning">{request.t('procedures.mine.practice')}</Tag></>}</> },
        d.updatedAt.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo' }),
        { content: <>
          <a href={`/applications/${d.id}`}>{request.t('procedures.mine.continue')}{hidden(names)}</a>
          <form method="post" action={`/applications/${d.id}/delete`} class="inline-form">
            <input type="hidden" name="_csrf" value={csrf} />
            <Button variant="secondary">{request.t('procedures.mine.deleteDraft')}{hidden(names)}</Button>
          </form>
        </> },
      ];
    }));
    const fees = await feeStatesOf(ctx, payments, submitted);
    const rows = await Promise.all(submitted.map(async (a) => [
      a.channel === 'counter' ? { content: <>{await titleOf(a.lgCode, a.procedureCode, locale)} <Tag tone="neutral">{request.t('procedures.assist.channel')}</Tag></> } : await titleOf(a.lgCode, a.procedureCode, locale),
      { content: <a href={`/account/applications/${a.lgCode}/${a.id}`}>{a.receiptNumber ?? ''}</a> },
      { content: <><Tag tone={a.status === 'withdrawn' || a.status === 'rejected' ? 'neutral' : a.status === 'returned' ? 'warning' : 'info'}>{STATUS[a.status][locale]}</Tag>{a.status === 'returned' && await returnedNote(a)}</> },
      { content: fees.get(a.id) ? <FeeAction request={request} csrf={csrf} application={a} state={fees.get(a.id)!} inFeeColumn /> : request.t('procedures.payment.none') },
      { content: <>
        {a.status === 'returned' && <><a href={`/account/applications/${a.lgCode}/${a.id}/correct`}>{say(request, { ja: '修正して再申請する', en: 'Correct and resubmit' })}</a>{' '}</>}
        {a.status === 'submitted' && <><a href={`/account/applications/${a.lgCode}/${a.id}/withdraw`}>{request.t('procedures.mine.withdraw')}{hidden(a.receiptNumber ?? '')}</a>{' '}</>}
        <form method="post" action={`/account/applications/${a.lgCode}/${a.id}/copy`} class="inline-form">
          <input type="hidden" name="_csrf" value={csrf} />
          <Button variant="secondary">{request.t('procedures.mine.copyIntoANewApplication')}{hidden(a.receiptNumber ?? '')}</Button>
        </form>
      </> },
    ]));
    return sendPage(reply, { title, backLink: { href: '/account' } }, (
      <>
        {request.query.saved !== undefined && <NotificationBanner type="success"><p class="notification-banner__heading">{request.t('procedures.mine.draftSaved')}</p></NotificationBanner>}
        <h1>{title}</h1>
        <h2>{request.t('procedures.mine.drafts')}</h2>
        {draftRows.length ? <Table id="drafts" caption={request.t('procedures.mine.draftsYouCanContinue')} captionSize="s" head={[request.t('procedures.mine.procedures'), request.t('procedures.mine.lastSaved'), request.t('procedures.mine.actions')]} rows={draftRows} /> : <p>{request.t('procedures.mine.youHaveNoDrafts')}</p>}
        <h2>{request.t('procedures.mine.submittedApplications')}</h2>
        {rows.length ? <Table id="submitted" caption={request.t('procedures.mine.receiptNumbersAndStatus')} captionSize="s" head={[request.t('procedures.mine.procedure'), request.t('procedures.mine.receiptNumber'), request.t('procedures.mine.status'), request.t('procedures.payment.column'), request.t('procedures.mine.actions')]} rows={rows} /> : <p>{request.t('procedures.mine.youHaveNotAppliedFor')}</p>}
        <h2>{request.t('procedures.generic.title')}</h2>
        <p>{request.t('procedures.generic.myPage')} <a href="/applications/generic">{request.t('procedures.generic.myPageLink')}</a></p>
        <h2>{request.t('procedures.mine.practiseApplying')}</h2>
        <p>{request.t('procedures.mine.newToApplyingOnlineTry')}</p>
        <p><a href={`/applications/new?procedure=${encodeURIComponent(PRACTICE_PROCEDURE)}`}>{request.t('procedures.mine.tryThePracticeProcedure')}</a></p>
      </>
    ));
  });

  app.post<{ Params: { id: string } }>('/applications/:id/delete', { preHandler: app.csrfProtection }, async (request, reply) => {
    const account = requireResident(request, reply);
    if (!account) return reply;
    if (!(await store.deleteDraft(ctx.db, request.params.id, applicantOf(account).accountId))) throw new AppError(PlatformErrors.NOT_FOUND);
    return reply.redirect('/account/applications', 303);
  });

  type P = { lgCode: string; id: string };
  app.get<{ Params: P }>('/account/applications/:lgCode/:id/withdraw', async (request, reply) => {
    const account = requireResident(request, reply);
    if (!account) return reply;
    const found = await store.findApplication(ctx.db, request.params.lgCode, request.params.id, applicantOf(account).accountId);
    if (!found || found.practice) throw new AppError(PlatformErrors.NOT_FOUND);
    const title = request.t('procedures.mine.withdrawThisApplication');
    return sendPage(reply, { title, backLink: { href: '/account/applications' } }, (
      <>
        <h1>{title}</h1>
        <p>{await titleOf(found.lgCode, found.procedureCode, request.locale)}（{request.t('procedures.mine.receiptNumber')} {found.receiptNumber}）</p>
        {found.status === 'submitted' ? (
          <form method="post" action={request.url}>
            <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
            <p>{request.t('procedures.mine.aWithdrawnApplicationIsNot')}</p>
            <Button variant="warning">{request.t('procedures.mine.withdraw')}</Button>
          </form>
        ) : (
          <p>{request.t('procedures.mine.theDepartmentHasReceivedIt')}</p>
        )}
      </>
    ));
  });

  app.post<{ Params: P }>('/account/applications/:lgCode/:id/withdraw', { preHandler: app.csrfProtection }, async (request, reply) => {
    const account = requireResident(request, reply);
    if (!account) return reply;
    const owner = applicantOf(account).accountId;
    const found = await store.findApplication(ctx.db, request.params.lgCode, request.params.id, owner);
    if (!found || found.practice) throw new AppError(PlatformErrors.NOT_FOUND);
    const withdrawn = await ctx.app.db.transaction().execute(async (trx) => {
      const ok = await store.transition(proceduresDb(trx), found, 'submitted', 'withdrawn', actorId(request.actor));
      if (ok) await appendAudit(trx, { actor: actorId(request.actor), action: 'procedures.application_withdrawn', lgCode: found.lgCode, subject: `application:${found.lgCode}/${found.id}`, ip: request.ip, requestId: request.id, details: { receiptNumber: found.receiptNumber } });
      return ok;
    });
    if (!withdrawn) throw new AppError(PlatformErrors.CONFLICT, { detail: { ja: 'この申請は受付済みか取下げ済みのため、取り下げられません', en: 'This application was already received or withdrawn' } });
    await notify(ctx.app, owner, { lgCode: found.lgCode, title: { ja: '申請を取り下げました', en: 'Your application was withdrawn' }, body: { ja: `受付番号 ${found.receiptNumber}`, en: `Receipt number ${found.receiptNumber}` }, link: '/account/applications' });
    return reply.redirect('/account/applications', 303);
  });

  app.post<{ Params: P }>('/account/applications/:lgCode/:id/copy', { preHandler: app.csrfProtection }, async (request, reply) => {
    const account = requireResident(request, reply);
    if (!account) return reply;
    const applicant = applicantOf(account);
    const found = await store.findApplication(ctx.db, request.params.lgCode, request.params.id, applicant.accountId);
    if (!found || found.practice) throw new AppError(PlatformErrors.NOT_FOUND);
    const procedure = await findProcedure(ctx.db, found.lgCode, found.procedureCode);
    if (!procedure?.formVersionId || procedure.status !== 'published') throw new AppError(PlatformErrors.CONFLICT, { detail: { ja: 'この手続は、いまはオンラインで申請できません', en: 'This procedure cannot be applied for online now' } });
    assertWithinMandate(account, [procedure]);
    // The stored values hold the shared answers under the form's keys: the new draft asks the
    // shared questions again (prefilled from the copy by the same names) on the current version.
    const definition = (await findVersion(ctx.db, found.lgCode, { id: procedure.formVersionId }))!.definition;
    // Attachments are not copied: their names are dropped so the file fields ask again.
    const files = definition.pages.flatMap((p) => p.fields).filter((f) => f.type === 'file').map((f) => f.key);
    const own = Object.fromEntries(Object.entries(found.own.values).filter(([name]) => !files.includes(name)));
    const id = await store.createBulk(ctx.db, { lgCode: found.lgCode, applicant, lifeEventCode: null, practice: false, shared: { values: sharedValuesFrom(definition, await loadDictionary(ctx.db), found.own.values), prefilled: [], prefill: 'no' }, procedures: [{ lgCode: found.lgCode, code: found.procedureCode, formVersionId: procedure.formVersionId, own, copiedFrom: found.id }] });
    await ctx.app.db.transaction().execute(async (trx) => appendAudit(trx, { actor: actorId(request.actor), action: 'procedures.application_copied', lgCode: found.lgCode, subject: `application:${found.lgCode}/${found.id}`, ip: request.ip, requestId: request.id, details: { bulkId: id } }));
    return reply.redirect(`/applications/${id}/review`, 303);
  });
}

export const PRACTICE_PROCEDURE = '070009/renshu-shinsei';
