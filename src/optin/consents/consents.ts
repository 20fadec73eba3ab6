// Consent requests and consents. A service asks (for one resident, one provider, some items, one
// of its registered purposes); the resident approves or refuses on the consent page; approval
// freezes what was shown into a consent with a receipt signed by the platform key. One consent is
// in force per resident, service, provider and purpose: a newer one supersedes the older. A
// revocation counts from the next gateway call.
import { sql } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import type { Database } from '../../platform/db/database.ts';
import type { OptinDatabase } from '../db/schema.ts';
import type { OptinContext } from '../optin-context.ts';
import type { Localized, Provider, Service } from '../registry/registry.ts';
import { isUuid } from '../../platform/uuid.ts';

/** How long a resident has to answer a request before the service must ask again. */
export const REQUEST_TTL_MINUTES = 30;

export interface ConsentRequest {
  id: string;
  serviceId: string;
  accountId: string;
  providerId: string;
  items: string[];
  purposeCode: string;
  retentionDays: number;
  validDays: number;
  returnUri: string;
  state: string | null;
  status: 'pending' | 'approved' | 'refused';
  consentId: string | null;
  createdAt: Date;
  expiresAt: Date;
  decidedAt: Date | null;
}

export interface Consent {
  id: string;
  requestId: string;
  serviceId: string;
  accountId: string;
  providerId: string;
  items: string[];
  purposeCode: string;
  purpose: Localized;
  retentionDays: number;
  validFrom: Date;
  validUntil: Date;
  receipt: string;
  revokedAt: Date | null;
  revokedBy: string | null;
  createdAt: Date;
}

export type ConsentState = 'active' | 'expired' | 'revoked' | 'superseded';

export function stateOf(consent: Consent, now = new Date()): ConsentState {
  if (consent.revokedAt) return consent.revokedBy?.startsWith('superseded:') ? 'superseded' : 'revoked';
  return consent.validUntil > now ? 'active' : 'expired';
}

export type RequestInput = Pick<ConsentRequest, 'accountId' | 'providerId' | 'items' | 'purposeCode' | 'retentionDays' | 'validDays' | 'returnUri' | 'state'>;

export interface RequestMeta {
  ip: string | null;
  requestId: string | null;
}

type RequestRow = Awaited<ReturnType<typeof selectRequest>>;
function selectRequest(db: OptinDatabase, id: string) {
  return db.selectFrom('optin_consent_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

function toRequest(row: NonNullable<RequestRow>): ConsentRequest {
  return {
    id: row.id,
    serviceId: row.service_id,
    accountId: row.account_id,
    providerId: row.provider_id,
    items: row.items,
    purposeCode: row.purpose_code,
    retentionDays: row.retention_days,
    validDays: row.valid_days,
    returnUri: row.return_uri,
    state: row.state,
    status: row.status,
    consentId: row.consent_id,
    createdAt: row.created_at,
    expiresAt: new Date(row.expires_at),
    decidedAt: row.decided_at ? new Date(row.decided_at) : null,
  };
}

type ConsentRow = Awaited<ReturnType<ReturnType<typeof consentQuery>['execute']>>[number];
function consentQuery(db: OptinDatabase) {
  return db.selectFrom('optin_consents').selectAll();
}

function toConsent(row: ConsentRow): Consent {
  return {
    id: row.id,
    requestId: row.request_id,
    serviceId: row.service_id,
    accountId: row.account_id,
    providerId: row.provider_id,
    items: row.items,
    purposeCode: row.purpose_code,
    purpose: { ja: row.purpose_ja, en: row.purpose_en },
    retentionDays: row.retention_days,
    validFrom: new Date(row.valid_from),
    validUntil: new Date(row.valid_until),
    receipt: row.receipt,
    revokedAt: row.revoked_at ? new Date(row.revoked_at) : null,
    revokedBy: row.revoked_by,
    createdAt: row.created_at,
  };
}

export class ConsentStore {
  constructor(private readonly ctx: OptinContext) {}

  async createRequest(service: Service, input: RequestInput): Promise<ConsentRequest> {
    const row = await this.ctx.db
      .insertInto('optin_consent_requests')
      .values({
        service_id: service.id,
        account_id: input.accountId,
        provider_id: input.providerId,
        items: input.items,
        purpose_code: input.purposeCode,
        retention_days: input.retentionDays,
        valid_days: input.validDays,
        return_uri: input.returnUri,
        state: input.state,
        expires_at: sql<Date>`now() + make_interval(mins => ${REQUEST_TTL_MINUTES})`,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRequest(row);
  }

  async findRequest(id: string): Promise<ConsentRequest | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await selectRequest(this.ctx.db, id);
    return row && toRequest(row);
  }

  /**
   * The resident's answer. Approval records the consent and its signed receipt, superseding the
   * consent in force for the same service, provider and purpose. False when the request was no
   * longer open (answered in another tab, or expired).
   */
  async decide(request: ConsentRequest, service: Service, provider: Provider, decision: 'approve' | 'refuse', meta: RequestMeta): Promise<{ ok: boolean; consentId: string | null }> {
    const actor = `account:${request.accountId}`;
    const purpose = service.purposes.find((p) => p.code === request.purposeCode)!;
    const consentId = decision === 'approve' ? crypto.randomUUID() : null;
    const validFrom = new Date();
    const validUntil = new Date(validFrom.getTime() + request.validDays * 86_400_000);
    const receipt = consentId
      ? await this.ctx.identity.signWithPlatformKey(
          this.ctx.app,
          {
            iss: this.ctx.app.config.publicUrl,
            jti: consentId,
            iat: Math.floor(validFrom.getTime() / 1000),
            sub: request.accountId,
            service: { id: service.id, name: service.name, lgCode: service.lgCode },
            provider: { id: provider.id, name: provider.name, lgCode: provider.lgCode },
            items: request.items.map((code) => ({ code, name: provider.items.find((i) => i.code === code)?.name ?? { ja: code, en: code } })),
            purpose: { code: purpose.code, text: purpose.text },
            retentionDays: request.retentionDays,
            validFrom: validFrom.toISOString(),
            validUntil: validUntil.toISOString(),
          },
          'consent-receipt+jws',
        )
      : null;
    return this.ctx.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('optin_consent_requests')
        .set({ status: decision === 'approve' ? 'approved' : 'refused', decided_at: sql<Date>`now()`, consent_id: consentId })
        .where('id', '=', request.id)
        .where('status', '=', 'pending')
        .where('expires_at', '>', sql<Date>`now()`)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return { ok: false, consentId: null };
      if (consentId && receipt) {
        await trx
          .updateTable('optin_consents')
          .set({ revoked_at: sql<Date>`now()`, revoked_by: `superseded:${consentId}` })
          .where('account_id', '=', request.accountId)
          .where('service_id', '=', request.serviceId)
          .where('provider_id', '=', request.providerId)
          .where('purpose_code', '=', request.purposeCode)
          .where('revoked_at', 'is', null)
          .execute();
        await trx
          .insertInto('optin_consents')
          .values({
            id: consentId,
            request_id: request.id,
            service_id: request.serviceId,
            account_id: request.accountId,
            provider_id: request.providerId,
            items: request.items,
            purpose_code: purpose.code,
            purpose_ja: purpose.text.ja,
            purpose_en: purpose.text.en,
            retention_days: request.retentionDays,
            valid_from: validFrom,
            valid_until: validUntil,
            receipt,
          })
          .execute();
      }
      await appendAudit(trx as unknown as Database, {
        actor,
        action: decision === 'approve' ? 'optin.consent_given' : 'optin.consent_refused',
        lgCode: service.lgCode,
        subject: consentId ?? request.id,
        ip: meta.ip,
        requestId: meta.requestId,
        details: { service: service.id, provider: provider.id, items: request.items, purpose: purpose.code },
      });
      return { ok: true, consentId };
    });
  }

  async revoke(consent: Consent, by: string, lgCode: string, meta: RequestMeta): Promise<boolean> {
    const result = await this.ctx.db
      .updateTable('optin_consents')
      .set({ revoked_at: sql<Date>`now()`, revoked_by: by })
      .where('id', '=', consent.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await appendAudit(this.ctx.app.db, { actor: by, action: 'optin.consent_revoked', lgCode, subject: consent.id, ip: meta.ip, requestId: meta.requestId, details: { service: consent.serviceId, provider: consent.providerId } });
    return true;
  }

  async find(id: string): Promise<Consent | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await consentQuery(this.ctx.db).where('id', '=', id).executeTakeFirst();
    return row && toConsent(row);
  }

  async forAccount(accountId: string): Promise<Consent[]> {
    const rows = await consentQuery(this.ctx.db).where('account_id', '=', accountId).orderBy('created_at', 'desc').limit(500).execute();
    return rows.map(toConsent);
  }

  /** The consent in force now for this resident, service, provider and purpose, if any. */
  async inForce(accountId: string, serviceId: string, providerId: string, purposeCode: string): Promise<Consent | undefined> {
    const row = await consentQuery(this.ctx.db)
      .where('account_id', '=', accountId)
      .where('service_id', '=', serviceId)
      .where('provider_id', '=', providerId)
      .where('purpose_code', '=', purposeCode)
      .where('revoked_at', 'is', null)
      .where('valid_until', '>', sql<Date>`now()`)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return row && toConsent(row);
  }

  /** Counts of consents in force and revoked per service and provider, within the given tenants' services. */
  async summary(serviceIds: string[]): Promise<Array<{ serviceId: string; providerId: string; active: number; revoked: number }>> {
    if (!serviceIds.length) return [];
    const rows = await this.ctx.db
      .selectFrom('optin_consents')
      .select((eb) => [
        'service_id',
        'provider_id',
        eb.fn.count<string>('id').filterWhere(sql<boolean>`revoked_at is null and valid_until > now()`).as('active'),
        eb.fn.count<string>('id').filterWhere(sql<boolean>`revoked_at is not null and (revoked_by is null or revoked_by not like 'superseded:%')`).as('revoked'),
      ])
      .where('service_id', 'in', serviceIds)
      .groupBy(['service_id', 'provider_id'])
      .orderBy('service_id')
      .execute();
    return rows.map((r) => ({ serviceId: r.service_id, providerId: r.provider_id, active: Number(r.active), revoked: Number(r.revoked) }));
  }
}

