// Test helper: an operator token holding one role assignment, as a Bearer header.
import { issueApiToken } from '../api-tokens.ts';
import { grantRole, type GrantInput } from '../role-assignments.ts';
import { system } from '../actor.ts';
import type { AppContext } from '../../module.ts';

export async function tokenWithRole(ctx: AppContext, name: string, role: string, scope: GrantInput['scope']) {
  const issued = await issueApiToken(ctx.db, { name, createdBy: 'system' });
  await grantRole(ctx, system, { principalId: issued.principalId, role, scope });
  return { principalId: issued.principalId, headers: { authorization: `Bearer ${issued.token}` } };
}
