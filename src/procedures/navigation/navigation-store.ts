// Navigation definitions per tenant and life event. Each save writes a new immutable version and
// moves the head to it, under the version the editor read (a stale save is refused).
import { sql } from 'kysely';
import type { ProceduresDatabase } from '../db/schema.ts';
import type { NavigationDefinition } from './navigation-definition.ts';

export interface StoredNavigation {
  lgCode: string;
  lifeEvent: string;
  /** The version returned (the one asked for, or the current one). */
  version: number;
  currentVersion: number;
  definition: NavigationDefinition;
  createdBy: string;
  createdAt: Date;
}

export async function findNavigation(db: ProceduresDatabase, lgCode: string, lifeEvent: string, version?: number): Promise<StoredNavigation | undefined> {
  const row = await db
    .selectFrom('procedures_navigations as n')
    .innerJoin('procedures_navigation_versions as v', (join) => join.onRef('v.lg_code', '=', 'n.lg_code').onRef('v.life_event_code', '=', 'n.life_event_code'))
    .select(['n.lg_code', 'n.life_event_code', 'n.current_version', 'v.version', 'v.definition', 'v.created_by', 'v.created_at'])
    .where('n.lg_code', '=', lgCode)
    .where('n.life_event_code', '=', lifeEvent)
    .where((eb) => (version === undefined ? eb('v.version', '=', eb.ref('n.current_version')) : eb('v.version', '=', version)))
    .executeTakeFirst();
  return (
    row && {
      lgCode: row.lg_code,
      lifeEvent: row.life_event_code,
      version: row.version,
      currentVersion: row.current_version,
      definition: row.definition as NavigationDefinition,
      createdBy: row.created_by,
      createdAt: row.created_at,
    }
  );
}

export async function listNavigations(db: ProceduresDatabase, owners: string[]): Promise<Array<{ lgCode: string; lifeEvent: string; currentVersion: number; updatedAt: Date }>> {
  if (owners.length === 0) return [];
  const rows = await db.selectFrom('procedures_navigations').selectAll().where('lg_code', 'in', owners).orderBy('lg_code').orderBy('life_event_code').execute();
  return rows.map((r) => ({ lgCode: r.lg_code, lifeEvent: r.life_event_code, currentVersion: r.current_version, updatedAt: r.updated_at }));
}

/** Saves a new version; undefined when the head moved since `expectedVersion` (null: none yet). */
export async function saveNavigation(trx: ProceduresDatabase, lgCode: string, lifeEvent: string, definition: NavigationDefinition, expectedVersion: number | null, actor: string): Promise<number | undefined> {
  let version: number | undefined;
  if (expectedVersion === null) {
    const inserted = await trx
      .insertInto('procedures_navigations')
      .values({ lg_code: lgCode, life_event_code: lifeEvent, current_version: 1, updated_at: new Date() })
      .onConflict((oc) => oc.columns(['lg_code', 'life_event_code']).doNothing())
      .returning('current_version')
      .executeTakeFirst();
    version = inserted?.current_version;
  } else {
    const updated = await trx
      .updateTable('procedures_navigations')
      .set({ current_version: sql<number>`current_version + 1`, updated_at: sql<Date>`now()` })
      .where('lg_code', '=', lgCode)
      .where('life_event_code', '=', lifeEvent)
      .where('current_version', '=', expectedVersion)
      .returning('current_version')
      .executeTakeFirst();
    version = updated?.current_version;
  }
  if (version === undefined) return undefined;
  await trx.insertInto('procedures_navigation_versions').values({ lg_code: lgCode, life_event_code: lifeEvent, version, definition: JSON.stringify(definition), created_by: actor }).execute();
  return version;
}

/** Every saved version of a navigation, newest first (the builder's history). */
export async function listNavigationVersions(db: ProceduresDatabase, lgCode: string, lifeEvent: string): Promise<Array<{ version: number; createdBy: string; createdAt: Date; questions: number }>> {
  const rows = await db.selectFrom('procedures_navigation_versions').select(['version', 'created_by', 'created_at', 'definition']).where('lg_code', '=', lgCode).where('life_event_code', '=', lifeEvent).orderBy('version', 'desc').execute();
  return rows.map((r) => ({ version: r.version, createdBy: r.created_by, createdAt: r.created_at, questions: (r.definition as NavigationDefinition).questions.length }));
}
