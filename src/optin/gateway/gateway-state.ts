// Everything the gateway must know about one call: the resident named (the identity module's
// account summary), the calling service and its status, the items it is registered for at this
// provider, the provider, the consent in force for this resident, service, provider and purpose,
// and the resident's link at the provider.
//
// Each server process caches all but the account summary, per (service client, provider,
// resident, purpose), labelled with the versions of the service, the provider and the resident's
// consents (optin_state_versions, bumped by triggers in the transaction of every change: see the
// migration 2026-12-07T1000). Every call reads the current versions together with the account
// summary (primary-key reads, in one statement for the calls in flight together, which also
// writes the access-log entries of the calls that finished: gateway-round-trips.ts), and uses the
// cached state only when all three are equal; otherwise it reads everything again in one statement, versions included, so
// the state is never labelled newer than it is. A revocation, a suspension or a changed consent
// therefore counts from the next call, in this process and in every other one on the database —
// the broker's tenant versions (src/broker/tenant-state.ts) again. The end of a consent's
// validity is not a change in the database: the cache keeps valid_until, and every call compares
// it with the clock.
import { sql } from 'kysely';
import type { ProviderKind, ServiceStatus } from '../db/schema.ts';
import type { AccountSummary } from '../../identity/exports.ts';
import type { OptinContext } from '../optin-context.ts';
import type { ProviderCredentials } from '../registry/registry.ts';
import { openResidentRef } from './subject-links.ts';

export interface GatewayState {
  /** The resident the call names (identity's summary), when the subject is a known account. */
  account?: AccountSummary;
  service?: { id: string; status: ServiceStatus; lgCode: string };
  /** Item codes the service is registered for at this provider. */
  registered: string[];
  provider?: { id: string; lgCode: string; kind: ProviderKind; status: 'active' | 'suspended'; endpoint: string | null; timeoutMs: number; version: number; credentialsSealed: string | null };
  /** The newest consent not revoked whose validity has not ended at the time of the call. */
  consent?: { id: string; items: string[] };
  /** The resident's id at the provider (opened), when linked. */
  residentRef?: string;
}

/** The cached part of a call's state, with the versions it was read at. */
interface CachedState {
  /** Versions of service:<id>, provider:<id> and account:<id>, read in the same statement. */
  versions: [number, number, number];
  service: NonNullable<GatewayState['service']>;
  registered: string[];
  provider?: GatewayState['provider'];
  /** Not revoked, newest first; `validUntil` in ms since the epoch, checked on every call. */
  consents: Array<{ id: string; items: string[]; validUntil: number }>;
  residentRef?: string;
}

interface FullRow {
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
  consents: Array<{ id: string; items: string[]; validUntil: number }> | null;
  resident_ref_sealed: string | null;
  service_state: number | string;
  provider_state: number | string;
  account_state: number | string;
}

/** Bounds the cache: one entry per service, provider, resident and purpose in use. */
const MAX_ENTRIES = 50_000;

const versionOf = (key: string) => sql<number | string>`coalesce((select v.version from optin_state_versions v where v.key = ${key}), 0)`;

export class GatewayStateCache {
  readonly #entries = new Map<string, CachedState>();

  constructor(private readonly ctx: OptinContext) {}

  /** `accountId` must already be a well-formed UUID (or null when the subject is unknown). `now`: ms since the epoch. */
  async read(clientId: string, providerId: string, accountId: string | null, purpose: string, now = Date.now()): Promise<GatewayState> {
    const key = `${clientId}\n${providerId}\n${accountId ?? ''}\n${purpose}`;
    const cached = this.#entries.get(key);
    if (cached) {
      const row = await this.ctx.roundTrips.versions(accountId, [`service:${cached.service.id}`, `provider:${providerId}`, `account:${accountId ?? ''}`]);
      const versions = [Number(row.service_state), Number(row.provider_state), Number(row.account_state)];
      if (versions.every((v, i) => v === cached.versions[i])) return stateOf(row.account, cached, now);
    }
    const { account, state } = await this.#load(clientId, providerId, accountId, purpose);
    if (!state) return { ...(account ? { account } : {}), registered: [] };
    const latest = this.#entries.get(key);
    // A load that finished after a newer one must not replace it.
    if (!latest || latest.versions.every((v, i) => v <= state.versions[i]!)) {
      if (!latest && this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(key, state);
    }
    return stateOf(account, state, now);
  }

  /** Everything, with the versions, in one statement (one snapshot). No state without a service: its creation for this client bumps no version this call could know. */
  async #load(clientId: string, providerId: string, accountId: string | null, purpose: string): Promise<{ account: AccountSummary | null; state?: CachedState }> {
    const { rows } = await sql<FullRow>`
      select ${this.ctx.identity.accountSummarySql(accountId)} as account,
        s.id as service_id, s.status as service_status, s.lg_code as service_lg_code,
        (select array_agg(si.item_code order by si.item_code) from optin_service_items si where si.service_id = s.id and si.provider_id = ${providerId}) as registered,
        p.id as provider_id, p.status as provider_status, p.lg_code as provider_lg_code, p.kind as provider_kind, p.endpoint, p.timeout_ms, p.version as provider_version, p.credentials_sealed,
        (select json_agg(json_build_object('id', c.id, 'items', c.items, 'validUntil', extract(epoch from c.valid_until) * 1000) order by c.created_at desc)
          from optin_consents c
          where c.account_id = ${accountId}::uuid and c.service_id = s.id and c.provider_id = ${providerId} and c.purpose_code = ${purpose}
            and c.revoked_at is null and c.valid_until > now()) as consents,
        l.resident_ref_sealed,
        coalesce((select v.version from optin_state_versions v where v.key = 'service:' || s.id), 0) as service_state,
        ${versionOf(`provider:${providerId}`)} as provider_state,
        ${versionOf(`account:${accountId ?? ''}`)} as account_state
      from (select 1) as one
      left join optin_services s on s.client_id = ${clientId}
      left join optin_providers p on p.id = ${providerId}
      left join optin_subject_links l on l.account_id = ${accountId}::uuid and l.provider_id = ${providerId}
    `.execute(this.ctx.db);
    const row = rows[0]!;
    if (!row.service_id) return { account: row.account };
    return {
      account: row.account,
      state: {
        versions: [Number(row.service_state), Number(row.provider_state), Number(row.account_state)],
        service: { id: row.service_id, status: row.service_status!, lgCode: row.service_lg_code! },
        registered: row.registered ?? [],
        ...(row.provider_id
          ? { provider: { id: row.provider_id, lgCode: row.provider_lg_code!, kind: row.provider_kind!, status: row.provider_status!, endpoint: row.endpoint, timeoutMs: row.timeout_ms!, version: row.provider_version!, credentialsSealed: row.credentials_sealed } }
          : {}),
        consents: (row.consents ?? []).map((c) => ({ id: c.id, items: c.items, validUntil: Number(c.validUntil) })),
        ...(row.resident_ref_sealed && accountId ? { residentRef: openResidentRef(this.ctx, accountId, providerId, row.resident_ref_sealed) } : {}),
      },
    };
  }
}

function stateOf(account: AccountSummary | null, cached: CachedState, now: number): GatewayState {
  const consent = cached.consents.find((c) => c.validUntil > now);
  return {
    ...(account ? { account } : {}),
    service: cached.service,
    registered: cached.registered,
    ...(cached.provider ? { provider: cached.provider } : {}),
    ...(consent ? { consent: { id: consent.id, items: consent.items } } : {}),
    ...(cached.residentRef ? { residentRef: cached.residentRef } : {}),
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
