// Turns a code from a URL or body into a tenant, with the errors people and clients should see:
// 400 naming the field for a malformed code or a wrong check digit, 404 for a well-formed code
// that is not a tenant of this installation.
import { AppError, type FieldProblem } from '../errors.ts';
import { TenancyErrors } from './errors.ts';
import { checkLgCode } from './lg-code.ts';
import type { Tenant, TenantDirectory } from './tenant-directory.ts';

export function assertLgCode(code: string, field: { name: string; in: FieldProblem['in'] }): void {
  const problem = checkLgCode(code);
  if (!problem) return;
  const detail =
    problem === 'format'
      ? { ja: `「${code}」は6桁の地方公共団体コードではありません`, en: `"${code}" is not a 6-digit local government code` }
      : { ja: `「${code}」は検査数字（6桁目）が正しくありません`, en: `"${code}" has a wrong check digit (the 6th digit)` };
  throw new AppError(TenancyErrors.INVALID_LG_CODE, { detail, problems: [{ ...field, detail }] });
}

export async function findTenantOrThrow(
  directory: TenantDirectory,
  code: string,
  field: { name: string; in: FieldProblem['in'] } = { name: 'lgCode', in: 'path' },
): Promise<Tenant> {
  assertLgCode(code, field);
  const tenant = await directory.get(code);
  if (!tenant) {
    throw new AppError(TenancyErrors.NOT_FOUND, {
      detail: { ja: `地方公共団体コード ${code} はこのシステムに登録されていません`, en: `Local government ${code} is not a tenant of this installation` },
    });
  }
  return tenant;
}
