// The public verification page (職責署名検証, 003B P5.5): no login. Anyone uploads an issued PDF or
// types the code printed on it, and is told plainly whether it is genuine and unaltered. A check
// changes nothing, so the form carries no CSRF token; the upload is size-limited and rate-limited.
//   GET /verify[?code=…] · POST /verify (multipart: file, code)
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/module.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { FileUpload } from '../../platform/ui/components/file-upload/file-upload.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { formatDateTime } from '../../platform/i18n/dates.ts';
import { sendPage } from '../../platform/ui/render.tsx';
import { VERIFY_UPLOAD_LIMIT, verifyRateLimit } from '../api/documents-api.ts';
import { verifyCode, verifyFile, type Verification } from '../verification/verify-document.ts';

interface FormState {
  code?: string;
  error?: { field: 'file' | 'code'; text: string; status: number };
  result?: Verification;
}

async function issuerName(ctx: AppContext, lgCode: string, locale: 'ja' | 'en'): Promise<string> {
  return (await ctx.tenants.get(lgCode))?.name[locale] ?? lgCode;
}

export async function verifyPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const page = async (request: FastifyRequest, reply: FastifyReply, state: FormState) => {
    const { t, locale } = request;
    const result = state.result;
    const doc = result?.document;
    const good = result?.verdict === 'genuine';
    return sendPage(reply, {
      title: t('documents.verify.title'),
      status: state.error?.status ?? 200,
      errorSummary: state.error ? [{ text: state.error.text, href: `#${state.error.field}` }] : [],
    }, (
      <>
        <h1>{t('documents.verify.title')}</h1>
        {result && (
          <section aria-labelledby="verdict" class="inset-text" role="status">
            <h2 id="verdict"><Tag tone={good ? 'success' : 'warning'}>{t(good ? 'documents.verdictTag.good' : 'documents.verdictTag.bad')}</Tag> {t(`documents.verdict.${result.verdict}`)}</h2>
            <p>{t(`documents.verdictLead.${result.verdict}`)}</p>
            {doc && (
              <SummaryList rows={[
                { key: t('documents.issuer'), value: await issuerName(ctx, doc.lgCode, locale) },
                { key: t('documents.documentTitle'), value: doc.title },
                { key: t('documents.number'), value: doc.number },
                { key: t('documents.issuedAt'), value: formatDateTime(doc.issuedAt, locale) },
                ...(doc.revokedAt ? [{ key: t('documents.revokedAt'), value: formatDateTime(doc.revokedAt, locale) }] : []),
                { key: t('documents.sha256'), value: <code>{doc.sha256}</code> },
              ]} />
            )}
            {result.signer && <p class="hint">{t('documents.signedBy', { subject: result.signer.subject, issuer: result.signer.issuer })}</p>}
          </section>
        )}
        <p class="lead">{t('documents.verify.lead')}</p>
        <form method="post" action="/verify" enctype="multipart/form-data" novalidate>
          <FileUpload name="file" label={t('documents.verify.file')} hint={t('documents.verify.fileHint')} accept="application/pdf" errorMessage={state.error?.field === 'file' ? state.error.text : undefined} />
          <TextInput name="code" label={t('documents.verify.code')} hint={t('documents.verify.codeHint')} width="20" value={state.code} errorMessage={state.error?.field === 'code' ? state.error.text : undefined} />
          <Button type="submit">{t('documents.verify.submit')}</Button>
        </form>
      </>
    ));
  };

  app.get<{ Querystring: { code?: string } }>('/verify', { config: verifyRateLimit }, async (request, reply) => {
    const code = request.query.code?.slice(0, 40);
    return page(request, reply, code ? { code, result: await verifyCode(ctx, code) } : {});
  });

  await app.register(async (child) => {
    await child.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: VERIFY_UPLOAD_LIMIT, files: 1, fields: 5, fieldSize: 200 } });
    // A file over the limit must still get the page with its message, not a bare error.
    child.setErrorHandler(async (error, request, reply) => {
      if ((error as { statusCode?: number }).statusCode === 413) {
        return page(request, reply, { error: { field: 'file', text: request.t('documents.verify.tooLarge'), status: 413 } });
      }
      throw error;
    });
    child.post('/verify', { config: verifyRateLimit }, async (request, reply) => {
      const { t } = request;
      const body = (request.body ?? {}) as Record<string, unknown>;
      const code = typeof body.code === 'string' ? body.code.trim() : '';
      const file = Buffer.isBuffer(body.file) && body.file.length > 0 ? body.file : undefined;
      if (file) {
        if (file.subarray(0, 5).toString('latin1') !== '%PDF-') return page(request, reply, { code, error: { field: 'file', text: t('documents.verify.notPdf'), status: 400 } });
        return page(request, reply, { result: await verifyFile(ctx, file) });
      }
      if (code) return page(request, reply, { code, result: await verifyCode(ctx, code) });
      return page(request, reply, { error: { field: 'file', text: t('documents.verify.nothing'), status: 400 } });
    });
  });
}
