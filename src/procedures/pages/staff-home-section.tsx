// On the staff home page: per department of the staff member, how many applications have come to
// the department's turn and are not taken by anyone yet (「新着」), with the way to the queue; and,
// for municipal administrators, the department staff page.
import { addStaffHomeSection } from '../../platform/tenancy/home-sections.ts';
import { findDepartment } from '../catalog/catalog-store.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { newInQueue } from '../workflow/queue.ts';
import { staffScopeOf } from '../workflow/work-store.ts';
import { say } from './application-pages.tsx';

export function addStaffQueueSection(ctx: ProceduresContext): void {
  addStaffHomeSection(ctx.app, {
    order: 10,
    async render(request) {
      const scope = await staffScopeOf(ctx.app, ctx.db, request.actor);
      const manages = (await ctx.app.guard.tenantsFor(request.actor, 'procedures.manage_workflow')).size > 0;
      if (!scope || (scope.departments.length === 0 && !manages)) return undefined;
      const { locale } = request;
      const counts = await newInQueue(ctx.db, scope);
      return (
        <section aria-labelledby="staff-queue">
          <h2 id="staff-queue">{say(request, { ja: '申請の処理', en: 'Applications' })}</h2>
          {counts.length > 0 && (
            <ul>
              {await Promise.all(counts.map(async (c) => {
                const name = (await findDepartment(ctx.db, c.lgCode, c.code))?.name[locale] ?? c.code;
                return <li><a href={`/staff/applications?department=${c.lgCode}/${c.code}`}>{name}</a>：{say(request, { ja: `新着 ${c.count} 件`, en: `${c.count} new` })}</li>;
              }))}
            </ul>
          )}
          {scope.departments.length > 0 && <p><a href="/staff/applications">{say(request, { ja: '処理待ちの申請の一覧', en: 'Applications to process' })}</a></p>}
          {scope.departments.length > 0 && <p><a href="/staff/notifications">{request.t('procedures.staffSettings.link')}</a></p>}
          {manages && <p><a href="/staff/procedures/departments">{say(request, { ja: '担当課の職員', en: 'Department staff' })}</a></p>}
        </section>
      );
    },
  });
}
