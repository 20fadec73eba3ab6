import { sql, type Kysely } from 'kysely';

// Visit booking (来庁予約) for counter procedures: each department's booking calendar (opening
// hours per weekday, slot length, places per slot, extra closed days), the bookings, and a count
// per slot that makes "at most N per slot" hold under concurrent bookings.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table reservation_calendars (
      lg_code text not null references platform_tenants (lg_code) deferrable initially immediate,
      department_code text not null,
      definition jsonb not null,
      version integer not null default 1,
      updated_by text not null,
      updated_at timestamptz not null default now(),
      primary key (lg_code, department_code)
    )`.execute(db);
  await sql`
    create table reservation_slot_counts (
      lg_code text not null,
      department_code text not null,
      slot_start timestamptz not null,
      booked integer not null check (booked >= 0),
      primary key (lg_code, department_code, slot_start)
    )`.execute(db);
  await sql`
    create table reservation_bookings (
      id uuid primary key default gen_random_uuid(),
      number text not null unique,
      lg_code text not null,
      department_code text not null,
      slot_start timestamptz not null,
      slot_minutes integer not null,
      account_id uuid not null,
      purpose text not null default '',
      status text not null default 'booked' check (status in ('booked', 'cancelled')),
      created_at timestamptz not null default now(),
      cancelled_at timestamptz
    )`.execute(db);
  // One person, one place in a slot.
  await sql`create unique index reservation_bookings_once on reservation_bookings (account_id, lg_code, department_code, slot_start) where status = 'booked'`.execute(db);
  await sql`create index reservation_bookings_account on reservation_bookings (account_id, slot_start desc)`.execute(db);
  await sql`create index reservation_bookings_day on reservation_bookings (lg_code, department_code, slot_start)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table reservation_bookings`.execute(db);
  await sql`drop table reservation_slot_counts`.execute(db);
  await sql`drop table reservation_calendars`.execute(db);
}
