import { sql, type Kysely } from 'kysely';

// A common field for the children a procedure is about (子ども): 児童手当, 子ども医療費助成 and the
// like ask for the same children, so a bulk application asks once and copies the list into each
// form, as it does for 氏名 or 住所. A form that needs a different list (the whole household, or
// one child) keeps its own field.
const L = (ja: string, en: string) => ({ ja, en });
const CHILDREN = {
  type: 'group',
  label: L('子ども', 'Children'),
  hint: L('対象となるお子さんを一人ずつ入力してください', 'Add each child this is about'),
  itemLabel: L('子ども', 'child'),
  minItems: 1,
  maxItems: 10,
  fields: [
    { key: 'fullName', dictionary: 'full-name' },
    { key: 'fullNameKana', dictionary: 'full-name-kana' },
    { key: 'birthDate', dictionary: 'birth-date' },
  ],
};

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`insert into procedures_field_dictionary (key, type, label_ja, label_en, field, sort_order)
    values ('children', 'group', ${CHILDREN.label.ja}, ${CHILDREN.label.en}, ${JSON.stringify(CHILDREN)}::jsonb, 100)
    on conflict (key) do nothing`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from procedures_field_dictionary where key = 'children'`.execute(db);
}
