// Mandates (委任): who may act for whom, for what, until when. A resident gives one by handing an
// invitation code to the proxy, who accepts it from their own account (so nobody can be named a
// proxy, or find out who has an account, without the two people meeting); a counter clerk can
// register one from a paper power of attorney. Either party can end it at any time; acting
// sessions under it stop at their next request. Every step is audited on both accounts.
import { createHash, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId, type Actor } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { platformDb, type IdentityDatabase } from '../db/schema.ts';
import type { IdentityContext, RequestMeta } from '../identity-context.ts';
import type { ProcedureRef } from './procedure-catalogue.ts';

export const MAX_VALIDITY_DAYS = 366;
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const INVITE_LIFETIME_DAYS = 14;

export const MAX_LISTED_PROCEDURES = 30;

export interface MandateInput {
  scope: 'all' | 'listed';
  /** For 'listed': the catalogue procedures the proxy may apply for (at least one). */
  procedures: ProcedureRef[];
  /** For 'listed': an optional note in the grantor's words (before catalogue references, the only list). */
  description: string | null;
  /** YYYY-MM-DD, today at the earliest, within a year. */
  validUntil: string;
}

export interface Mandate {
  id: string;
  grantorAccountId: string;
  proxyAccountId: string | null;
  scope: 'all' | 'listed';
  /** For 'listed': the procedures allowed. Empty for a mandate given before they were chosen from the catalogue: its note names them, and it allows no online application. */
  procedures: ProcedureRef[];
  description: string | null;
  validUntil: string;
  source: 'resident' | 'counter';
  status: 'pending' | 'active' | 'revoked' | 'expired';
  createdAt: Date;
}

const descriptionContext = (id: string) => `identity_mandates.description:${id}`;
const inviteHash = (code: string) => createHash('sha256').update(`mandate:${code}`).digest('base64url');

export function todayInJapan(now = new Date()): string {
  return new Date(now.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
}

export function normaliseInviteCode(code: string): string {
  return code.normalize('NFKC').toUpperCase().replace(/[\s-]/g, '');
}

export class MandateStore {
  constructor(private readonly ctx: IdentityContext) {}

  private async audit(db: IdentityDatabase, actor: string, action: string, mandate: { id: string; grantorAccountId: string; proxyAccountId: string | null }, meta: RequestMeta, extra: Record<string, unknown> = {}) {
    // On both accounts: each person's history shows the mandate.
    for (const subject of [mandate.grantorAccountId, mandate.proxyAccountId]) {
      if (subject) await appendAudit(platformDb(db), { actor, action, subject, ip: meta.ip, requestId: meta.requestId, details: { mandate: mandate.id, ...extra } });
    }
  }

  /** What a new mandate allows, for its audit record (codes, no personal data). */
  private scopeDetails(input: MandateInput) {
    return { scope: input.scope, ...(input.scope === 'listed' ? { procedures: input.procedures.map((p) => `${p.lgCode}/${p.code}`) } : {}) };
  }

  private async saveProcedures(db: IdentityDatabase, mandateId: string, input: MandateInput) {
    if (input.scope !== 'listed' || input.procedures.length === 0) return;
    await db.insertInto('identity_mandate_procedures').values(input.procedures.map((p) => ({ mandate_id: mandateId, lg_code: p.lgCode, procedure_code: p.code }))).onConflict((oc) => oc.doNothing()).execute();
  }

  /** The grantor's side: a pending mandate and the code to give the proxy (shown once). */
  async invite(grantorAccountId: string, input: MandateInput, meta: RequestMeta): Promise<{ id: string; code: string }> {
    const code = Array.from({ length: 10 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
    const id = await this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('identity_mandates')
        .values({ grantor_account_id: grantorAccountId, proxy_account_id: null, invite_hash: inviteHash(code), scope: input.scope, description_sealed: null, valid_until: input.validUntil, source: 'resident', lg_code: null, created_by: `account:${grantorAccountId}`, status: 'pending', accepted_at: null, revoked_at: null, revoked_by: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (input.description) await trx.updateTable('identity_mandates').set({ description_sealed: this.ctx.app.sealer.seal(input.description, descriptionContext(row.id)) }).where('id', '=', row.id).execute();
      await this.saveProcedures(trx, row.id, input);
      await this.audit(trx, `account:${grantorAccountId}`, 'identity.mandate_offered', { id: row.id, grantorAccountId, proxyAccountId: null }, meta, this.scopeDetails(input));
      return row.id;
    });
    return { id, code: `${code.slice(0, 5)}-${code.slice(5)}` };
  }

  /** The proxy's side: accepting the code makes the mandate active. */
  async accept(proxyAccountId: string, code: string, meta: RequestMeta): Promise<{ ok: true; mandateId: string } | { ok: false; reason: 'unknown' | 'own' }> {
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('identity_mandates')
        .select(['id', 'grantor_account_id'])
        .where('invite_hash', '=', inviteHash(normaliseInviteCode(code)))
        .where('status', '=', 'pending')
        .where('created_at', '>', sql<Date>`now() - make_interval(days => ${INVITE_LIFETIME_DAYS})`)
        .forUpdate()
        .executeTakeFirst();
      if (!row) return { ok: false, reason: 'unknown' } as const;
      if (row.grantor_account_id === proxyAccountId) return { ok: false, reason: 'own' } as const;
      await trx.updateTable('identity_mandates').set({ proxy_account_id: proxyAccountId, status: 'active', accepted_at: sql<Date>`now()`, invite_hash: null }).where('id', '=', row.id).execute();
      await this.audit(trx, `account:${proxyAccountId}`, 'identity.mandate_accepted', { id: row.id, grantorAccountId: row.grantor_account_id, proxyAccountId }, meta);
      return { ok: true, mandateId: row.id } as const;
    });
  }

  /** A counter clerk registers a mandate from a paper power of attorney, kept sealed. */
  async registerAtCounter(
    clerk: Actor,
    input: MandateInput & { officeLgCode: string; grantorAccountId: string; proxyAccountId: string; document: { filename: string; contentType: string; bytes: Buffer } },
    meta: RequestMeta,
  ): Promise<string> {
    await this.ctx.app.guard.assert(clerk, 'identity.verify_identity', input.officeLgCode);
    if (input.grantorAccountId === input.proxyAccountId) throw new AppError(PlatformErrors.CONFLICT, { detail: { ja: '本人を自分の代理人にはできません', en: 'A person cannot be their own proxy' } });
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('identity_mandates')
        .values({ grantor_account_id: input.grantorAccountId, proxy_account_id: input.proxyAccountId, invite_hash: null, scope: input.scope, description_sealed: null, valid_until: input.validUntil, source: 'counter', lg_code: input.officeLgCode, created_by: actorId(clerk), status: 'active', accepted_at: sql<Date>`now()`, revoked_at: null, revoked_by: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (input.description) await trx.updateTable('identity_mandates').set({ description_sealed: this.ctx.app.sealer.seal(input.description, descriptionContext(row.id)) }).where('id', '=', row.id).execute();
      await this.saveProcedures(trx, row.id, input);
      await trx
        .insertInto('identity_mandate_documents')
        .values({ mandate_id: row.id, filename: input.document.filename.slice(0, 200), content_type: input.document.contentType, size: input.document.bytes.length, content_sealed: this.ctx.app.sealer.seal(input.document.bytes.toString('base64'), `identity_mandate_documents:${row.id}`), uploaded_by: actorId(clerk) })
        .execute();
      await this.audit(trx, actorId(clerk), 'identity.mandate_registered', { id: row.id, grantorAccountId: input.grantorAccountId, proxyAccountId: input.proxyAccountId }, meta, this.scopeDetails(input));
      return row.id;
    });
  }

  /** Either party ends it; sessions acting under it stop acting at once. */
  async revoke(accountId: string, mandateId: string, meta: RequestMeta): Promise<boolean> {
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('identity_mandates')
        .set({ status: 'revoked', revoked_at: sql<Date>`now()`, revoked_by: `account:${accountId}`, invite_hash: null })
        .where('id', '=', mandateId)
        .where('status', 'in', ['pending', 'active'])
        .where((eb) => eb.or([eb('grantor_account_id', '=', accountId), eb('proxy_account_id', '=', accountId)]))
        .returning(['id', 'grantor_account_id', 'proxy_account_id'])
        .executeTakeFirst();
      if (!row) return false;
      await trx.updateTable('identity_sessions').set({ acting_for: null }).where('acting_for', '=', mandateId).execute();
      await this.audit(trx, `account:${accountId}`, 'identity.mandate_revoked', { id: row.id, grantorAccountId: row.grantor_account_id, proxyAccountId: row.proxy_account_id }, meta);
      return true;
    });
  }

  /** Mandates an account gave and received, newest first, with expiry worked out for today. */
  async forAccount(accountId: string): Promise<{ given: Mandate[]; received: Mandate[] }> {
    const rows = await this.ctx.db
      .selectFrom('identity_mandates')
      .select(['id', 'grantor_account_id', 'proxy_account_id', 'scope', 'description_sealed', sql<string>`valid_until::text`.as('valid_until'), 'source', 'status', 'created_at'])
      .where((eb) => eb.or([eb('grantor_account_id', '=', accountId), eb('proxy_account_id', '=', accountId)]))
      .orderBy('created_at', 'desc')
      .execute();
    const listed = rows.filter((r) => r.scope === 'listed').map((r) => r.id);
    const refs = listed.length ? await this.ctx.db.selectFrom('identity_mandate_procedures').select(['mandate_id', 'lg_code', 'procedure_code']).where('mandate_id', 'in', listed).orderBy('lg_code').orderBy('procedure_code').execute() : [];
    const today = todayInJapan();
    const all = rows.map((r): Mandate => ({
      id: r.id,
      grantorAccountId: r.grantor_account_id,
      proxyAccountId: r.proxy_account_id,
      scope: r.scope,
      procedures: refs.filter((p) => p.mandate_id === r.id).map((p) => ({ lgCode: p.lg_code, code: p.procedure_code })),
      description: r.description_sealed ? this.ctx.app.sealer.open(r.description_sealed, descriptionContext(r.id)) : null,
      validUntil: r.valid_until,
      source: r.source,
      status: r.status !== 'revoked' && r.valid_until < today ? 'expired' : r.status,
      createdAt: r.created_at,
    }));
    return { given: all.filter((m) => m.grantorAccountId === accountId), received: all.filter((m) => m.proxyAccountId === accountId) };
  }

  /** The active, unexpired mandate `proxyAccountId` holds with id `mandateId`, if any. */
  async usable(proxyAccountId: string, mandateId: string): Promise<Mandate | undefined> {
    const { received } = await this.forAccount(proxyAccountId);
    return received.find((m) => m.id === mandateId && m.status === 'active');
  }

  /** Starts (or, with null, stops) acting for the grantor of `mandateId` in this session. */
  async act(session: { idHash: string; accountId: string }, mandateId: string | null, meta: RequestMeta): Promise<boolean> {
    const mandate = mandateId ? await this.usable(session.accountId, mandateId) : undefined;
    if (mandateId && !mandate) return false;
    const current = await this.ctx.db.selectFrom('identity_sessions').select('acting_for').where('id_hash', '=', session.idHash).executeTakeFirst();
    await this.ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('identity_sessions').set({ acting_for: mandateId }).where('id_hash', '=', session.idHash).execute();
      const ended = current?.acting_for ? await trx.selectFrom('identity_mandates').select(['id', 'grantor_account_id', 'proxy_account_id']).where('id', '=', current.acting_for).executeTakeFirst() : undefined;
      if (ended) await this.audit(trx, `account:${session.accountId}`, 'identity.proxy_ended', { id: ended.id, grantorAccountId: ended.grantor_account_id, proxyAccountId: ended.proxy_account_id }, meta);
      if (mandate) await this.audit(trx, `account:${session.accountId}`, 'identity.proxy_started', mandate, meta);
    });
    return true;
  }
}
