// My page: the documents issued to the signed-in resident (交付物ダウンロード, 003B P6). Only one's
// own: another's document answers 404, as if it did not exist.
//   GET /account/documents · GET /account/documents/{id} · GET /account/documents/{id}/pdf
import type { FastifyInstance } from 'fastify';
import { requireSignedIn } from '../../identity/exports.ts';
import { AppError } from '../../platform/errors.ts';
import { formatDateTime } from '../../platform/i18n/dates.ts';
import type { AppContext } from '../../platform/module.ts';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Table } from '../../platform/ui/components/table/table.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { sendPage } from '../../platform/ui/render.tsx';
import { documentsDb } from '../db/schema.ts';
import { DocumentsErrors } from '../errors.ts';
import { documentPdfFor } from '../issue-document.ts';
import { isUuid } from '../../platform/uuid.ts';

export async function accountDocumentsPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = documentsDb(ctx.db);
  const columns = ['id', 'lg_code', 'number', 'title', 'kind', 'verification_code', 'issued_at', 'revoked_at', 'revoked_reason'] as const;

  app.get('/account/documents', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const { t, locale } = request;
    const rows = await db.selectFrom('documents_issued').select(columns).where('account_id', '=', who.accountId).orderBy('issued_at', 'desc').limit(200).execute();
    return sendPage(reply, { title: t('documents.mine'), backLink: { href: '/account' } }, (
      <>
        <h1>{t('documents.mine')}</h1>
        <p class="lead">{t('documents.mineLead')}</p>
        {rows.length === 0 ? <p>{t('documents.none')}</p> : (
          <Table id="documents" caption={t('documents.mine')} captionSize="s" head={[t('documents.documentTitle'), t('documents.number'), t('documents.issuedAt'), t('documents.state')]}
            rows={rows.map((r) => [{ content: <a href={`/account/documents/${r.id}`}>{r.title}</a> }, r.number, formatDateTime(r.issued_at, locale), { content: <Tag tone={r.revoked_at ? 'neutral' : 'success'}>{t(r.revoked_at ? 'documents.revoked' : 'documents.valid')}</Tag> }])} />
        )}
        <p><a href="/verify">{t('documents.verify.title')}</a></p>
        <p class="hint">{t('documents.accountId', { id: who.accountId })}</p>
      </>
    ));
  });

  app.get<{ Params: { id: string } }>('/account/documents/:id', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const { t, locale } = request;
    const row = isUuid(request.params.id) ? await db.selectFrom('documents_issued').select(columns).where('id', '=', request.params.id).where('account_id', '=', who.accountId).executeTakeFirst() : undefined;
    if (!row) throw new AppError(DocumentsErrors.NOT_FOUND);
    const issuer = (await ctx.tenants.get(row.lg_code))?.name[locale] ?? row.lg_code;
    return sendPage(reply, { title: row.title, backLink: { href: '/account/documents' } }, (
      <>
        <h1>{row.title}</h1>
        <SummaryList rows={[
          { key: t('documents.issuer'), value: issuer },
          { key: t('documents.number'), value: row.number },
          { key: t('documents.issuedAt'), value: formatDateTime(row.issued_at, locale) },
          { key: t('documents.code'), value: <code>{row.verification_code}</code> },
          { key: t('documents.state'), value: row.revoked_at ? `${t('documents.revoked')}（${row.revoked_reason ?? ''}）` : t('documents.valid') },
        ]} />
        <p><a class="button" href={`/account/documents/${row.id}/pdf`} download>{t('documents.download')}</a></p>
        <p class="hint">{t('documents.downloadHint')}</p>
      </>
    ));
  });

  app.get<{ Params: { id: string } }>('/account/documents/:id/pdf', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const found = await documentPdfFor(ctx, who.accountId, request.params.id);
    if (!found) throw new AppError(DocumentsErrors.NOT_FOUND);
    const filename = `document-${found.number.replace(/[^0-9A-Za-z-]/g, '')}.pdf`;
    return reply.type('application/pdf').header('cache-control', 'private, no-store').header('content-disposition', `attachment; filename="${filename}"`).send(found.pdf);
  });
}
