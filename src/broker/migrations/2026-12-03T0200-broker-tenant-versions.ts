import { sql, type Kysely } from 'kysely';

// A version counter per broker tenant for what every entity write and retrieve reads about the
// tenant: its subscriptions and whether it has context source registrations. Each server process
// caches those per tenant (tenant-state.ts) and compares the cached version with this row, read
// in the same statement or transaction as the work that relies on it, so a subscription or
// registration created or deleted through another process is seen at once.
//
// Triggers bump the counter in the transaction that makes the change, so no write path can
// forget to: subscriptions on insert, delete and updates of what matching reads (not of the
// delivery status columns the notifier updates on every notification); registrations on insert
// and delete (the cache only knows whether a tenant has any).
//
// `tsunagu restore` loads every table's rows as they were backed up, this one's included, and
// says so with the setting tsunagu.restoring; the trigger then leaves the counters alone, or the
// subscriptions and registrations it loads would bump them past their backed-up values.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table broker_tenant_versions (
      tenant text primary key,
      version bigint not null
    )`.execute(db);
  await sql`
    create function broker_bump_tenant_version() returns trigger language plpgsql as $$
    begin
      if current_setting('tsunagu.restoring', true) = 'on' then
        return null;
      end if;
      insert into broker_tenant_versions as v (tenant, version)
        values (coalesce(new.tenant, old.tenant), 1)
        on conflict (tenant) do update set version = v.version + 1;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger broker_subscriptions_version
      after insert or delete or update of body, is_active, expires_at, time_interval, tenant on broker_subscriptions
      for each row execute function broker_bump_tenant_version()`.execute(db);
  await sql`
    create trigger broker_registrations_version
      after insert or delete on broker_registrations
      for each row execute function broker_bump_tenant_version()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger broker_registrations_version on broker_registrations`.execute(db);
  await sql`drop trigger broker_subscriptions_version on broker_subscriptions`.execute(db);
  await sql`drop function broker_bump_tenant_version()`.execute(db);
  await sql`drop table broker_tenant_versions`.execute(db);
}
