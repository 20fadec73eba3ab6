import { sql, type Kysely } from 'kysely';

// Version counters for what the gateway reads on every call, so each server process can cache it
// (gateway/gateway-state.ts) and still see a change made through any process at once — the
// broker's tenant versions (broker_tenant_versions) again, with one counter per:
//   service:<id>   the service's row (status) and the items it is registered for;
//   provider:<id>  the provider's row (status, endpoint, timeout, sealed credentials);
//   account:<id>   the resident's consents (given, superseded, revoked, validity changed) and
//                  their links at providers.
// Triggers bump the counters in the transaction that makes the change, so no write path (nor a
// hand-written update) can forget to. Each call reads the counters it relies on, in one
// statement with the resident's account summary, and uses its cached state only when they are
// equal. A consent's end of validity is not a change: the cache keeps valid_until and each call
// compares it with the clock.
//
// `tsunagu restore` loads this table from the backup like any other and says so with the setting
// tsunagu.restoring, so loading the other tables does not bump the counters past their backed-up
// values.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table optin_state_versions (
      key text primary key,
      version bigint not null
    )`.execute(db);
  // Trigger arguments: the key's prefix and the column naming the row's owner. An update that
  // moves a row to another owner bumps both.
  await sql`
    create function optin_bump_state_version() returns trigger language plpgsql as $$
    declare
      old_key text;
      new_key text;
    begin
      if current_setting('tsunagu.restoring', true) = 'on' then
        return null;
      end if;
      if tg_op <> 'INSERT' then
        old_key := tg_argv[0] || ':' || (to_jsonb(old) ->> tg_argv[1]);
      end if;
      if tg_op <> 'DELETE' then
        new_key := tg_argv[0] || ':' || (to_jsonb(new) ->> tg_argv[1]);
      end if;
      if old_key is not null then
        insert into optin_state_versions as v (key, version) values (old_key, 1)
          on conflict (key) do update set version = v.version + 1;
      end if;
      if new_key is not null and new_key is distinct from old_key then
        insert into optin_state_versions as v (key, version) values (new_key, 1)
          on conflict (key) do update set version = v.version + 1;
      end if;
      return null;
    end $$`.execute(db);
  for (const [table, prefix, column] of [
    ['optin_services', 'service', 'id'],
    ['optin_service_items', 'service', 'service_id'],
    ['optin_providers', 'provider', 'id'],
    ['optin_consents', 'account', 'account_id'],
    ['optin_subject_links', 'account', 'account_id'],
  ] as const) {
    await sql`
      create trigger ${sql.id(`${table}_state_version`)}
        after insert or update or delete on ${sql.table(table)}
        for each row execute function optin_bump_state_version(${sql.lit(prefix)}, ${sql.lit(column)})`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['optin_subject_links', 'optin_consents', 'optin_providers', 'optin_service_items', 'optin_services']) {
    await sql`drop trigger ${sql.id(`${table}_state_version`)} on ${sql.table(table)}`.execute(db);
  }
  await sql`drop function optin_bump_state_version()`.execute(db);
  await sql`drop table optin_state_versions`.execute(db);
}
