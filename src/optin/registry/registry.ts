// The registries the gateway trusts (asset management, 003B CO-5): data providers with the data
// items they offer and the credentials the City OS holds for them, and services with their
// purposes and the provider items they may ask for. Prefecture staff approve services; a
// suspended service or provider stops every gateway call at once (read fresh on each call).
import { sql, type Selectable } from 'kysely';
import type { Sealer } from '../../platform/crypto/sealer.ts';
import type { OptinDatabase, OptinProviderItemsTable, OptinProvidersTable, OptinServicesTable, ProviderAuth, ProviderKind, Sensitivity, ServiceStatus } from '../db/schema.ts';

export interface Localized {
  ja: string;
  en: string;
}

export interface ProviderItem {
  code: string;
  name: Localized;
  description: Localized;
  sensitivity: Sensitivity;
}

export type ProviderCredentials = { method: 'bearer'; token: string } | { method: 'basic'; username: string; password: string } | { method: 'none' };

/** Where a provider of kind `broker` keeps its data: personal entity types in the City OS broker. */
export interface BrokerSource {
  /** Entity types as registered (core-context terms or IRIs). */
  entityTypes: string[];
  /** The Relationship whose object is urn:ngsi-ld:Person:<the resident's common-ID subject>. */
  ownerAttribute: string;
}

export interface Provider {
  id: string;
  lgCode: string;
  name: Localized;
  description: Localized;
  kind: ProviderKind;
  /** kind http. */
  endpoint: string | null;
  /** kind broker. */
  broker: BrokerSource | null;
  authMethod: ProviderAuth;
  timeoutMs: number;
  status: 'active' | 'suspended';
  items: ProviderItem[];
  version: number;
  createdAt: Date;
}

export type ProviderInput = {
  id: string;
  lgCode: string;
  name: Localized;
  description: Localized;
  credentials: ProviderCredentials;
  timeoutMs: number;
  items: ProviderItem[];
} & ({ endpoint: string; broker?: undefined } | { endpoint?: undefined; broker: BrokerSource });

export interface Purpose {
  code: string;
  text: Localized;
}

export interface Service {
  id: string;
  lgCode: string;
  clientId: string;
  name: Localized;
  description: Localized;
  status: ServiceStatus;
  statusReason: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  purposes: Purpose[];
  /** provider id → item codes the service may ask for. */
  items: Record<string, string[]>;
  version: number;
  createdAt: Date;
}

export interface ServiceInput {
  id: string;
  lgCode: string;
  clientId: string;
  name: Localized;
  description: Localized;
  purposes: Purpose[];
  items: Record<string, string[]>;
}

const credentialsContext = (providerId: string) => `optin_providers.credentials:${providerId}`;

export class Registry {
  constructor(private readonly sealer: Sealer) {}

  /** `alsoInTransaction` runs in the same transaction (the broker's personal types). */
  async createProvider(db: OptinDatabase, input: ProviderInput, createdBy: string, alsoInTransaction?: (trx: OptinDatabase) => Promise<void>): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('optin_providers')
        .values({
          id: input.id,
          lg_code: input.lgCode,
          name_ja: input.name.ja,
          name_en: input.name.en,
          description_ja: input.description.ja,
          description_en: input.description.en,
          kind: input.broker ? 'broker' : 'http',
          endpoint: input.endpoint ?? null,
          entity_types: input.broker?.entityTypes ?? null,
          owner_attribute: input.broker?.ownerAttribute ?? null,
          auth_method: input.credentials.method,
          credentials_sealed: input.credentials.method === 'none' ? null : this.sealer.sealJson(input.credentials, credentialsContext(input.id)),
          timeout_ms: input.timeoutMs,
          created_by: createdBy,
        })
        .execute();
      if (input.items.length) {
        await trx
          .insertInto('optin_provider_items')
          .values(input.items.map((item, i) => ({ provider_id: input.id, code: item.code, name_ja: item.name.ja, name_en: item.name.en, description_ja: item.description.ja, description_en: item.description.en, sensitivity: item.sensitivity, sort_order: i })))
          .execute();
      }
      await alsoInTransaction?.(trx);
    });
  }

  async providerExists(db: OptinDatabase, id: string): Promise<boolean> {
    return !!(await db.selectFrom('optin_providers').select('id').where('id', '=', id).executeTakeFirst());
  }

  async findProvider(db: OptinDatabase, id: string): Promise<Provider | undefined> {
    const row = await db.selectFrom('optin_providers').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const items = await db.selectFrom('optin_provider_items').selectAll().where('provider_id', '=', id).orderBy('sort_order').execute();
    return toProvider(row, items);
  }

  async listProviders(db: OptinDatabase, lgCodes?: Set<string>): Promise<Provider[]> {
    if (lgCodes && lgCodes.size === 0) return [];
    let query = db.selectFrom('optin_providers').selectAll().orderBy('id');
    if (lgCodes) query = query.where('lg_code', 'in', [...lgCodes]);
    const rows = await query.execute();
    if (!rows.length) return [];
    const items = await db.selectFrom('optin_provider_items').selectAll().where('provider_id', 'in', rows.map((r) => r.id)).orderBy('sort_order').execute();
    return rows.map((row) => toProvider(row, items.filter((i) => i.provider_id === row.id)));
  }

  /** The credentials the gateway presents to the provider (gateway-state.ts). Never leave the server. */
  openCredentials(id: string, sealed: string): ProviderCredentials {
    return this.sealer.openJson<ProviderCredentials>(sealed, credentialsContext(id));
  }

  async setProviderCredentials(db: OptinDatabase, id: string, credentials: ProviderCredentials): Promise<void> {
    await db
      .updateTable('optin_providers')
      .set({ auth_method: credentials.method, credentials_sealed: credentials.method === 'none' ? null : this.sealer.sealJson(credentials, credentialsContext(id)), updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
      .where('id', '=', id)
      .execute();
  }

  async setProviderStatus(db: OptinDatabase, id: string, status: 'active' | 'suspended'): Promise<void> {
    await db.updateTable('optin_providers').set({ status, updated_at: sql<Date>`now()`, version: sql<number>`version + 1` }).where('id', '=', id).execute();
  }

  async createService(db: OptinDatabase, input: ServiceInput, createdBy: string, status: ServiceStatus = 'pending'): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('optin_services')
        .values({ id: input.id, lg_code: input.lgCode, client_id: input.clientId, name_ja: input.name.ja, name_en: input.name.en, description_ja: input.description.ja, description_en: input.description.en, status, created_by: createdBy, ...(status === 'approved' ? { decided_by: createdBy, decided_at: new Date() } : {}) })
        .execute();
      await trx.insertInto('optin_service_purposes').values(input.purposes.map((p) => ({ service_id: input.id, code: p.code, text_ja: p.text.ja, text_en: p.text.en }))).execute();
      const items = Object.entries(input.items).flatMap(([provider, codes]) => codes.map((code) => ({ service_id: input.id, provider_id: provider, item_code: code })));
      if (items.length) await trx.insertInto('optin_service_items').values(items).execute();
    });
  }

  async findService(db: OptinDatabase, id: string): Promise<Service | undefined> {
    const row = await db.selectFrom('optin_services').selectAll().where('id', '=', id).executeTakeFirst();
    return row && (await this.#withDetails(db, [row]))[0];
  }

  async findServiceByClient(db: OptinDatabase, clientId: string): Promise<Service | undefined> {
    const row = await db.selectFrom('optin_services').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row && (await this.#withDetails(db, [row]))[0];
  }

  async listServices(db: OptinDatabase, lgCodes?: Set<string>): Promise<Service[]> {
    if (lgCodes && lgCodes.size === 0) return [];
    let query = db.selectFrom('optin_services').selectAll().orderBy('id');
    if (lgCodes) query = query.where('lg_code', 'in', [...lgCodes]);
    return this.#withDetails(db, await query.execute());
  }

  /** Moves a service to `status` if it is in one of `from`; false when it was not. */
  async setServiceStatus(db: OptinDatabase, id: string, from: ServiceStatus[], status: ServiceStatus, by: string, reason: string | null): Promise<boolean> {
    const result = await db
      .updateTable('optin_services')
      .set({ status, status_reason: reason, decided_by: by, decided_at: sql<Date>`now()`, version: sql<number>`version + 1` })
      .where('id', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async #withDetails(db: OptinDatabase, rows: Array<Selectable<OptinServicesTable>>): Promise<Service[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    const [purposes, items] = await Promise.all([
      db.selectFrom('optin_service_purposes').selectAll().where('service_id', 'in', ids).orderBy('code').execute(),
      db.selectFrom('optin_service_items').selectAll().where('service_id', 'in', ids).orderBy('provider_id').orderBy('item_code').execute(),
    ]);
    return rows.map((row) => {
      const allowed: Record<string, string[]> = {};
      for (const item of items.filter((i) => i.service_id === row.id)) (allowed[item.provider_id] ??= []).push(item.item_code);
      return {
        id: row.id,
        lgCode: row.lg_code,
        clientId: row.client_id,
        name: { ja: row.name_ja, en: row.name_en },
        description: { ja: row.description_ja, en: row.description_en },
        status: row.status,
        statusReason: row.status_reason,
        decidedBy: row.decided_by,
        decidedAt: row.decided_at ? new Date(row.decided_at) : null,
        purposes: purposes.filter((p) => p.service_id === row.id).map((p) => ({ code: p.code, text: { ja: p.text_ja, en: p.text_en } })),
        items: allowed,
        version: row.version,
        createdAt: row.created_at,
      };
    });
  }
}

function toProvider(row: Selectable<OptinProvidersTable>, items: Array<Selectable<OptinProviderItemsTable>>): Provider {
  return {
    id: row.id,
    lgCode: row.lg_code,
    name: { ja: row.name_ja, en: row.name_en },
    description: { ja: row.description_ja, en: row.description_en },
    kind: row.kind,
    endpoint: row.endpoint,
    broker: row.kind === 'broker' ? { entityTypes: row.entity_types ?? [], ownerAttribute: row.owner_attribute ?? '' } : null,
    authMethod: row.auth_method,
    timeoutMs: row.timeout_ms,
    status: row.status,
    items: items.map((i) => ({ code: i.code, name: { ja: i.name_ja, en: i.name_en }, description: { ja: i.description_ja, en: i.description_en }, sensitivity: i.sensitivity })),
    version: row.version,
    createdAt: row.created_at,
  };
}
