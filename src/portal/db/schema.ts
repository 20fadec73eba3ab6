// The portal module's view of the database.
import type { Generated, Kysely } from 'kysely';
import type { Database } from '../../platform/db/database.ts';

export type NoticeCategory = 'info' | 'important' | 'emergency';

export interface PortalNoticesTable {
  lg_code: string;
  id: Generated<string>;
  category: NoticeCategory;
  title_ja: string;
  title_en: Generated<string>;
  body_ja: string;
  body_en: Generated<string>;
  published_from: Date;
  published_until: Date | null;
  created_by: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export interface PortalNotificationsTable {
  id: Generated<string>;
  account_id: string;
  lg_code: string;
  title_ja: string;
  title_en: string;
  body_ja: Generated<string>;
  body_en: Generated<string>;
  link: string | null;
  created_at: Generated<Date>;
  read_at: Date | null;
}

export interface PortalSchema {
  portal_notices: PortalNoticesTable;
  portal_notifications: PortalNotificationsTable;
}

export type PortalDatabase = Kysely<PortalSchema>;

export function portalDb(db: Database): PortalDatabase {
  return db as unknown as PortalDatabase;
}
