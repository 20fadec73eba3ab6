// The notifications centre (お知らせ受信箱): short messages to one account from the modules that
// act on its behalf (a consent recorded or withdrawn, later an application's progress), each
// with a link to where to act. Unread until the person opens the centre's entry or marks all read.
import { sql, type Selectable } from 'kysely';
import type { PortalDatabase, PortalNotificationsTable } from '../db/schema.ts';

export interface NotificationInput {
  /** The tenant on whose behalf it is sent. */
  lgCode: string;
  title: { ja: string; en: string };
  body?: { ja: string; en: string };
  /** A path on this site (starting with one "/"), e.g. /account/consents/…. */
  link?: string;
}

export interface Notification {
  id: string;
  lgCode: string;
  title: { ja: string; en: string };
  body: { ja: string; en: string };
  link: string | null;
  createdAt: Date;
  readAt: Date | null;
}

export const NOTIFICATIONS_PAGE_SIZE = 20;

function toNotification(row: Selectable<PortalNotificationsTable>): Notification {
  return { id: row.id, lgCode: row.lg_code, title: { ja: row.title_ja, en: row.title_en }, body: { ja: row.body_ja, en: row.body_en }, link: row.link, createdAt: new Date(row.created_at), readAt: row.read_at ? new Date(row.read_at) : null };
}

/** `read`: kept as already read (the person turned My page notices off). */
export async function addNotification(db: PortalDatabase, accountId: string, input: NotificationInput, options: { read?: boolean } = {}): Promise<string> {
  if (input.link !== undefined && !/^\/[^/\\]/.test(input.link)) throw new Error(`A notification links to a path on this site, not ${input.link}`);
  const row = await db
    .insertInto('portal_notifications')
    .values({ account_id: accountId, lg_code: input.lgCode, title_ja: input.title.ja, title_en: input.title.en, body_ja: input.body?.ja ?? '', body_en: input.body?.en ?? '', link: input.link ?? null, read_at: options.read ? new Date() : null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function listNotifications(db: PortalDatabase, accountId: string, page: number): Promise<{ items: Notification[]; total: number; unread: number }> {
  const [rows, counts] = await Promise.all([
    db.selectFrom('portal_notifications').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').orderBy('id').limit(NOTIFICATIONS_PAGE_SIZE).offset((page - 1) * NOTIFICATIONS_PAGE_SIZE).execute(),
    unreadAndTotal(db, accountId),
  ]);
  return { items: rows.map(toNotification), ...counts };
}

export async function unreadAndTotal(db: PortalDatabase, accountId: string): Promise<{ total: number; unread: number }> {
  const row = await db
    .selectFrom('portal_notifications')
    .select([sql<string | number>`count(*)`.as('total'), sql<string | number>`count(*) filter (where read_at is null)`.as('unread')])
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return { total: Number(row?.total ?? 0), unread: Number(row?.unread ?? 0) };
}

/** Marks one of the account's notifications read; its link (or undefined if it is not theirs). */
export async function markRead(db: PortalDatabase, accountId: string, id: string): Promise<{ link: string | null } | undefined> {
  const row = await db
    .updateTable('portal_notifications')
    .set({ read_at: sql<Date>`coalesce(read_at, now())` })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .returning('link')
    .executeTakeFirst();
  return row && { link: row.link };
}

export async function markAllRead(db: PortalDatabase, accountId: string): Promise<number> {
  const result = await db.updateTable('portal_notifications').set({ read_at: sql<Date>`now()` }).where('account_id', '=', accountId).where('read_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}
