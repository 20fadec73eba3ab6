import { sql, type Kysely } from 'kysely';

// A mandate for "listed procedures" names catalogue procedures (local government code and
// procedure code), chosen when it is given; the procedures module refuses a proxy anything else.
// Mandates given before this kept their free text (description_sealed) as a note only: it is never
// matched to the catalogue (the same words name a procedure in every municipality, so a guess
// could widen what the person allowed), and such a mandate allows no online application.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table identity_mandate_procedures (
      mandate_id uuid not null references identity_mandates (id) on delete cascade deferrable initially immediate,
      lg_code text not null references platform_tenants (lg_code) deferrable initially immediate,
      procedure_code text not null,
      primary key (mandate_id, lg_code, procedure_code)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table identity_mandate_procedures`.execute(db);
}
