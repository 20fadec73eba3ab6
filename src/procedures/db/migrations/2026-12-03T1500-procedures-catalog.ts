import { sql, type Kysely } from 'kysely';

// The procedure catalog and life-event navigation: the foundation the form builder, the bulk
// application, workflow and issuance build on. Every row a tenant owns carries its lg_code in
// the primary key, and what later tables will point at (a procedure) is keyed (lg_code, code),
// so forms, applications and workflow stages can reference it without changing these tables.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Life events (ライフイベント): one list for every tenant, so a prefecture procedure and a
  // municipality's navigation speak of the same 転入. Inserted here, as the platform needs them
  // whether or not demo data is loaded (a restore replaces them, see platform/db/backup.ts).
  await sql`
    create table procedures_life_events (
      code text primary key check (code ~ '^[a-z][a-z0-9-]{1,40}$'),
      name_ja text not null check (length(name_ja) between 1 and 100),
      name_en text not null check (length(name_en) between 1 and 100),
      description_ja text not null default '',
      description_en text not null default '',
      sort_order integer not null default 0
    )`.execute(db);
  await sql`
    insert into procedures_life_events (code, name_ja, name_en, description_ja, description_en, sort_order) values
      ('moving-in', '転入', 'Moving in', 'ほかの市区町村から引っ越してきたとき', 'When you move here from another municipality', 10),
      ('moving-within', '転居', 'Moving within the municipality', '同じ市区町村の中で引っ越したとき', 'When you move to a new address in the same municipality', 20),
      ('moving-out', '転出', 'Moving out', 'ほかの市区町村へ引っ越すとき', 'When you move to another municipality', 30),
      ('birth', '出生', 'Birth', '子どもが生まれたとき', 'When a child is born', 40),
      ('death', '死亡', 'Death', '家族が亡くなったとき', 'When a family member dies', 50),
      ('marriage', '結婚', 'Marriage', '結婚したとき', 'When you marry', 60),
      ('certificates', '証明書', 'Certificates', '住民票の写しや証明書が必要なとき', 'When you need a certificate of residence or another certificate', 70)`.execute(db);

  // Departments (担当課) of a tenant: who answers questions and, later, who receives applications.
  await sql`
    create table procedures_departments (
      lg_code char(6) not null references platform_tenants (lg_code) deferrable initially immediate,
      code text not null check (code ~ '^[a-z][a-z0-9-]{1,40}$'),
      name_ja text not null check (length(name_ja) between 1 and 100),
      name_en text not null check (length(name_en) between 1 and 100),
      contact jsonb not null default '{}'::jsonb,
      version integer not null default 1,
      created_by text not null,
      updated_by text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (lg_code, code)
    )`.execute(db);

  // Procedures (手続): owned by the prefecture (visible to all its municipalities) or by one
  // municipality. The channel says where it is done: on this portal, on an external system
  // (jGrants, e-Gov, マイナポータル…), or only at a counter. search_text is the normalised
  // titles, summaries and kana reading (catalog/search-text.ts), written with every save.
  await sql`
    create table procedures_procedures (
      lg_code char(6) not null references platform_tenants (lg_code) deferrable initially immediate,
      code text not null check (code ~ '^[a-z][a-z0-9-]{1,60}$'),
      department_code text not null,
      title_ja text not null check (length(title_ja) between 1 and 200),
      title_en text not null check (length(title_en) between 1 and 200),
      summary_ja text not null default '',
      summary_en text not null default '',
      kana text not null default '',
      search_text text not null default '',
      assurance_level char(1) not null check (assurance_level in ('A', 'B', 'C')),
      channel text not null check (channel in ('portal', 'external', 'counter')),
      external_url text,
      external_name_ja text,
      external_name_en text,
      counter_place_ja text,
      counter_place_en text,
      status text not null default 'draft' check (status in ('draft', 'published')),
      -- Filled by the form builder: the published form version residents apply with. No foreign
      -- key yet, as the forms table comes with the builder; it will be (lg_code, form_version_id).
      form_version_id uuid,
      sort_order integer not null default 0,
      version integer not null default 1,
      created_by text not null,
      updated_by text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (lg_code, code),
      foreign key (lg_code, department_code) references procedures_departments (lg_code, code) deferrable initially immediate,
      check (channel <> 'external' or (external_url is not null and external_name_ja is not null and external_name_en is not null)),
      check (channel <> 'counter' or (counter_place_ja is not null and counter_place_en is not null))
    )`.execute(db);
  await sql`create index procedures_procedures_listing on procedures_procedures (status, lg_code, sort_order, code)`.execute(db);

  await sql`
    create table procedures_procedure_life_events (
      lg_code char(6) not null,
      procedure_code text not null,
      life_event_code text not null references procedures_life_events (code) deferrable initially immediate,
      primary key (lg_code, procedure_code, life_event_code),
      foreign key (lg_code, procedure_code) references procedures_procedures (lg_code, code) on delete cascade deferrable initially immediate
    )`.execute(db);
  await sql`create index procedures_procedure_life_events_event on procedures_procedure_life_events (life_event_code)`.execute(db);

  // Fees in whole yen (integer: money is exact); a procedure with no row here is free.
  await sql`
    create table procedures_procedure_fees (
      lg_code char(6) not null,
      procedure_code text not null,
      position integer not null,
      label_ja text not null,
      label_en text not null,
      amount_yen integer not null check (amount_yen between 0 and 10000000),
      primary key (lg_code, procedure_code, position),
      foreign key (lg_code, procedure_code) references procedures_procedures (lg_code, code) on delete cascade deferrable initially immediate
    )`.execute(db);

  // Documents to attach (online) or bring (counter).
  await sql`
    create table procedures_procedure_documents (
      lg_code char(6) not null,
      procedure_code text not null,
      position integer not null,
      name_ja text not null,
      name_en text not null,
      note_ja text not null default '',
      note_en text not null default '',
      required boolean not null default true,
      primary key (lg_code, procedure_code, position),
      foreign key (lg_code, procedure_code) references procedures_procedures (lg_code, code) on delete cascade deferrable initially immediate
    )`.execute(db);

  // Navigation (ナビゲーション) per tenant and life event. Every save is a new immutable version
  // (a resident part-way through keeps walking the version they started); the head row says
  // which version is current and carries the optimistic-concurrency counter.
  await sql`
    create table procedures_navigations (
      lg_code char(6) not null references platform_tenants (lg_code) deferrable initially immediate,
      life_event_code text not null references procedures_life_events (code) deferrable initially immediate,
      current_version integer not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (lg_code, life_event_code)
    )`.execute(db);
  await sql`
    create table procedures_navigation_versions (
      lg_code char(6) not null,
      life_event_code text not null,
      version integer not null check (version >= 1),
      definition jsonb not null,
      created_by text not null,
      created_at timestamptz not null default now(),
      primary key (lg_code, life_event_code, version),
      foreign key (lg_code, life_event_code) references procedures_navigations (lg_code, life_event_code) on delete cascade deferrable initially immediate
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['procedures_navigation_versions', 'procedures_navigations', 'procedures_procedure_documents', 'procedures_procedure_fees', 'procedures_procedure_life_events', 'procedures_procedures', 'procedures_departments', 'procedures_life_events']) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
