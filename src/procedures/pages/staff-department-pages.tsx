// Department membership for municipal administrators (procedures.manage_workflow): who works in
// which department (課), which decides whose queue an application is in.
//   GET  /staff/procedures/departments                                  departments and their staff
//   POST /staff/procedures/departments/{lgCode}/{code}/members          add by e-mail address
//   POST /staff/procedures/departments/{lgCode}/{code}/members/remove   remove (principalId)
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findStaffByEmail, requireStaff } from '../../identity/exports.ts';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors, type Localized } from '../../platform/errors.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { formView, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { findDepartment, listDepartments } from '../catalog/catalog-store.ts';
import { proceduresDb } from '../db/schema.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { addMember, listMembers, removeMember } from '../workflow/memberships.ts';
import { say } from './application-pages.tsx';

const PERMISSION = 'procedures.manage_workflow';

export async function staffDepartmentPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const render = async (request: FastifyRequest, reply: FastifyReply, state: { errors?: FieldErrors; values?: FormValues; form?: string; done?: Localized } = {}) => {
    const tenants = [...(await ctx.app.guard.tenantsFor(request.actor, PERMISSION))].sort();
    if (tenants.length === 0) throw new AppError(PlatformErrors.FORBIDDEN);
    const { locale } = request;
    const csrf = pageCsrfToken(reply);
    const departments = await listDepartments(ctx.db, tenants);
    const title = say(request, { ja: '担当課の職員', en: 'Department staff' });
    const sections = await Promise.all(departments.map(async (d) => {
      const key = `${d.lgCode}/${d.code}`;
      const members = await listMembers(ctx.db, d.lgCode, d.code);
      const view = formView(state.form === key ? { values: state.values ?? {}, errors: state.errors ?? {} } : {}, locale);
      const headingId = `dept-${d.lgCode}-${d.code}`;
      return (
        <section aria-labelledby={headingId}>
          <h2 id={headingId}>{(await ctx.app.tenants.get(d.lgCode))?.name[locale] ?? d.lgCode} {d.name[locale]}</h2>
          {members.length === 0 ? <p>{say(request, { ja: 'まだ誰も登録されていません。', en: 'Nobody yet.' })}</p> : (
            <ul>
              {members.map((m) => (
                <li>
                  <form method="post" action={`/staff/procedures/departments/${key}/members/remove`} class="inline-form">
                    <span>{m.displayName}</span>
                    <input type="hidden" name="_csrf" value={csrf} />
                    <input type="hidden" name="principalId" value={m.principalId} />
                    <Button variant="secondary">{say(request, { ja: `${m.displayName}を外す`, en: `Remove ${m.displayName}` })}</Button>
                  </form>
                </li>
              ))}
            </ul>
          )}
          <form method="post" action={`/staff/procedures/departments/${key}/members`}>
            <input type="hidden" name="_csrf" value={csrf} />
            <TextInput {...view.field('email')} id={`email-${d.lgCode}-${d.code}`} type="email" autocomplete="off" label={say(request, { ja: `${d.name.ja}に加える職員のメールアドレス`, en: `E-mail address of the staff member to add to ${d.name.en}` })} />
            <Button variant="secondary">{say(request, { ja: '加える', en: 'Add' })}</Button>
          </form>
        </section>
      );
    }));
    const errorSummary = Object.values(state.errors ?? {}).length ? formView({ values: state.values ?? {}, errors: state.errors ?? {} }, locale).errorSummary.map((item) => ({ ...item, href: `#email-${state.form!.replace('/', '-')}` })) : undefined;
    return sendPage(reply, { title, status: errorSummary ? 422 : 200, ...(errorSummary ? { errorSummary } : {}), backLink: { href: '/staff' } }, (
      <>
        {state.done && <NotificationBanner type="success"><p class="notification-banner__heading">{state.done[locale]}</p></NotificationBanner>}
        <h1>{title}</h1>
        <p>{say(request, { ja: '申請は、処理経路の段階ごとに担当課の一覧に届きます。職員は所属する担当課の申請だけを見て処理できます。', en: 'Applications reach the queue of the department of each stage of their routing. Staff see and process only their departments\' applications.' })}</p>
        {sections.length ? sections : <p>{say(request, { ja: '担当課がまだ登録されていません。', en: 'No departments are registered yet.' })}</p>}
      </>
    ));
  };

  type Key = { lgCode: string; code: string };
  const loadDepartment = async (request: FastifyRequest<{ Params: Key }>) => {
    const { lgCode, code } = request.params;
    if (!/^[0-9]{6}$/.test(lgCode) || !/^[a-z][a-z0-9-]{1,60}$/.test(code)) throw new AppError(PlatformErrors.NOT_FOUND);
    await ctx.app.guard.assert(request.actor, PERMISSION, lgCode);
    const department = await findDepartment(ctx.db, lgCode, code);
    if (!department) throw new AppError(PlatformErrors.NOT_FOUND);
    return department;
  };

  app.get('/staff/procedures/departments', async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    return render(request, reply);
  });

  app.post<{ Params: Key }>('/staff/procedures/departments/:lgCode/:code/members', { preHandler: app.csrfProtection }, async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    const department = await loadDepartment(request);
    const values = (request.body ?? {}) as FormValues;
    const email = typeof values['email'] === 'string' ? values['email'].trim() : '';
    const form = `${department.lgCode}/${department.code}`;
    const staff = email ? await findStaffByEmail(ctx.app, email) : undefined;
    if (!staff) {
      const error = email ? { ja: 'このメールアドレスの職員アカウントはありません', en: 'There is no staff account with this e-mail address' } : { ja: '職員のメールアドレスを入力してください', en: 'Enter the staff member\'s e-mail address' };
      return render(request, reply, { form, values, errors: { email: error } });
    }
    await ctx.app.db.transaction().execute(async (trx) => {
      if (await addMember(proceduresDb(trx), { lgCode: department.lgCode, departmentCode: department.code, principalId: staff.principalId, displayName: staff.displayName, addedBy: actorId(request.actor) })) {
        await appendAudit(trx, { actor: actorId(request.actor), action: 'procedures.department_member_added', lgCode: department.lgCode, subject: `department:${form}`, ip: request.ip, requestId: request.id, details: { principalId: staff.principalId } });
      }
    });
    return render(request, reply, { done: { ja: `${staff.displayName}を${department.name.ja}に加えました`, en: `${staff.displayName} was added to ${department.name.en}` } });
  });

  app.post<{ Params: Key }>('/staff/procedures/departments/:lgCode/:code/members/remove', { preHandler: app.csrfProtection }, async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    const department = await loadDepartment(request);
    const principalId = String(((request.body ?? {}) as FormValues)['principalId'] ?? '');
    await ctx.app.db.transaction().execute(async (trx) => {
      if (await removeMember(proceduresDb(trx), department.lgCode, department.code, principalId)) {
        await appendAudit(trx, { actor: actorId(request.actor), action: 'procedures.department_member_removed', lgCode: department.lgCode, subject: `department:${department.lgCode}/${department.code}`, ip: request.ip, requestId: request.id, details: { principalId } });
      }
    });
    return reply.redirect('/staff/procedures/departments', 303);
  });
}
