// What other modules may use of the identity module (modules reach each other only through such
// exports): who an account is, what the My Number card verified about it, the services (OIDC
// clients), and the platform's signing key for documents residents keep (consent receipts).
import { CompactSign, importJWK, type JWK } from 'jose';
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../platform/module.ts';
import { identityDb, type AccountKind, type AssuranceLevel } from './db/schema.ts';
import type { BasicFour } from './jpki/basic-four.ts';
import { verifyCardSignature } from './jpki/verify-signature.ts';
import { jpkiTrustFor } from './assurance/jpki-trust.ts';
import { ClientRegistry, type ClientInput } from './oidc/client-registry.ts';
import { loadSigningKeys } from './oidc/signing-keys.ts';
import { ProfileStore, type PersonalDetails } from './profile/profile.ts';
import { AccountStore } from './accounts/account-store.ts';
import { normaliseEmail } from './accounts/email-address.ts';
import { accountPrincipal } from './sessions/account-actor.ts';
import { lookUpCounterCode } from './assurance/counter-check.ts';
import { createIdentityContext, type RequestMeta } from './identity-context.ts';
import type { Actor } from '../platform/authz/actor.ts';

export type { BasicFour } from './jpki/basic-four.ts';
export type { PersonalDetails } from './profile/profile.ts';
/** For pages behind login: the signed-in account (any, or staff only), or a redirect to the (staff) login page. */
export { requireSignedIn, requireStaff, signedIn } from './pages/page-helpers.ts';
export { clientIdOf } from './oidc/token-authenticator.ts';
/** The procedures module gives the mandate pages its catalogue through this (identity cannot import it). */
export { provideProcedureCatalogue } from './proxies/procedure-catalogue.ts';
export type { ProcedureCatalogue, MandatableProcedure, ProcedureRef } from './proxies/procedure-catalogue.ts';

export interface AccountSummary {
  id: string;
  kind: AccountKind;
  status: 'active' | 'invited' | 'disabled';
  assuranceLevel: AssuranceLevel;
}

/** Who an account is, without opening anything sealed (the gateway asks on every call). */
export async function findAccountSummary(app: AppContext, accountId: string): Promise<AccountSummary | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(accountId)) return undefined;
  const row = await identityDb(app.db).selectFrom('identity_accounts').select(['id', 'kind', 'status', 'assurance_level']).where('id', '=', accountId).executeTakeFirst();
  return row && { id: row.id, kind: row.kind, status: row.status, assuranceLevel: row.assurance_level };
}

/**
 * The same summary as SQL (a json object, or null), for another module to read in a statement it
 * runs anyway: the gateway reads it with its own state in one round trip. `accountId` must be a
 * well-formed UUID or null, or an expression of that statement giving one (a column of a batch).
 */
export function accountSummarySql(accountId: string | null | RawBuilder<string | null>) {
  return sql<AccountSummary | null>`(select json_build_object('id', a.id, 'kind', a.kind, 'status', a.status, 'assuranceLevel', a.assurance_level)
    from identity_accounts a where a.id = ${accountId}::uuid)`;
}

/** How the person wants to be told things (the profile's お知らせの受け取り方), and where. */
export interface NotificationContact {
  /** The verified address, when they want e-mail and the account is active. */
  email: string | undefined;
  /** False when they turned off the notices on My page. */
  inApp: boolean;
  language: 'ja' | 'en';
}

export async function notificationContactOf(app: AppContext, accountId: string): Promise<NotificationContact> {
  const row = await identityDb(app.db)
    .selectFrom('identity_accounts as a')
    .leftJoin('identity_profiles as p', 'p.account_id', 'a.id')
    .select(['a.id', 'a.status', 'a.email_sealed', 'a.email_verified_at', 'p.contact', 'p.language'])
    .where('a.id', '=', accountId)
    .executeTakeFirst();
  if (!row) return { email: undefined, inApp: true, language: 'ja' };
  // Without a profile, the defaults a new profile gets: both.
  const contact = row.contact ?? { email: true, inApp: true };
  const wantsEmail = contact.email !== false && row.status === 'active' && row.email_verified_at !== null;
  return {
    email: wantsEmail ? app.sealer.open(row.email_sealed, `identity_accounts.email:${row.id}`) : undefined,
    inApp: contact.inApp !== false,
    language: row.language === 'en' ? 'en' : 'ja',
  };
}

/**
 * The municipality the person's profile says they live in (its local government code), or
 * undefined without a profile or a stated residence. Not sealed: a code, not an address.
 */
export async function residenceLgCodeOf(app: AppContext, accountId: string): Promise<string | undefined> {
  const row = await identityDb(app.db).selectFrom('identity_profiles').select('residence_lg_code').where('account_id', '=', accountId).executeTakeFirst();
  return row?.residence_lg_code ?? undefined;
}

/** The basic four attributes the account's My Number card certificate carried when last checked. */
export async function verifiedBasicFour(app: AppContext, accountId: string): Promise<BasicFour | undefined> {
  const row = await identityDb(app.db).selectFrom('identity_jpki_bindings').select('basic_four_sealed').where('account_id', '=', accountId).executeTakeFirst();
  return row ? app.sealer.openJson<BasicFour>(row.basic_four_sealed, `identity_jpki_bindings.basic_four:${accountId}`) : undefined;
}

export interface ServiceClient {
  clientId: string;
  lgCode: string;
  name: { ja: string; en: string };
  status: 'active' | 'suspended';
  redirectUris: string[];
  grantTypes: string[];
}

export async function findServiceClient(app: AppContext, clientId: string): Promise<ServiceClient | undefined> {
  const client = await new ClientRegistry(identityDb(app.db), app.sealer).find(identityDb(app.db), clientId);
  return client && { clientId: client.clientId, lgCode: client.lgCode, name: client.name, status: client.status, redirectUris: client.metadata.redirect_uris, grantTypes: client.metadata.grant_types };
}

/** Registers a service's OIDC client with a known id and secret (the demo seed); idempotent. */
export async function ensureServiceClient(app: AppContext, input: ClientInput, fixed: { clientId: string; clientSecret: string }): Promise<void> {
  const registry = new ClientRegistry(identityDb(app.db), app.sealer);
  if (await registry.find(identityDb(app.db), fixed.clientId)) return;
  await registry.register(identityDb(app.db), input, 'system:seed', fixed);
}

/**
 * Signs `payload` (JSON) as a compact JWS with the installation's current signing key, the one
 * published at /oidc/jwks, so anyone can check a receipt without asking the City OS.
 */
export async function signWithPlatformKey(app: AppContext, payload: Record<string, unknown>, type: string): Promise<string> {
  const [current] = (await loadSigningKeys(identityDb(app.db), app.sealer)) as Array<JWK & { kid: string }>;
  if (!current) throw new Error('No signing key');
  const key = await importJWK(current, 'RS256');
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'RS256', kid: current.kid, typ: type }).sign(key);
}

/**
 * The person's own profile details (names, date of birth, address after the municipality, phone),
 * opened for a use the person asked for, such as prefilling an application they agreed to
 * prefill. Undefined without a profile. Never log the result.
 */
export async function personalDetailsOf(app: AppContext, accountId: string): Promise<(PersonalDetails & { residenceLgCode: string | null }) | undefined> {
  const profile = await new ProfileStore(app.sealer).find(identityDb(app.db), accountId);
  return profile && { ...profile.personal, residenceLgCode: profile.residenceLgCode };
}

/** An active staff account by its e-mail address (for adding staff to a department), or undefined. */
export async function findStaffByEmail(app: AppContext, email: string): Promise<{ principalId: string; displayName: string; lgCode: string } | undefined> {
  const account = await new AccountStore(app.sealer).findByEmail(identityDb(app.db), 'staff', normaliseEmail(email));
  if (!account || account.status === 'disabled') return undefined;
  return { principalId: accountPrincipal(account.id), displayName: account.displayName ?? account.email, lgCode: account.lgCode };
}
/**
 * The addresses of active staff accounts among `principalIds` ("account:<id>"; other principals,
 * such as operator tokens, have none), for mail about their work. Never log the result.
 */
export async function staffMailAddresses(app: AppContext, principalIds: string[]): Promise<Map<string, string>> {
  const ids = principalIds.map((p) => /^account:([0-9a-f-]{36})$/.exec(p)?.[1]).filter((id): id is string => Boolean(id));
  if (ids.length === 0) return new Map();
  const rows = await identityDb(app.db).selectFrom('identity_accounts').select(['id', 'email_sealed']).where('id', 'in', ids).where('kind', '=', 'staff').where('status', '=', 'active').execute();
  return new Map(rows.map((r) => [accountPrincipal(r.id), app.sealer.open(r.email_sealed, `identity_accounts.email:${r.id}`)]));
}

export type ApplicantCardCheck =
  | { ok: true; signerName: string; fingerprint: string; serialNumber: string; notAfter: Date }
  | { ok: false; code: string; status: 403 | 422 | 503; message: { ja: string; en: string } };

/**
 * Verifies a My Number card's signature over `data` (chain, validity, CRL, signature: the level A
 * check of jpki/) and that the card is the account's own: its name, date of birth and sex must be
 * those of the card the account was confirmed with. The address is not compared, because a move
 * (転入) changes it on the card. An account never confirmed by card is refused.
 */
export async function verifyApplicantCard(app: AppContext, accountId: string, input: { certificate: string; signature: string; data: Uint8Array }, now = new Date()): Promise<ApplicantCardCheck> {
  let trust;
  try {
    trust = (await jpkiTrustFor(app.config)).trust;
  } catch {
    return { ok: false, code: 'card_unavailable', status: 503, message: { ja: 'マイナンバーカードによる確認は、いま利用できません。', en: 'The My Number card check is not available now.' } };
  }
  const result = await verifyCardSignature({ certificate: input.certificate, signature: input.signature, challenge: input.data }, trust, now);
  if (!result.ok) return { ok: false, code: result.code, status: result.kind === 'service' ? 503 : 422, message: result.message };
  const own = await verifiedBasicFour(app, accountId);
  const card = result.card.basicFour;
  if (!own || own.name !== card.name || own.dateOfBirth !== card.dateOfBirth || own.sex !== card.sex) {
    return { ok: false, code: 'not_the_applicant', status: 403, message: { ja: 'このマイナンバーカードは、申請者ご本人のカードではありません（氏名・生年月日・性別が、本人確認したカードと異なります）。', en: "This My Number card is not the applicant's own (its name, date of birth or sex differ from the card the account was confirmed with)." } };
  }
  return { ok: true, signerName: card.name, fingerprint: result.card.fingerprint, serialNumber: result.card.serialNumber, notAfter: result.card.notAfter };
}

/** The card simulator's demo cards (development TEST CA only), for a page that has the card sign something; undefined with a real CA. */
export async function simulatorCards(app: AppContext): Promise<Array<{ id: string; label: { ja: string; en: string } }> | undefined> {
  if (app.config.production) return undefined;
  const loaded = await jpkiTrustFor(app.config).catch(() => undefined);
  return loaded?.mode === 'development-test-ca' ? loaded.development.demoCards.map((c) => ({ id: c.id, label: c.label })) : undefined;
}

/** The card simulator's scripts (post-json.js first), for such a page. */
export { CARD_SCRIPT } from './pages/card-pages.tsx';
export { POST_JSON_SCRIPT } from './pages/passkey-routes.ts';

/**
 * The resident whose counter code (from their /account/counter-code page) a clerk typed at the
 * office `officeLgCode`, so staff never search residents by name: the code is used up and the
 * lookup audited (identity.counter_lookup). Needs identity.verify_identity at that office (403
 * otherwise). Undefined when the code is wrong, expired or already used.
 */
export async function residentByCounterCode(app: AppContext, clerk: Actor, officeLgCode: string, code: string, meta: RequestMeta): Promise<{ accountId: string; assuranceLevel: AssuranceLevel } | undefined> {
  const found = await lookUpCounterCode(createIdentityContext(app), clerk, officeLgCode, code, meta);
  return found && { accountId: found.accountId, assuranceLevel: found.assuranceLevel };
}
