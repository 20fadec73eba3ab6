import { sql, type Kysely } from 'kysely';

// Delivery to core systems (基幹システム連携). Each tenant may name one endpoint of its core
// system: the URL, a bearer token (sealed, never shown again), the procedures it takes (null:
// all) and whether it is on. Each submitted application whose tenant has an endpoint covering
// its procedure gets one delivery row, written in the submission's transaction with its job; the
// row's id is the delivery id the receiver dedupes on, so a retry is never a second application.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table delivery_endpoints (
      lg_code char(6) primary key references platform_tenants (lg_code) deferrable initially immediate,
      url text not null,
      token_sealed text,
      procedures jsonb,
      enabled boolean not null default true,
      version integer not null default 1,
      created_by text not null,
      updated_by text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table delivery_deliveries (
      id uuid primary key,
      lg_code char(6) not null,
      application_id uuid not null,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
      job_id bigint,
      attempts integer not null default 0,
      retries integer not null default 0,
      last_error text,
      last_http_status integer,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      delivered_at timestamptz,
      unique (lg_code, application_id),
      foreign key (lg_code, application_id) references procedures_applications (lg_code, id) on delete cascade deferrable initially immediate
    )`.execute(db);
  await sql`create index delivery_deliveries_status on delivery_deliveries (lg_code, status, created_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table delivery_deliveries`.execute(db);
  await sql`drop table delivery_endpoints`.execute(db);
}
