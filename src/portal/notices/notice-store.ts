// Notices (お知らせ) the prefecture and municipalities publish on the portal: a category
// (emergency and important ones first), a title and body in Japanese (English optional), and a
// publication window. Residents see only notices inside their window.
import { sql, type Selectable } from 'kysely';
import type { NoticeCategory, PortalDatabase, PortalNoticesTable } from '../db/schema.ts';

export interface Notice {
  lgCode: string;
  id: string;
  category: NoticeCategory;
  title: { ja: string; en: string };
  body: { ja: string; en: string };
  publishedFrom: Date;
  publishedUntil: Date | null;
  version: number;
  updatedAt: Date;
}

export interface NoticeInput {
  category: NoticeCategory;
  title: { ja: string; en: string };
  body: { ja: string; en: string };
  publishedFrom: Date;
  publishedUntil: Date | null;
}

export const NOTICE_PAGE_SIZE = 20;

function toNotice(row: Selectable<PortalNoticesTable>): Notice {
  return {
    lgCode: row.lg_code,
    id: row.id,
    category: row.category,
    title: { ja: row.title_ja, en: row.title_en },
    body: { ja: row.body_ja, en: row.body_en },
    publishedFrom: new Date(row.published_from),
    publishedUntil: row.published_until ? new Date(row.published_until) : null,
    version: row.version,
    updatedAt: new Date(row.updated_at),
  };
}

const inWindow = sql<boolean>`published_from <= now() and (published_until is null or published_until > now())`;
// Emergency notices first, then important ones, then the newest.
const rank = sql`case category when 'emergency' then 0 when 'important' then 1 else 2 end`;

/** Notices published now by any of `lgCodes` (all tenants when omitted), most urgent first. */
export async function currentNotices(db: PortalDatabase, lgCodes: string[] | undefined, page = 1, pageSize = NOTICE_PAGE_SIZE): Promise<{ notices: Notice[]; total: number }> {
  if (lgCodes && lgCodes.length === 0) return { notices: [], total: 0 };
  let query = db.selectFrom('portal_notices').where(inWindow);
  if (lgCodes) query = query.where('lg_code', 'in', lgCodes);
  const [rows, counted] = await Promise.all([
    query.selectAll().orderBy(rank).orderBy('published_from', 'desc').orderBy('id').limit(pageSize).offset((page - 1) * pageSize).execute(),
    query.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirst(),
  ]);
  return { notices: rows.map(toNotice), total: Number(counted?.n ?? 0) };
}

/** Every notice of the tenants (staff: drafts, scheduled and expired ones too), newest first. */
export async function allNotices(db: PortalDatabase, lgCodes: string[]): Promise<Notice[]> {
  if (lgCodes.length === 0) return [];
  const rows = await db.selectFrom('portal_notices').selectAll().where('lg_code', 'in', lgCodes).orderBy('published_from', 'desc').orderBy('id').limit(1000).execute();
  return rows.map(toNotice);
}

export async function findNotice(db: PortalDatabase, lgCode: string, id: string, publishedOnly: boolean): Promise<Notice | undefined> {
  let query = db.selectFrom('portal_notices').selectAll().where('lg_code', '=', lgCode).where('id', '=', id);
  if (publishedOnly) query = query.where(inWindow);
  const row = await query.executeTakeFirst();
  return row && toNotice(row);
}

export async function createNotice(db: PortalDatabase, lgCode: string, input: NoticeInput, createdBy: string): Promise<Notice> {
  const row = await db
    .insertInto('portal_notices')
    .values({ lg_code: lgCode, category: input.category, title_ja: input.title.ja, title_en: input.title.en, body_ja: input.body.ja, body_en: input.body.en, published_from: input.publishedFrom, published_until: input.publishedUntil, created_by: createdBy })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toNotice(row);
}

/** Replaces the notice if it is still at `version`; undefined when it changed or is gone. */
export async function updateNotice(db: PortalDatabase, lgCode: string, id: string, version: number, input: NoticeInput): Promise<Notice | undefined> {
  const row = await db
    .updateTable('portal_notices')
    .set({ category: input.category, title_ja: input.title.ja, title_en: input.title.en, body_ja: input.body.ja, body_en: input.body.en, published_from: input.publishedFrom, published_until: input.publishedUntil, updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
    .where('lg_code', '=', lgCode)
    .where('id', '=', id)
    .where('version', '=', version)
    .returningAll()
    .executeTakeFirst();
  return row && toNotice(row);
}

export async function deleteNotice(db: PortalDatabase, lgCode: string, id: string, version: number): Promise<boolean> {
  const result = await db.deleteFrom('portal_notices').where('lg_code', '=', lgCode).where('id', '=', id).where('version', '=', version).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
