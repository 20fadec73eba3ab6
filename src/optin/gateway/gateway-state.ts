// Everything the gateway must know about one call, read in one statement: the resident named
// (the identity module's account summary), the calling service
// and its status, the items it is registered for at this provider, the provider, the consent in
// force for this resident, service, provider and purpose, and the resident's link at the
// provider. Read fresh on every call (a revocation or suspension counts from the next call);
// one round trip instead of eight keeps the gateway's own latency small.
import { sql } from 'kysely';
import type { ProviderKind, ServiceStatus } from '../db/schema.ts';
import type { AccountSummary } from '../../identity/exports.ts';
import type { OptinContext } from '../optin-context.ts';
import type { ProviderCredentials } from '../registry/registry.ts';

export interface GatewayState {
  /** The resident the call names (identity's summary), when the subject is a known account. */
  account?: AccountSummary;
  service?: { id: string; status: ServiceStatus; lgCode: string };
  /** Item codes the service is registered for at this provider. */
  registered: string[];
  provider?: { id: string; lgCode: string; kind: ProviderKind; status: 'active' | 'suspended'; endpoint: string | null; timeoutMs: number; version: number; credentialsSealed: string | null };
  consent?: { id: string; items: string[] };
  residentRefSealed?: string;
}

interface Row {
  account: AccountSummary | null;
  service_id: string | null;
  service_status: ServiceStatus | null;
  service_lg_code: string | null;
  registered: string[] | null;
  provider_id: string | null;
  provider_status: 'active' | 'suspended' | null;
  provider_lg_code: string | null;
  provider_kind: ProviderKind | null;
  endpoint: string | null;
  timeout_ms: number | null;
  provider_version: number | null;
  credentials_sealed: string | null;
  consent_id: string | null;
  consent_items: string[] | null;
  resident_ref_sealed: string | null;
}

/** `accountId` must already be a well-formed UUID (or null when the subject is unknown). */
export async function readGatewayState(ctx: OptinContext, clientId: string, providerId: string, accountId: string | null, purpose: string): Promise<GatewayState> {
  const { rows } = await sql<Row>`
    select ${ctx.identity.accountSummarySql(accountId)} as account,
      s.id as service_id, s.status as service_status, s.lg_code as service_lg_code,
      (select array_agg(si.item_code order by si.item_code) from optin_service_items si where si.service_id = s.id and si.provider_id = ${providerId}) as registered,
      p.id as provider_id, p.status as provider_status, p.lg_code as provider_lg_code, p.kind as provider_kind, p.endpoint, p.timeout_ms, p.version as provider_version, p.credentials_sealed,
      c.id as consent_id, c.items as consent_items,
      l.resident_ref_sealed
    from (select 1) as one
    left join optin_services s on s.client_id = ${clientId}
    left join optin_providers p on p.id = ${providerId}
    left join lateral (
      select id, items from optin_consents
      where account_id = ${accountId}::uuid and service_id = s.id and provider_id = ${providerId} and purpose_code = ${purpose}
        and revoked_at is null and valid_until > now()
      order by created_at desc limit 1
    ) c on true
    left join optin_subject_links l on l.account_id = ${accountId}::uuid and l.provider_id = ${providerId}
  `.execute(ctx.db);
  const row = rows[0]!;
  return {
    ...(row.account ? { account: row.account } : {}),
    ...(row.service_id ? { service: { id: row.service_id, status: row.service_status!, lgCode: row.service_lg_code! } } : {}),
    registered: row.registered ?? [],
    ...(row.provider_id
      ? { provider: { id: row.provider_id, lgCode: row.provider_lg_code!, kind: row.provider_kind!, status: row.provider_status!, endpoint: row.endpoint, timeoutMs: row.timeout_ms!, version: row.provider_version!, credentialsSealed: row.credentials_sealed } }
      : {}),
    ...(row.consent_id ? { consent: { id: row.consent_id, items: row.consent_items ?? [] } } : {}),
    ...(row.resident_ref_sealed ? { residentRefSealed: row.resident_ref_sealed } : {}),
  };
}

/** Opened credentials by provider and version: a changed credential has a new version. */
const opened = new WeakMap<OptinContext, Map<string, ProviderCredentials>>();

export function credentialsOf(ctx: OptinContext, provider: NonNullable<GatewayState['provider']>): ProviderCredentials {
  let cache = opened.get(ctx);
  if (!cache) opened.set(ctx, (cache = new Map()));
  const key = `${provider.id}:${provider.version}`;
  let found = cache.get(key);
  if (!found) {
    found = provider.credentialsSealed ? ctx.registry.openCredentials(provider.id, provider.credentialsSealed) : { method: 'none' };
    if (cache.size > 1000) cache.clear();
    cache.set(key, found);
  }
  return found;
}
