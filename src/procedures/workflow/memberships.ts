// Who works in which department (課): municipal administrators add and remove staff, and queues,
// application pages and decisions follow it. A member is a principal (a staff account
// "account:<id>", or an operator token's principal), with the name shown to colleagues.
import type { ProceduresDatabase } from '../db/schema.ts';

export interface Member {
  lgCode: string;
  departmentCode: string;
  principalId: string;
  displayName: string;
  addedAt: Date;
}

export async function listMembers(db: ProceduresDatabase, lgCode: string, departmentCode?: string): Promise<Member[]> {
  let query = db.selectFrom('procedures_staff_departments').selectAll().where('lg_code', '=', lgCode);
  if (departmentCode) query = query.where('department_code', '=', departmentCode);
  const rows = await query.orderBy('department_code').orderBy('display_name').limit(1000).execute();
  return rows.map((r) => ({ lgCode: r.lg_code, departmentCode: r.department_code, principalId: r.principal_id, displayName: r.display_name, addedAt: r.added_at }));
}

/** The departments a principal belongs to, as "lgCode/code" keys. */
export async function departmentsOfPrincipal(db: ProceduresDatabase, principalId: string): Promise<Array<{ lgCode: string; code: string }>> {
  const rows = await db.selectFrom('procedures_staff_departments').select(['lg_code', 'department_code']).where('principal_id', '=', principalId).orderBy('lg_code').orderBy('department_code').execute();
  return rows.map((r) => ({ lgCode: r.lg_code, code: r.department_code }));
}

/** True when added, false when the person was already a member. */
export async function addMember(db: ProceduresDatabase, input: { lgCode: string; departmentCode: string; principalId: string; displayName: string; addedBy: string }): Promise<boolean> {
  const inserted = await db.insertInto('procedures_staff_departments')
    .values({ lg_code: input.lgCode, department_code: input.departmentCode, principal_id: input.principalId, display_name: input.displayName, added_by: input.addedBy })
    .onConflict((oc) => oc.doNothing()).executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function removeMember(db: ProceduresDatabase, lgCode: string, departmentCode: string, principalId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('procedures_staff_departments').where('lg_code', '=', lgCode).where('department_code', '=', departmentCode).where('principal_id', '=', principalId).executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}
