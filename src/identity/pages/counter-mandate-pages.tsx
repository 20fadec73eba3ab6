// A counter clerk registers a mandate from a paper power of attorney (委任状): both people show
// their check codes (so the clerk never searches residents by name), the clerk enters what the
// paper says and attaches its scan (PDF, JPEG or PNG, up to 5 MB, recognised by its bytes).
//   GET/POST /staff/mandates/new
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { formView, messageOf, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { FileUpload } from '../../platform/ui/components/file-upload/file-upload.tsx';
import { Panel } from '../../platform/ui/components/panel/panel.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { lookUpCounterCode } from '../assurance/counter-check.ts';
import type { IdentityContext } from '../identity-context.ts';
import { MandateStore } from '../proxies/mandates.ts';
import { text } from './form-checks.ts';
import { metaOf, requireSignedIn } from './page-helpers.ts';
import { MandateFields, readMandateForm } from './proxy-pages.tsx';
import { procedureCatalogueOf, refKey } from '../proxies/procedure-catalogue.ts';

export const DOCUMENT_LIMIT = 5 * 1024 * 1024;

/** The kind of a file by its first bytes, or undefined when it is none we accept. */
export function documentKind(bytes: Buffer): 'application/pdf' | 'image/jpeg' | 'image/png' | undefined {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  return undefined;
}

export async function counterMandatePages(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  const mandates = new MandateStore(ctx);
  const catalogue = procedureCatalogueOf(ctx.app);
  const offices = async (request: FastifyRequest) => {
    const allowed = await ctx.app.guard.tenantsFor(request.actor, 'identity.verify_identity');
    const { tenants } = await ctx.app.tenants.snapshot();
    return [...allowed].map((c) => tenants.get(c)!).filter(Boolean).sort((a, b) => a.sortOrder - b.sortOrder);
  };

  const page = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors: FieldErrors) => {
    const { t, locale } = request;
    const view = formView({ values, errors }, locale);
    const list = await offices(request);
    if (list.length === 0) throw new AppError(PlatformErrors.FORBIDDEN);
    // What a power of attorney at this counter names: the office's procedures and its prefecture's.
    const choices = [...new Map((await Promise.all(list.map((o) => catalogue.choicesFor(o.lgCode)))).flat().map((c) => [refKey(c), c])).values()];
    return sendPage(reply, { title: t('identity.counterMandate.title'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/staff' } }, (
      <form method="post" action="/staff/mandates/new" enctype="multipart/form-data" novalidate>
        <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
        <h1>{t('identity.counterMandate.title')}</h1>
        <p>{t('identity.counterMandate.lead')}</p>
        {list.length === 1 ? <input type="hidden" name="office" value={list[0]!.lgCode} /> : <Select label={t('identity.check.office')} items={list.map((o) => ({ value: o.lgCode, text: o.name[locale] }))} {...view.field('office')} />}
        <TextInput label={t('identity.counterMandate.grantorCode')} hint={t('identity.check.codeHint')} inputmode="numeric" autocomplete="off" spellcheck={false} width="10" {...view.field('grantorCode')} />
        <TextInput label={t('identity.counterMandate.proxyCode')} hint={t('identity.check.codeHint')} inputmode="numeric" autocomplete="off" spellcheck={false} width="10" {...view.field('proxyCode')} />
        <MandateFields view={view} t={t} locale={locale} choices={choices} where={list.map((o) => o.name[locale]).join(locale === 'ja' ? '・' : ', ')} />
        <FileUpload label={t('identity.counterMandate.document')} hint={t('identity.counterMandate.documentHint')} accept="application/pdf,image/jpeg,image/png" {...view.field('document')} />
        <Button preventDoubleClick>{t('identity.counterMandate.submit')}</Button>
      </form>
    ));
  };

  app.get('/staff/mandates/new', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    if (who.accountKind !== 'staff') throw new AppError(PlatformErrors.FORBIDDEN);
    return page(request, reply, {}, {});
  });

  // Multipart only here: the fields arrive as plain values (the CSRF check reads _csrf), the file as bytes.
  await app.register(async (child) => {
    await child.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: DOCUMENT_LIMIT, files: 1, fields: 30, fieldSize: 4096 } });
    child.post('/staff/mandates/new', { preHandler: child.csrfProtection }, async (request, reply) => {
      const who = requireSignedIn(request, reply);
      if (!who) return reply;
      if (who.accountKind !== 'staff') throw new AppError(PlatformErrors.FORBIDDEN);
      const body = (request.body ?? {}) as Record<string, unknown>;
      // Several checked procedures arrive as an array of strings.
      const values: FormValues = Object.fromEntries(Object.entries(body).filter(([k, v]) => k !== '_csrf' && (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))))) as FormValues;
      const errors: FieldErrors = {};
      const office = text(values, 'office');
      const meta = metaOf(request);
      const grantor = await lookUpCounterCode(ctx, request.actor, office, text(values, 'grantorCode'), meta);
      if (!grantor) errors.grantorCode = messageOf('identity.check.notFound');
      const proxy = await lookUpCounterCode(ctx, request.actor, office, text(values, 'proxyCode'), meta);
      if (!proxy) errors.proxyCode = messageOf('identity.check.notFound');
      const input = await readMandateForm(values, errors, catalogue);
      const file = body.document;
      const bytes = Buffer.isBuffer(file) ? file : undefined;
      const kind = bytes && bytes.length > 0 ? documentKind(bytes) : undefined;
      if (!bytes || bytes.length === 0) errors.document = messageOf('identity.counterMandate.documentMissing');
      else if (!kind) errors.document = messageOf('identity.counterMandate.documentKind');
      if (!grantor || !proxy || !input || !bytes || !kind || Object.keys(errors).length > 0) {
        // The codes were used up by the lookup: the residents show new ones.
        return page(request, reply, { ...values, grantorCode: '', proxyCode: '' }, errors);
      }
      await mandates.registerAtCounter(request.actor, { ...input, officeLgCode: office, grantorAccountId: grantor.accountId, proxyAccountId: proxy.accountId, document: { filename: 'power-of-attorney', contentType: kind, bytes } }, meta);
      const { t } = request;
      return sendPage(reply, { title: t('identity.counterMandate.done') }, (
        <>
          <Panel title={t('identity.counterMandate.done')}>{t('identity.counterMandate.doneLead')}</Panel>
          <p><a href="/staff/mandates/new">{t('identity.counterMandate.another')}</a></p>
        </>
      ));
    });
  });
}
