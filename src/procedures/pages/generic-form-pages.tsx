// Starting an application with the generic form (汎用様式, 003B P3.3), signed in:
//   GET  /applications/generic[?lgCode=…][&procedure=<lg>/<code>]   choose the municipality, then the
//        procedure (one that accepts the generic form, or 「その他の手続」 with the department and its name)
//   POST /applications/generic                                       starts the draft, then the usual steps
// The rest (the shared questions, the file, the review, the receipt number, My page) is the bulk
// application's (application-pages.tsx), on the tenant's generic form version.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { formView, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { ApplicationStore } from '../applications/application-store.ts';
import { ensureGenericForm, genericProcedures, otherProcedure, OTHER_PROCEDURE_CODE } from '../applications/generic-form.ts';
import { listDepartments } from '../catalog/catalog-store.ts';
import { proceduresDb } from '../db/schema.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { applicantOf, requireResident } from './application-pages.tsx';
import { assertWithinMandate } from '../applications/mandate-scope.ts';

const OTHER = 'other';

export async function genericFormPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const store = new ApplicationStore(ctx.app.sealer);
  const tenantsInOrder = async () => [...(await ctx.app.tenants.snapshot()).tenants.values()].sort((a, b) => (a.level === b.level ? a.sortOrder - b.sortOrder || a.lgCode.localeCompare(b.lgCode) : a.level === 'prefecture' ? -1 : 1));
  const tenantOf = async (raw: unknown) => (typeof raw === 'string' && /^[0-9]{6}$/.test(raw) ? ctx.app.tenants.get(raw) : undefined);

  const sendChoice = async (request: FastifyRequest, reply: FastifyReply, lgCode: string | undefined, values: FormValues, errors: FieldErrors) => {
    const t = request.t;
    const title = t('procedures.generic.title');
    const tenant = lgCode ? await ctx.app.tenants.get(lgCode) : undefined;
    const view = formView({ values, errors }, request.locale);
    const intro = <p>{t('procedures.generic.intro')}</p>;
    if (!tenant) {
      return sendPage(reply, { title, status: Object.keys(errors).length ? 400 : 200, errorSummary: view.errorSummary, backLink: { href: '/account/applications' } }, (
        <>
          <h1>{title}</h1>
          {intro}
          <form method="get" action="/applications/generic" novalidate>
            <Select name="lgCode" label={t('procedures.generic.municipality')} errorMessage={view.error('lgCode')} value={values.lgCode as string | undefined} items={[{ value: '', text: t('procedures.nav.chooseMunicipality') }, ...(await tenantsInOrder()).map((m) => ({ value: m.lgCode, text: m.name[request.locale] }))]} />
            <Button>{t('procedures.generic.next')}</Button>
          </form>
        </>
      ));
    }
    const [listed, other, departments] = await Promise.all([genericProcedures(ctx.db, tenant.lgCode), otherProcedure(ctx.db, tenant.lgCode), listDepartments(ctx.db, [tenant.lgCode])]);
    const hasErrors = Object.keys(errors).length > 0;
    return sendPage(reply, { title, status: hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/applications/generic' } }, (
      <>
        <h1>{title}</h1>
        {intro}
        <p>{t('procedures.generic.where', { tenant: tenant.name[request.locale] })} <a href="/applications/generic">{t('procedures.generic.changeMunicipality')}</a></p>
        {listed.length === 0 && !other ? (
          <p>{t('procedures.generic.none')}</p>
        ) : (
          <form method="post" action="/applications/generic" novalidate>
            <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
            <input type="hidden" name="lgCode" value={tenant.lgCode} />
            <Radios
              name="procedure"
              legend={t('procedures.generic.procedure')}
              legendSize="m"
              hint={t('procedures.generic.procedureHint')}
              errorMessage={view.error('procedure')}
              value={values.procedure as string | undefined}
              items={[
                ...listed.map((p) => ({ value: p.code, text: p.title[request.locale], hint: t('procedures.generic.goesTo', { department: p.department[request.locale] }) })),
                ...(other
                  ? [{
                      value: OTHER,
                      text: t('procedures.generic.other'),
                      conditional: (
                        <>
                          <TextInput name="title" label={t('procedures.generic.otherTitle')} hint={t('procedures.generic.otherTitleHint')} errorMessage={view.error('title')} value={values.title as string | undefined} />
                          <Select name="department" label={t('procedures.generic.department')} errorMessage={view.error('department')} value={values.department as string | undefined} items={[{ value: '', text: t('procedures.generic.chooseDepartment') }, ...departments.map((d) => ({ value: d.code, text: d.name[request.locale] }))]} />
                        </>
                      ),
                    }]
                  : []),
              ]}
            />
            <Button>{t('procedures.generic.start')}</Button>
          </form>
        )}
      </>
    ));
  };

  app.get<{ Querystring: { lgCode?: string; procedure?: string } }>('/applications/generic', async (request, reply) => {
    if (!requireResident(request, reply)) return reply;
    const linked = typeof request.query.procedure === 'string' ? /^([0-9]{6})\/([a-z][a-z0-9-]{1,60})$/.exec(request.query.procedure) : null;
    const raw = linked?.[1] ?? request.query.lgCode;
    const tenant = await tenantOf(raw);
    const errors: FieldErrors = raw !== undefined && raw !== '' && !tenant ? { lgCode: { ja: '市町村を一覧から選んでください', en: 'Choose a municipality from the list' } } : raw === '' ? { lgCode: { ja: '市町村を選んでください', en: 'Choose a municipality' } } : {};
    return sendChoice(request, reply, tenant?.lgCode, { ...(linked ? { procedure: linked[2]! } : {}), lgCode: typeof raw === 'string' ? raw : '' }, errors);
  });

  app.post('/applications/generic', { preHandler: app.csrfProtection }, async (request, reply) => {
    const account = requireResident(request, reply);
    if (!account) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const tenant = await tenantOf(body.lgCode);
    if (!tenant) throw new AppError(PlatformErrors.BAD_REQUEST, { detail: { ja: '「lgCode」の市町村がありません。市町村を選び直してください', en: '"lgCode" names no municipality: choose it again' } });
    const values: FormValues = { procedure: typeof body.procedure === 'string' ? body.procedure : '', title: typeof body.title === 'string' ? body.title.trim() : '', department: typeof body.department === 'string' ? body.department : '' };
    const errors: FieldErrors = {};
    const listed = await genericProcedures(ctx.db, tenant.lgCode);
    const other = values.procedure === OTHER ? await otherProcedure(ctx.db, tenant.lgCode) : undefined;
    const chosen = listed.find((p) => p.code === values.procedure);
    const departments = await listDepartments(ctx.db, [tenant.lgCode]);
    if (!chosen && !other) errors.procedure = { ja: '申請する手続を選んでください', en: 'Choose the procedure' };
    if (other) {
      const title = values.title as string;
      if (!title) errors.title = { ja: '手続の名前を入力してください', en: 'Enter the name of the procedure' };
      else if ([...title].length > 100) errors.title = { ja: '手続の名前は100文字以内で入力してください', en: 'The name of the procedure must be 100 characters or fewer' };
      if (!departments.some((d) => d.code === values.department)) errors.department = { ja: '提出先の担当課を選んでください', en: 'Choose the department to send it to' };
    }
    if (Object.keys(errors).length) return sendChoice(request, reply, tenant.lgCode, values, errors);
    assertWithinMandate(account, [other ?? chosen!]);
    const formVersionId = await ensureGenericForm(ctx, tenant.lgCode);
    const code = other ? OTHER_PROCEDURE_CODE : chosen!.code;
    const bulkId = await ctx.app.db.transaction().execute(async (trx) => {
      const db = proceduresDb(trx);
      const id = await store.createBulk(db, { lgCode: tenant.lgCode, applicant: applicantOf(account), lifeEventCode: null, practice: false, procedures: [{ lgCode: tenant.lgCode, code, formVersionId }] });
      const application = await db.selectFrom('procedures_applications').select('id').where('bulk_id', '=', id).executeTakeFirstOrThrow();
      await db.insertInto('procedures_generic_applications').values({ lg_code: tenant.lgCode, application_id: application.id, department_code: other ? (values.department as string) : chosen!.departmentCode, title: other ? (values.title as string) : null }).execute();
      return id;
    });
    return reply.redirect(`/applications/${bulkId}`, 303);
  });
}
