// A proxy (代理人) acting under a mandate for "listed procedures" may apply only for the
// catalogue procedures the mandate names (identity/proxies/). Checked when an application starts
// (so nobody fills in a form in vain) and again when it is submitted, the check that counts: the
// mandate may have changed in between, and a request can skip the pages.
import type { SignedInAccount } from '../../platform/authz/actor.ts';
import { AppError, type Localized } from '../../platform/errors.ts';
import { messageOf } from '../../platform/ui/form-errors.ts';
import { ProceduresErrors } from '../errors.ts';

export interface NamedProcedure {
  lgCode: string;
  code: string;
  title: Localized;
}

/** The procedures the account may not apply for under its mandate (none when not a proxy, or a mandate for all). */
export function outsideMandate<P extends NamedProcedure>(account: SignedInAccount, procedures: P[]): P[] {
  const mandate = account.actingFor;
  if (!mandate || mandate.scope === 'all') return [];
  const allowed = new Set(mandate.procedures.map((p) => `${p.lgCode}/${p.code}`));
  return procedures.filter((p) => !allowed.has(`${p.lgCode}/${p.code}`));
}

/** Refuses (403, naming the procedures and whom the proxy acts for) what the mandate does not cover. */
export function assertWithinMandate(account: SignedInAccount, procedures: NamedProcedure[]): void {
  const outside = outsideMandate(account, procedures);
  if (outside.length === 0) return;
  const name = account.actingFor!.name;
  // A mandate from before procedures were chosen from the catalogue names them only in words.
  const key = account.actingFor!.procedures.length === 0 ? 'procedures.proxy.mandateInWordsOnly' : 'procedures.proxy.outsideMandate';
  const detail = {
    ja: messageOf(key, { name, procedures: outside.map((p) => `「${p.title.ja}」`).join('、') }).ja,
    en: messageOf(key, { name, procedures: outside.map((p) => `"${p.title.en}"`).join(', ') }).en,
  };
  throw new AppError(ProceduresErrors.OUTSIDE_MANDATE, { detail });
}
