import { sql, type Kysely } from 'kysely';

// Data providers of kind `broker`: residents' personal data held in the City OS's own NGSI-LD
// broker (entity types flagged personal, e.g. a home health programme's readings). Such a
// provider has no endpoint or credentials: the gateway reads the broker in-process, after the
// same consent check as for any provider. Its entity types and owner attribute are kept here as
// registered (short names); the broker keeps them expanded (broker_personal_types).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table optin_providers add column kind text not null default 'http' check (kind in ('http', 'broker'))`.execute(db);
  await sql`alter table optin_providers add column entity_types text[]`.execute(db);
  await sql`alter table optin_providers add column owner_attribute text`.execute(db);
  await sql`alter table optin_providers alter column endpoint drop not null`.execute(db);
  await sql`alter table optin_providers add constraint optin_providers_kind_fields check (
    (kind = 'http' and endpoint is not null and entity_types is null and owner_attribute is null)
    or (kind = 'broker' and endpoint is null and auth_method = 'none' and cardinality(entity_types) > 0 and owner_attribute is not null))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from optin_providers where kind = 'broker'`.execute(db);
  await sql`alter table optin_providers drop constraint optin_providers_kind_fields`.execute(db);
  await sql`alter table optin_providers alter column endpoint set not null`.execute(db);
  await sql`alter table optin_providers drop column owner_attribute`.execute(db);
  await sql`alter table optin_providers drop column entity_types`.execute(db);
  await sql`alter table optin_providers drop column kind`.execute(db);
}
