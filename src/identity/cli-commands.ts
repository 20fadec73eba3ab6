// The identity module's console commands (called from src/cli.ts):
//   tsunagu staff invite --email ADDR --name NAME --lg-code CODE [--role ROLE [--zone ID | --municipality CODE]]
//   tsunagu oidc rotate-keys
// `staff invite` is how the first prefecture administrator gets an account: the invitation mail is
// sent by the server's worker (or shown at /dev/outbox in development).
import { parseArgs } from 'node:util';
import { system } from '../platform/authz/actor.ts';
import type { ScopeLevel } from '../platform/authz/roles.ts';
import { prefectureCodeOf } from '../platform/tenancy/lg-code.ts';
import type { AppContext } from '../platform/module.ts';
import { checkEmail, normaliseEmail } from './accounts/email-address.ts';
import { createIdentityContext } from './identity-context.ts';
import { rotateSigningKeys } from './oidc/signing-keys.ts';
import { inviteStaff } from './staff/invite-staff.ts';

export class IdentityUsageError extends Error {}

export async function runIdentityCommand(command: string, args: string[], app: AppContext): Promise<string> {
  const ctx = createIdentityContext(app);
  if (command === 'oidc' && args[0] === 'rotate-keys') {
    const rotated = await rotateSigningKeys(ctx.db, app.sealer);
    return `New signing key ${rotated.current}${rotated.previous ? ` (previous ${rotated.previous} stays published)` : ''}. Restart every server process to sign with it.`;
  }
  if (command === 'staff' && args[0] === 'invite') {
    const { values } = parseArgs({
      args: args.slice(1),
      options: { email: { type: 'string' }, name: { type: 'string' }, 'lg-code': { type: 'string' }, role: { type: 'string' }, zone: { type: 'string' }, municipality: { type: 'string' } },
    });
    const email = normaliseEmail(values.email ?? '');
    if (checkEmail(email)) throw new IdentityUsageError('staff invite needs a valid --email');
    if (!values.name) throw new IdentityUsageError('staff invite needs --name');
    const lgCode = values['lg-code'];
    if (!lgCode || !/^\d{6}$/.test(lgCode)) throw new IdentityUsageError('staff invite needs --lg-code (the 6-digit code of the staff member\'s office)');
    if (!(await app.tenants.get(lgCode))) {
      throw new IdentityUsageError(`${lgCode} is not a tenant here yet: start the server once (it seeds the demo prefecture) or run "tsunagu tenants import FILE.csv"`);
    }
    const level: ScopeLevel = values.municipality ? 'municipality' : values.zone ? 'zone' : 'prefecture';
    const roles = values.role ? [{ role: values.role, scope: { level, prefectureCode: prefectureCodeOf(lgCode), zoneId: values.zone ?? null, lgCode: values.municipality ?? null } }] : [];
    const { accountId } = await inviteStaff(ctx, system, { email, displayName: values.name, lgCode, roles }, { ip: null, requestId: null, locale: 'ja' });
    return `Invited ${values.name} (account:${accountId}). The invitation mail goes out through the server's worker${app.config.smtpUrl ? '' : ' (development: see /dev/outbox)'}.`;
  }
  throw new IdentityUsageError(`usage: tsunagu staff invite --email ADDR --name NAME --lg-code CODE [--role ROLE [--zone ID | --municipality CODE]]\n       tsunagu oidc rotate-keys`);
}
