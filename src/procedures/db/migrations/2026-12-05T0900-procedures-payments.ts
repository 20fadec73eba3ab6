import { sql, type Kysely } from 'kysely';

// Fee payments (手数料の支払い, issue 5 part 5). One row per attempt to pay an application's fee
// through the payment provider, amounts in whole yen. At most one attempt per application is
// open or paid (the partial unique index): a double click or a second tab finds the first
// attempt instead of charging twice; a declined or cancelled attempt leaves room for a new one.
// The status only changes on what the City OS verified itself: a webhook with a valid signature
// or its own status query to the provider (never the browser's return alone).
//
// procedures_payment_webhooks keeps the id of every webhook event taken, so one delivered twice
// (a retry, or a replay of a captured request within its time window) is recorded once.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table procedures_payments (
      lg_code char(6) not null,
      id uuid not null default gen_random_uuid(),
      application_id uuid not null,
      applicant_account_id uuid not null,
      amount_yen integer not null check (amount_yen > 0 and amount_yen <= 10000000),
      status text not null default 'pending' check (status in ('pending', 'paid', 'failed', 'cancelled', 'refunded')),
      provider text not null,
      provider_payment_id text,
      checkout_url text,
      failure_code text,
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      paid_at timestamptz,
      refunded_at timestamptz,
      primary key (lg_code, id),
      unique (provider, provider_payment_id),
      foreign key (lg_code, application_id) references procedures_applications (lg_code, id) deferrable initially immediate
    )`.execute(db);
  await sql`create unique index procedures_payments_one_open on procedures_payments (lg_code, application_id) where status in ('pending', 'paid')`.execute(db);
  await sql`create index procedures_payments_application on procedures_payments (lg_code, application_id, created_at)`.execute(db);

  await sql`
    create table procedures_payment_webhooks (
      provider text not null,
      event_id text not null,
      event_type text not null,
      provider_payment_id text not null,
      received_at timestamptz not null default now(),
      primary key (provider, event_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table procedures_payment_webhooks`.execute(db);
  await sql`drop table procedures_payments`.execute(db);
}
