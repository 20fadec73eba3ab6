import { sql, type Kysely } from 'kysely';

// Forms (申請様式) and the common field dictionary (共通項目辞書). A form belongs to a tenant
// and has one editable draft; publishing freezes the draft as a numbered version that is never
// changed, and a procedure points at the version residents apply with (form_version_id, now a
// foreign key). Applications will keep the version they were started on.
//
// The dictionary is one list for every tenant (the prefecture maintains it, 003B P3.1): the
// fields a bulk application asks once and copies into every form. It is inserted here because
// every installation needs it, demo data or not.
const L = (ja: string, en: string) => ({ ja, en });
const DICTIONARY: Array<{ key: string; field: Record<string, unknown> }> = [
  { key: 'full-name', field: { type: 'text', label: L('氏名', 'Full name'), hint: L('住民票に記載されている漢字で入力してください', 'As written on your residence record'), required: true, maxLength: 60 } },
  { key: 'full-name-kana', field: { type: 'kana', label: L('氏名（フリガナ）', 'Full name in katakana'), hint: L('例：アイヅ　タロウ', 'For example: アイヅ　タロウ'), required: true, maxLength: 60 } },
  { key: 'birth-date', field: { type: 'date', label: L('生年月日', 'Date of birth'), hint: L('例：1990年4月1日、または 平成2年4月1日', 'For example: 1990 4 1, or 平成2 4 1'), required: true, max: 'today' } },
  { key: 'address', field: { type: 'address', label: L('住所', 'Address'), hint: L('郵便番号と、番地・建物名・部屋番号まで', 'Postcode, then the address down to the building and room'), required: true, maxLength: 200 } },
  { key: 'previous-address', field: { type: 'address', label: L('前住所', 'Previous address'), required: true, maxLength: 200 } },
  { key: 'phone', field: { type: 'phone', label: L('電話番号', 'Phone number'), hint: L('日中に連絡がつく番号', 'A number where we can reach you in the daytime'), required: true } },
  { key: 'email', field: { type: 'email', label: L('メールアドレス', 'Email address'), required: false, maxLength: 254 } },
  { key: 'move-in-date', field: { type: 'date', label: L('転入した日', 'Date you moved in'), required: true, max: 'today' } },
  {
    key: 'relationship',
    field: {
      type: 'select',
      label: L('続柄', 'Relationship to you'),
      required: true,
      options: [
        { value: 'self', label: L('本人', 'Yourself') },
        { value: 'spouse', label: L('配偶者', 'Spouse') },
        { value: 'child', label: L('子', 'Child') },
        { value: 'parent', label: L('父母', 'Parent') },
        { value: 'other', label: L('その他', 'Other') },
      ],
    },
  },
  {
    key: 'household',
    field: {
      type: 'group',
      label: L('世帯員', 'Household members'),
      hint: L('一緒に住む家族を一人ずつ入力してください', 'Add each person who lives with you'),
      itemLabel: L('世帯員', 'household member'),
      minItems: 1,
      maxItems: 10,
      fields: [
        { key: 'fullName', dictionary: 'full-name' },
        { key: 'fullNameKana', dictionary: 'full-name-kana' },
        { key: 'birthDate', dictionary: 'birth-date' },
        { key: 'relationship', dictionary: 'relationship' },
      ],
    },
  },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table procedures_field_dictionary (
      key text primary key check (key ~ '^[a-z][a-z0-9-]{1,40}$'),
      type text not null,
      label_ja text not null,
      label_en text not null,
      field jsonb not null,
      sort_order integer not null default 0
    )`.execute(db);
  for (const [i, entry] of DICTIONARY.entries()) {
    const label = entry.field.label as { ja: string; en: string };
    await sql`insert into procedures_field_dictionary (key, type, label_ja, label_en, field, sort_order)
      values (${entry.key}, ${entry.field.type as string}, ${label.ja}, ${label.en}, ${JSON.stringify(entry.field)}::jsonb, ${i * 10})`.execute(db);
  }

  // One row per form: the draft staff edit (under an optimistic-concurrency version) and the
  // number of the latest published version. A prefecture form marked as a template is offered
  // to every municipality to copy; copied_from records where a copy came from.
  await sql`
    create table procedures_forms (
      lg_code char(6) not null references platform_tenants (lg_code) deferrable initially immediate,
      code text not null check (code ~ '^[a-z][a-z0-9-]{1,60}$'),
      title_ja text not null,
      title_en text not null,
      draft jsonb not null,
      is_template boolean not null default false,
      copied_from text,
      draft_version integer not null default 1,
      latest_version integer,
      created_by text not null,
      updated_by text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (lg_code, code)
    )`.execute(db);

  // Published versions: the definition with dictionary references resolved, never changed.
  await sql`
    create table procedures_form_versions (
      lg_code char(6) not null,
      id uuid not null default gen_random_uuid(),
      form_code text not null,
      version integer not null check (version >= 1),
      definition jsonb not null,
      published_by text not null,
      published_at timestamptz not null default now(),
      primary key (lg_code, id),
      unique (lg_code, form_code, version),
      foreign key (lg_code, form_code) references procedures_forms (lg_code, code) deferrable initially immediate
    )`.execute(db);

  await sql`alter table procedures_procedures add constraint procedures_procedures_form_version
    foreign key (lg_code, form_version_id) references procedures_form_versions (lg_code, id) deferrable initially immediate`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table procedures_procedures drop constraint procedures_procedures_form_version`.execute(db);
  for (const table of ['procedures_form_versions', 'procedures_forms', 'procedures_field_dictionary']) await sql`drop table ${sql.table(table)}`.execute(db);
}
