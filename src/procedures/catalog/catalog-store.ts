// Reads and writes of the catalog: life events, departments and procedures. Writes take the
// version the caller read (optimistic concurrency) and return false when someone else changed
// the row first, so a stale edit is refused instead of overwriting.
import { sql } from 'kysely';
import type { Localized } from '../../platform/errors.ts';
import type { AssuranceLevel, Channel, DepartmentContact, ProcedureStatus, ProceduresDatabase } from '../db/schema.ts';
import { searchTerms, searchTextOf } from './search-text.ts';

export interface LifeEvent {
  code: string;
  name: Localized;
  description: Localized;
}

export interface Department {
  lgCode: string;
  code: string;
  name: Localized;
  contact: DepartmentContact;
  version: number;
  updatedAt: Date;
}

export interface Fee {
  label: Localized;
  amountYen: number;
}

export interface RequiredDocument {
  name: Localized;
  note: Localized;
  required: boolean;
}

export interface ProcedureInput {
  lgCode: string;
  code: string;
  departmentCode: string;
  title: Localized;
  summary: Localized;
  /** The reading in kana (hiragana or katakana), for search. */
  kana: string;
  lifeEvents: string[];
  assuranceLevel: AssuranceLevel;
  fees: Fee[];
  documents: RequiredDocument[];
  channel: Channel;
  external: { url: string; name: Localized } | null;
  counter: { place: Localized } | null;
  status: ProcedureStatus;
  formVersionId: string | null;
  sortOrder: number;
  /** Accepts the generic form (汎用様式): its existing form file attached online (default false). */
  acceptsGenericForm?: boolean;
}

export interface Procedure extends ProcedureInput {
  /** A practice procedure (練習用): its applications are never kept or counted. */
  practice: boolean;
  department: { name: Localized; contact: DepartmentContact };
  version: number;
  updatedAt: Date;
}

export interface ProcedureSummary {
  lgCode: string;
  code: string;
  title: Localized;
  summary: Localized;
  channel: Channel;
  status: ProcedureStatus;
  department: Localized;
  lifeEvents: string[];
}

export interface CatalogQuery {
  /** Free text; folded and split into words that must all appear. */
  text?: string;
  /** Owners to include (a municipality and its prefecture, or a staff member's tenants). */
  owners?: string[];
  lifeEvent?: string;
  /** Residents see published procedures only; staff see drafts too. */
  publishedOnly: boolean;
  page: number;
  pageSize: number;
}

const localized = (ja: string | null, en: string | null): Localized => ({ ja: ja ?? '', en: en ?? '' });

export async function listLifeEvents(db: ProceduresDatabase): Promise<LifeEvent[]> {
  const rows = await db.selectFrom('procedures_life_events').selectAll().orderBy('sort_order').orderBy('code').execute();
  return rows.map((r) => ({ code: r.code, name: localized(r.name_ja, r.name_en), description: localized(r.description_ja, r.description_en) }));
}

export async function searchProcedures(db: ProceduresDatabase, query: CatalogQuery): Promise<{ items: ProcedureSummary[]; total: number }> {
  let base = db.selectFrom('procedures_procedures as p').innerJoin('procedures_departments as d', (join) => join.onRef('d.lg_code', '=', 'p.lg_code').onRef('d.code', '=', 'p.department_code'));
  if (query.publishedOnly) base = base.where('p.status', '=', 'published');
  if (query.owners) {
    if (query.owners.length === 0) return { items: [], total: 0 };
    base = base.where('p.lg_code', 'in', query.owners);
  }
  if (query.lifeEvent) {
    const event = query.lifeEvent;
    base = base.where(({ exists, selectFrom }) =>
      exists(selectFrom('procedures_procedure_life_events as e').select('e.life_event_code').whereRef('e.lg_code', '=', 'p.lg_code').whereRef('e.procedure_code', '=', 'p.code').where('e.life_event_code', '=', event)),
    );
  }
  // strpos rather than LIKE: the words are bound values, never patterns, so % and _ mean themselves.
  const terms = searchTerms(query.text ?? '');
  for (const term of terms) base = base.where(sql<number>`strpos(p.search_text, ${term})`, '>', 0);
  const counted = await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst();
  const total = Number(counted?.n ?? 0);
  // A word found in the title or reading ranks before one found only in a summary.
  const ranked = terms.length ? base.orderBy(sql`strpos(p.search_text, ${terms[0]})`) : base;
  const rows = await ranked
    .select(['p.lg_code', 'p.code', 'p.title_ja', 'p.title_en', 'p.summary_ja', 'p.summary_en', 'p.channel', 'p.status', 'd.name_ja as department_ja', 'd.name_en as department_en'])
    .orderBy('p.lg_code')
    .orderBy('p.sort_order')
    .orderBy('p.code')
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize)
    .execute();
  const events = await lifeEventsOf(db, rows.map((r) => [r.lg_code, r.code]));
  return {
    total,
    items: rows.map((r) => ({
      lgCode: r.lg_code,
      code: r.code,
      title: localized(r.title_ja, r.title_en),
      summary: localized(r.summary_ja, r.summary_en),
      channel: r.channel,
      status: r.status,
      department: localized(r.department_ja, r.department_en),
      lifeEvents: events.get(`${r.lg_code}/${r.code}`) ?? [],
    })),
  };
}

async function lifeEventsOf(db: ProceduresDatabase, keys: Array<[string, string]>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (keys.length === 0) return out;
  const rows = await db
    .selectFrom('procedures_procedure_life_events as e')
    .innerJoin('procedures_life_events as l', 'l.code', 'e.life_event_code')
    .select(['e.lg_code', 'e.procedure_code', 'e.life_event_code'])
    .where((eb) => eb.or(keys.map(([lg, code]) => eb.and([eb('e.lg_code', '=', lg), eb('e.procedure_code', '=', code)]))))
    .orderBy('l.sort_order')
    .execute();
  for (const r of rows) {
    const key = `${r.lg_code}/${r.procedure_code}`;
    out.set(key, [...(out.get(key) ?? []), r.life_event_code]);
  }
  return out;
}

export async function findProcedure(db: ProceduresDatabase, lgCode: string, code: string): Promise<Procedure | undefined> {
  return (await findProcedures(db, [[lgCode, code]])).get(`${lgCode}/${code}`);
}

/** Several procedures at once, by "lgCode/code" (pages listing many read them in four queries, not 4 × n). */
export async function findProcedures(db: ProceduresDatabase, keys: Array<[string, string]>): Promise<Map<string, Procedure>> {
  const out = new Map<string, Procedure>();
  if (keys.length === 0) return out;
  const rows = await db
    .selectFrom('procedures_procedures as p')
    .innerJoin('procedures_departments as d', (join) => join.onRef('d.lg_code', '=', 'p.lg_code').onRef('d.code', '=', 'p.department_code'))
    .selectAll('p')
    .select(['d.name_ja as department_ja', 'd.name_en as department_en', 'd.contact as department_contact'])
    .where((eb) => eb.or(keys.map(([lg, code]) => eb.and([eb('p.lg_code', '=', lg), eb('p.code', '=', code)]))))
    .execute();
  if (rows.length === 0) return out;
  const found: Array<[string, string]> = rows.map((r) => [r.lg_code, r.code]);
  const [fees, documents, events] = await Promise.all([
    db.selectFrom('procedures_procedure_fees').selectAll().where((eb) => eb.or(found.map(([lg, code]) => eb.and([eb('lg_code', '=', lg), eb('procedure_code', '=', code)])))).orderBy('position').execute(),
    db.selectFrom('procedures_procedure_documents').selectAll().where((eb) => eb.or(found.map(([lg, code]) => eb.and([eb('lg_code', '=', lg), eb('procedure_code', '=', code)])))).orderBy('position').execute(),
    lifeEventsOf(db, found),
  ]);
  for (const row of rows) {
    const key = `${row.lg_code}/${row.code}`;
    const mine = <T extends { lg_code: string; procedure_code: string }>(list: T[]) => list.filter((x) => x.lg_code === row.lg_code && x.procedure_code === row.code);
    out.set(key, {
      lgCode: row.lg_code,
      code: row.code,
      departmentCode: row.department_code,
      department: { name: localized(row.department_ja, row.department_en), contact: row.department_contact },
      title: localized(row.title_ja, row.title_en),
      summary: localized(row.summary_ja, row.summary_en),
      kana: row.kana,
      lifeEvents: events.get(key) ?? [],
      assuranceLevel: row.assurance_level,
      fees: mine(fees).map((f) => ({ label: localized(f.label_ja, f.label_en), amountYen: f.amount_yen })),
      documents: mine(documents).map((d) => ({ name: localized(d.name_ja, d.name_en), note: localized(d.note_ja, d.note_en), required: d.required })),
      channel: row.channel,
      external: row.channel === 'external' && row.external_url ? { url: row.external_url, name: localized(row.external_name_ja, row.external_name_en) } : null,
      counter: row.channel === 'counter' ? { place: localized(row.counter_place_ja, row.counter_place_en) } : null,
      status: row.status,
      formVersionId: row.form_version_id,
      practice: row.practice,
      acceptsGenericForm: row.accepts_generic_form,
      sortOrder: row.sort_order,
      version: row.version,
      updatedAt: row.updated_at,
    });
  }
  return out;
}

/** Which of `keys` ("lgCode/code") exist, with their status: for navigation validation and results. */
export async function procedureStatuses(db: ProceduresDatabase, keys: Array<{ lgCode: string; code: string }>): Promise<Map<string, ProcedureStatus>> {
  const out = new Map<string, ProcedureStatus>();
  if (keys.length === 0) return out;
  const rows = await db
    .selectFrom('procedures_procedures')
    .select(['lg_code', 'code', 'status'])
    .where((eb) => eb.or(keys.map((k) => eb.and([eb('lg_code', '=', k.lgCode), eb('code', '=', k.code)]))))
    .execute();
  for (const r of rows) out.set(`${r.lg_code}/${r.code}`, r.status);
  return out;
}

function procedureRow(input: ProcedureInput, actor: string) {
  return {
    department_code: input.departmentCode,
    title_ja: input.title.ja,
    title_en: input.title.en,
    summary_ja: input.summary.ja,
    summary_en: input.summary.en,
    kana: input.kana,
    // Titles and the reading first: results are ranked by where the first word occurs.
    search_text: searchTextOf([input.title.ja, input.kana, input.title.en, input.summary.ja, input.summary.en]),
    assurance_level: input.assuranceLevel,
    channel: input.channel,
    external_url: input.channel === 'external' ? input.external?.url ?? null : null,
    external_name_ja: input.channel === 'external' ? input.external?.name.ja ?? null : null,
    external_name_en: input.channel === 'external' ? input.external?.name.en ?? null : null,
    counter_place_ja: input.channel === 'counter' ? input.counter?.place.ja ?? null : null,
    counter_place_en: input.channel === 'counter' ? input.counter?.place.en ?? null : null,
    status: input.status,
    form_version_id: input.formVersionId,
    accepts_generic_form: input.acceptsGenericForm ?? false,
    sort_order: input.sortOrder,
    updated_by: actor,
  };
}

/**
 * Creates (expectedVersion null) or replaces a procedure with its life events, fees and
 * documents, in the caller's transaction. Returns the new version, or undefined when the row
 * was changed (or created) by someone else since `expectedVersion` was read.
 */
export async function saveProcedure(trx: ProceduresDatabase, input: ProcedureInput, expectedVersion: number | null, actor: string): Promise<number | undefined> {
  const key = { lg_code: input.lgCode, code: input.code };
  let version: number | undefined;
  if (expectedVersion === null) {
    const inserted = await trx
      .insertInto('procedures_procedures')
      .values({ ...key, ...procedureRow(input, actor), created_by: actor, updated_at: new Date() })
      .onConflict((oc) => oc.columns(['lg_code', 'code']).doNothing())
      .returning('version')
      .executeTakeFirst();
    version = inserted?.version;
  } else {
    const updated = await trx
      .updateTable('procedures_procedures')
      .set({ ...procedureRow(input, actor), version: sql<number>`version + 1`, updated_at: sql<Date>`now()` })
      .where('lg_code', '=', input.lgCode)
      .where('code', '=', input.code)
      .where('version', '=', expectedVersion)
      .returning('version')
      .executeTakeFirst();
    version = updated?.version;
  }
  if (version === undefined) return undefined;
  const child = { lg_code: input.lgCode, procedure_code: input.code };
  for (const table of ['procedures_procedure_life_events', 'procedures_procedure_fees', 'procedures_procedure_documents'] as const) {
    await trx.deleteFrom(table).where('lg_code', '=', input.lgCode).where('procedure_code', '=', input.code).execute();
  }
  if (input.lifeEvents.length) await trx.insertInto('procedures_procedure_life_events').values(input.lifeEvents.map((e) => ({ ...child, life_event_code: e }))).execute();
  if (input.fees.length) await trx.insertInto('procedures_procedure_fees').values(input.fees.map((f, i) => ({ ...child, position: i, label_ja: f.label.ja, label_en: f.label.en, amount_yen: f.amountYen }))).execute();
  if (input.documents.length) {
    await trx
      .insertInto('procedures_procedure_documents')
      .values(input.documents.map((d, i) => ({ ...child, position: i, name_ja: d.name.ja, name_en: d.name.en, note_ja: d.note.ja, note_en: d.note.en, required: d.required })))
      .execute();
  }
  return version;
}

export async function listDepartments(db: ProceduresDatabase, owners: string[]): Promise<Department[]> {
  if (owners.length === 0) return [];
  const rows = await db.selectFrom('procedures_departments').selectAll().where('lg_code', 'in', owners).orderBy('lg_code').orderBy('code').execute();
  return rows.map(departmentOf);
}

export async function findDepartment(db: ProceduresDatabase, lgCode: string, code: string): Promise<Department | undefined> {
  const row = await db.selectFrom('procedures_departments').selectAll().where('lg_code', '=', lgCode).where('code', '=', code).executeTakeFirst();
  return row && departmentOf(row);
}

function departmentOf(r: { lg_code: string; code: string; name_ja: string; name_en: string; contact: DepartmentContact; version: number; updated_at: Date }): Department {
  return { lgCode: r.lg_code, code: r.code, name: { ja: r.name_ja, en: r.name_en }, contact: r.contact, version: r.version, updatedAt: r.updated_at };
}

/** Creates (expectedVersion null) or updates a department; undefined when the version is stale. */
export async function saveDepartment(
  trx: ProceduresDatabase,
  input: { lgCode: string; code: string; name: Localized; contact: DepartmentContact },
  expectedVersion: number | null,
  actor: string,
): Promise<number | undefined> {
  const values = { name_ja: input.name.ja, name_en: input.name.en, contact: JSON.stringify(input.contact), updated_by: actor };
  if (expectedVersion === null) {
    const inserted = await trx
      .insertInto('procedures_departments')
      .values({ lg_code: input.lgCode, code: input.code, ...values, created_by: actor })
      .onConflict((oc) => oc.columns(['lg_code', 'code']).doNothing())
      .returning('version')
      .executeTakeFirst();
    return inserted?.version;
  }
  const updated = await trx
    .updateTable('procedures_departments')
    .set({ ...values, version: sql<number>`version + 1`, updated_at: sql<Date>`now()` })
    .where('lg_code', '=', input.lgCode)
    .where('code', '=', input.code)
    .where('version', '=', expectedVersion)
    .returning('version')
    .executeTakeFirst();
  return updated?.version;
}
