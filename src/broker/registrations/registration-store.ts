// The database side of context source registrations (table broker_registrations, see
// migrations.ts). Registrations are few per tenant (tens, not thousands), so matching a query
// against them happens in memory after one indexed read of the tenant's live registrations.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/database.ts';
import { NgsiError } from '../errors.ts';
import type { Registration, StoredRegistration } from './registration.ts';

interface RegistrationRow {
  tenant: string;
  id: string;
  body: StoredRegistration | string;
  endpoint: string;
  mode: string;
  expires_at: Date | string | null;
  created_at: Date | string;
  modified_at: Date | string;
  status: string | null;
  times_sent: number | string;
  times_failed: number | string;
  last_success: Date | string | null;
  last_failure: Date | string | null;
}

function iso(value: Date | string): string;
function iso(value: Date | string | null): string | undefined;
function iso(value: Date | string | null): string | undefined {
  if (value === null) return undefined;
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

function toRegistration(row: RegistrationRow): Registration {
  return {
    tenant: row.tenant,
    body: typeof row.body === 'string' ? (JSON.parse(row.body) as StoredRegistration) : row.body,
    state: {
      status: (row.status ?? undefined) as 'ok' | 'failed' | undefined,
      timesSent: Number(row.times_sent),
      timesFailed: Number(row.times_failed),
      lastSuccess: iso(row.last_success),
      lastFailure: iso(row.last_failure),
      createdAt: iso(row.created_at),
      modifiedAt: iso(row.modified_at),
    },
  };
}

function columns(reg: StoredRegistration): Record<string, unknown> {
  return {
    body: JSON.stringify(reg),
    endpoint: reg.endpoint,
    mode: reg.mode,
    expires_at: reg.expiresAt ?? null,
  };
}

export class RegistrationStore {
  constructor(private readonly database: Database) {}

  private get db(): Kysely<any> {
    return this.database as unknown as Kysely<any>;
  }

  async create(tenant: string, reg: StoredRegistration, now = new Date().toISOString()): Promise<void> {
    const inserted = await this.db
      .insertInto('broker_registrations')
      .values({ tenant, id: reg.id, ...columns(reg), created_at: now, modified_at: now })
      .onConflict((oc) => oc.columns(['tenant', 'id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) throw new NgsiError('AlreadyExists', `Context source registration ${reg.id} already exists`);
  }

  async get(tenant: string, id: string): Promise<Registration | undefined> {
    const row = await this.db.selectFrom('broker_registrations').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    return row ? toRegistration(row as RegistrationRow) : undefined;
  }

  /** Every registration of a tenant, in id order. */
  async list(tenant: string): Promise<Registration[]> {
    const rows = await this.db.selectFrom('broker_registrations').selectAll().where('tenant', '=', tenant).orderBy('id').execute();
    return rows.map((r) => toRegistration(r as RegistrationRow));
  }

  /** Whether the tenant has any registration at all. */
  async any(tenant: string): Promise<boolean> {
    const row = await this.db.selectFrom('broker_registrations').select('id').where('tenant', '=', tenant).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** The registrations in force: not expired. */
  async active(tenant: string, now = new Date()): Promise<Registration[]> {
    const rows = await this.db
      .selectFrom('broker_registrations')
      .selectAll()
      .where('tenant', '=', tenant)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now.toISOString())]))
      .orderBy('id')
      .execute();
    return rows.map((r) => toRegistration(r as RegistrationRow));
  }

  async update(tenant: string, reg: StoredRegistration, now = new Date().toISOString()): Promise<void> {
    const result = await this.db
      .updateTable('broker_registrations')
      .set({ ...columns(reg), modified_at: now })
      .where('tenant', '=', tenant)
      .where('id', '=', reg.id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new NgsiError('ResourceNotFound', `Context source registration ${reg.id} does not exist`);
  }

  async delete(tenant: string, id: string): Promise<void> {
    const result = await this.db.deleteFrom('broker_registrations').where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw new NgsiError('ResourceNotFound', `Context source registration ${id} does not exist`);
  }

  /** Records the outcome of one distributed request (Table 5.2.9-2). */
  async recordOutcome(tenant: string, id: string, ok: boolean, at = new Date().toISOString()): Promise<void> {
    await this.db
      .updateTable('broker_registrations')
      .set(ok
        ? { status: 'ok', times_sent: sql`times_sent + 1`, last_success: at }
        : { status: 'failed', times_sent: sql`times_sent + 1`, times_failed: sql`times_failed + 1`, last_failure: at })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .execute();
  }
}
