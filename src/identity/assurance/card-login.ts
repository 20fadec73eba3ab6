// Level A with the My Number card (003B P5.1–P5.4): the server issues a one-time challenge; the
// card signs it with its signature certificate's key; the server checks the chain to J-LIS (or the
// TEST CA), validity, revocation, then the signature (jpki/verify-signature.ts), and binds the
// certificate's basic four to the account. The session steps up to acr A; the profile's name,
// date of birth and address become those on the card (so a service asking for level A gets
// attributes the card vouched for).
import { appendAudit } from '../../platform/audit/audit-log.ts';
import type { SignedInAccount } from '../../platform/authz/actor.ts';
import type { Localized } from '../../platform/errors.ts';
import { platformDb } from '../db/schema.ts';
import type { IdentityContext, RequestMeta } from '../identity-context.ts';
import { verifyCardSignature, type VerifiedCard } from '../jpki/verify-signature.ts';
import { issueChallenge, useChallenge } from '../mfa/challenges.ts';
import { ProfileStore, type PersonalDetails } from '../profile/profile.ts';
import { jpkiTrustFor } from './jpki-trust.ts';
import { addressToMunicipality } from './card-address.ts';

export type CardResult =
  | { ok: true; sessionToken: string }
  | { ok: false; code: string; kind: 'request' | 'card' | 'service' | 'binding'; message: Localized };

const bindingContext = (accountId: string) => `identity_jpki_bindings.basic_four:${accountId}`;

export async function issueCardChallenge(ctx: IdentityContext, accountId: string): Promise<{ challengeId: string; challenge: string }> {
  const { id, challenge } = await issueChallenge(ctx.db, 'jpki', accountId);
  return { challengeId: id, challenge };
}

export async function verifyCardForSession(
  ctx: IdentityContext,
  who: SignedInAccount,
  input: { challengeId: string; certificate: string; signature: string },
  meta: RequestMeta,
): Promise<CardResult> {
  // The challenge is used up whatever happens next: a signature is worth one attempt.
  const challenge = await useChallenge(ctx.db, input.challengeId, 'jpki', who.accountId);
  if (!challenge) {
    return { ok: false, code: 'challenge_expired', kind: 'request', message: { ja: '確認の有効期限が切れたか、すでに使われています。もう一度やり直してください。', en: 'The check has expired or was already used. Start again.' } };
  }
  const { trust } = await jpkiTrustFor(ctx.app.config);
  const result = await verifyCardSignature({ certificate: input.certificate, signature: input.signature, challenge: Buffer.from(challenge, 'base64url') }, trust);
  if (!result.ok) {
    await appendAudit(ctx.app.db, { actor: `account:${who.accountId}`, action: 'identity.card_refused', lgCode: who.lgCode, subject: who.accountId, ip: meta.ip, requestId: meta.requestId, details: { code: result.code } });
    return { ok: false, code: result.code, kind: result.kind, message: result.message };
  }
  return bind(ctx, who, result.card, meta);
}

async function bind(ctx: IdentityContext, who: SignedInAccount, card: VerifiedCard, meta: RequestMeta): Promise<CardResult> {
  const { app } = ctx;
  const personIndex = app.sealer.blindIndex(`${card.basicFour.name}\u0000${card.basicFour.dateOfBirth ?? ''}`, 'identity.jpki.person');
  const refused = await ctx.db.transaction().execute(async (trx) => {
    const elsewhere = await trx
      .selectFrom('identity_jpki_bindings')
      .select('account_id')
      .where((eb) => eb.or([eb('certificate_fingerprint', '=', card.fingerprint), eb('person_index', '=', personIndex)]))
      .where('account_id', '!=', who.accountId)
      .executeTakeFirst();
    if (elsewhere) return 'card_bound_elsewhere' as const;
    const existing = await trx.selectFrom('identity_jpki_bindings').select('person_index').where('account_id', '=', who.accountId).executeTakeFirst();
    // A card of someone else on an account already confirmed by card: never re-bind silently.
    if (existing && existing.person_index !== personIndex) return 'different_person' as const;
    const values = {
      certificate_fingerprint: card.fingerprint,
      issuer: card.issuer,
      serial_number: card.serialNumber,
      not_after: card.notAfter,
      basic_four_sealed: app.sealer.sealJson(card.basicFour, bindingContext(who.accountId)),
      person_index: personIndex,
      last_verified_at: new Date(),
    };
    await trx.insertInto('identity_jpki_bindings').values({ account_id: who.accountId, ...values }).onConflict((oc) => oc.column('account_id').doUpdateSet(values)).execute();
    await ctx.accounts.update(trx, who.accountId, { assuranceLevel: 'A' });
    await updateProfileFromCard(ctx, trx, who.accountId, card);
    await appendAudit(platformDb(trx), {
      actor: `account:${who.accountId}`,
      action: existing ? 'identity.card_verified' : 'identity.card_bound',
      lgCode: who.lgCode,
      subject: who.accountId,
      ip: meta.ip,
      requestId: meta.requestId,
      details: { issuer: card.issuer, serial: card.serialNumber, notAfter: card.notAfter.toISOString() },
    });
    return undefined;
  });
  if (refused === 'card_bound_elsewhere') {
    return { ok: false, code: refused, kind: 'binding', message: { ja: 'このマイナンバーカードは、すでに別のつなぐIDで本人確認に使われています。', en: 'This My Number card has already been used to confirm another Tsunagu ID.' } };
  }
  if (refused === 'different_person') {
    return { ok: false, code: refused, kind: 'binding', message: { ja: 'このアカウントは別の方のマイナンバーカードで本人確認されています。', en: 'This account was confirmed with another person\'s My Number card.' } };
  }
  const current = await ctx.sessions.findByIdHash(ctx.db, who.sessionIdHash);
  if (!current) return { ok: false, code: 'session_ended', kind: 'request', message: { ja: 'ログインの有効期限が切れました。もう一度ログインしてください。', en: 'Your login has expired. Log in again.' } };
  const sessionToken = await ctx.sessions.stepUp(ctx.db, current, { method: 'jpki', acr: 'A', userAgent: meta.userAgent });
  return { ok: true, sessionToken };
}

/** The card's name, date of birth and address replace the profile's (kana and the rest stay). */
async function updateProfileFromCard(ctx: IdentityContext, trx: Parameters<ProfileStore['find']>[0], accountId: string, card: VerifiedCard): Promise<void> {
  const profiles = new ProfileStore(ctx.app.sealer);
  const existing = await profiles.find(trx, accountId);
  const four = card.basicFour;
  // A card stores some rare kanji as substitutes (代替文字); the resident's own spelling is kept then.
  const [family, ...given] = four.name.split(/[\s　]+/);
  const keepName = four.substituted.name && existing;
  const place = await addressToMunicipality(ctx.app.tenants, four.address);
  const personal: PersonalDetails = {
    familyName: keepName ? existing.personal.familyName : (family ?? four.name),
    givenName: keepName ? existing.personal.givenName : given.join(' '),
    familyNameKana: existing?.personal.familyNameKana ?? '',
    givenNameKana: existing?.personal.givenNameKana ?? '',
    birthDate: four.dateOfBirth ?? existing?.personal.birthDate ?? '',
    postalCode: existing?.personal.postalCode ?? '',
    addressLine: four.substituted.address && existing ? existing.personal.addressLine : place.rest,
    phone: existing?.personal.phone ?? '',
    household: existing?.personal.household ?? [],
  };
  await profiles.save(
    trx,
    accountId,
    {
      personal,
      residenceLgCode: place.lgCode ?? existing?.residenceLgCode ?? null,
      workplaceLgCode: existing?.workplaceLgCode ?? null,
      language: existing?.language ?? 'ja',
      contact: existing?.contact ?? { email: true, inApp: true },
    },
    existing ? existing.version : null,
  );
}
