// What other modules may use of the procedures module: the departments (課) of a tenant, e.g. for
// the visit booking of counter procedures.
import type { AppContext } from '../platform/module.ts';
import { findDepartment, listDepartments, type Department } from './catalog/catalog-store.ts';
import { proceduresDb } from './db/schema.ts';

export type { Department } from './catalog/catalog-store.ts';

export async function departmentsOf(app: AppContext, lgCode: string): Promise<Department[]> {
  return listDepartments(proceduresDb(app.db), [lgCode]);
}

export async function departmentOf(app: AppContext, lgCode: string, code: string): Promise<Department | undefined> {
  return findDepartment(proceduresDb(app.db), lgCode, code);
}

/** A level A application's My Number card signature, verified again (application-signatures.ts). */
export { signatureOf } from './applications/application-signatures.ts';
export type { ApplicationSignature } from './applications/application-signatures.ts';
