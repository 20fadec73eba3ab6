// Loads a prefecture's municipalities and living zones from CSV
// (lg_code,name_ja,name_en,zone_id,zone_name_ja,zone_name_en), so that the platform serves any
// prefecture, not only Fukushima. The whole file is checked first and nothing is written unless
// every row is valid; importing the same file twice changes nothing (upsert).
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { checkLgCode, isPrefectureCode, prefectureCodeOf } from './lg-code.ts';
import { prefectureName } from './prefectures.ts';

export interface ImportRowError {
  line: number;
  column: string;
  message: string;
}

export class TenantImportError extends Error {
  constructor(readonly rowErrors: ImportRowError[]) {
    super(
      `The tenant file has ${rowErrors.length} problem(s):\n` +
        rowErrors.map((e) => `  line ${e.line}, ${e.column}: ${e.message}`).join('\n'),
    );
  }
}

export interface ImportSummary {
  prefectures: string[];
  zones: number;
  municipalities: number;
}

const REQUIRED = ['lg_code', 'name_ja', 'name_en'] as const;
const ZONE_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

interface Row {
  lgCode: string;
  nameJa: string;
  nameEn: string;
  zoneId: string | null;
  zoneNameJa: string;
  zoneNameEn: string;
}

interface ParsedRecord {
  record: Record<string, string>;
  info: { lines: number; error?: { record?: unknown[] } | undefined; columns?: Array<{ name: string }> | false };
}

export function parseTenantCsv(text: string): Row[] {
  let records: ParsedRecord[];
  try {
    // info gives each record's line, so problems point at the real line even after blank lines;
    // relax_column_count lets a short or long row be reported with the others, not alone.
    records = parse(text.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: true });
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new TenantImportError([{ line: e.lines ?? 0, column: 'file', message: `not valid CSV (${e.message})` }]);
  }
  const errors: ImportRowError[] = [];
  if (records.length === 0) errors.push({ line: 1, column: 'file', message: 'no municipality rows' });
  const columns = records[0]?.info.columns;
  const header = columns ? columns.map((c) => c.name) : Object.keys(records[0]?.record ?? {});
  for (const column of REQUIRED) {
    if (records.length > 0 && !header.includes(column)) errors.push({ line: 1, column, message: 'column is missing' });
  }
  if (errors.length) throw new TenantImportError(errors);

  const rows: Row[] = [];
  const seen = new Set<string>();
  const zoneNames = new Map<string, string>();
  for (const { record, info } of records) {
    const line = info.lines;
    if (info.error) {
      const fields = Array.isArray(info.error.record) ? info.error.record.length : 0;
      errors.push({ line, column: 'file', message: `has ${fields} field(s) but the header has ${header.length}` });
    }
    const lgCode = record.lg_code ?? '';
    const problem = checkLgCode(lgCode);
    if (problem) {
      const message =
        problem === 'check-digit'
          ? `"${lgCode}" has a wrong check digit`
          : /^[0-9]{6}$/.test(lgCode)
            ? `"${lgCode}" does not start with a prefecture number (01 to 47)`
            : `"${lgCode}" is not a 6-digit code`;
      errors.push({ line, column: 'lg_code', message });
    } else if (isPrefectureCode(lgCode)) {
      errors.push({ line, column: 'lg_code', message: `"${lgCode}" is a prefecture's code; list municipalities only` });
    } else if (seen.has(lgCode)) {
      errors.push({ line, column: 'lg_code', message: `"${lgCode}" appears twice` });
    }
    seen.add(lgCode);
    for (const column of ['name_ja', 'name_en'] as const) {
      const value = record[column] ?? '';
      if (value.length < 1 || value.length > 100) errors.push({ line, column, message: 'must be 1 to 100 characters' });
    }
    const zoneId = record.zone_id || null;
    if (zoneId !== null) {
      if (!ZONE_ID.test(zoneId)) {
        errors.push({ line, column: 'zone_id', message: 'use lower-case letters, digits and "-" (at most 40)' });
      }
      for (const column of ['zone_name_ja', 'zone_name_en'] as const) {
        const value = record[column] ?? '';
        if (value.length < 1 || value.length > 100) errors.push({ line, column, message: 'a zone needs a name of 1 to 100 characters' });
      }
      const key = `${lgCode.slice(0, 2)}/${zoneId}`;
      const names = `${record.zone_name_ja}|${record.zone_name_en}`;
      if (zoneNames.has(key) && zoneNames.get(key) !== names) {
        errors.push({ line, column: 'zone_name_ja', message: `zone "${zoneId}" has different names on different rows` });
      }
      zoneNames.set(key, names);
    }
    rows.push({
      lgCode,
      nameJa: record.name_ja ?? '',
      nameEn: record.name_en ?? '',
      zoneId,
      zoneNameJa: record.zone_name_ja ?? '',
      zoneNameEn: record.zone_name_en ?? '',
    });
  }
  if (errors.length) throw new TenantImportError(errors);
  return rows;
}

/**
 * Writes the rows in one transaction. Call with a transaction (to commit the import with, say,
 * its audit record) or the root database.
 */
export async function importTenants(db: Database, rows: Row[]): Promise<ImportSummary> {
  return db.isTransaction ? writeRows(db, rows) : db.transaction().execute((trx) => writeRows(trx, rows));
}

async function writeRows(trx: Database, rows: Row[]): Promise<ImportSummary> {
  const prefectures = [...new Set(rows.map((r) => prefectureCodeOf(r.lgCode)))];
  for (const code of prefectures) {
    const name = prefectureName(code.slice(0, 2));
    await trx
      .insertInto('platform_tenants')
      .values({ lg_code: code, level: 'prefecture', prefecture_code: code, zone_id: null, name_ja: name.ja, name_en: name.en, sort_order: 0, contact: '{}' })
      .onConflict((oc) => oc.column('lg_code').doNothing())
      .execute();
  }
  const zones = new Map<string, Row>();
  for (const row of rows) if (row.zoneId) zones.set(`${prefectureCodeOf(row.lgCode)}/${row.zoneId}`, row);
  let order = 0;
  for (const [key, row] of zones) {
    const [prefectureCode] = key.split('/') as [string];
    await trx
      .insertInto('platform_zones')
      .values({ prefecture_code: prefectureCode, zone_id: row.zoneId!, name_ja: row.zoneNameJa, name_en: row.zoneNameEn, sort_order: ++order })
      .onConflict((oc) =>
        oc.columns(['prefecture_code', 'zone_id']).doUpdateSet({ name_ja: row.zoneNameJa, name_en: row.zoneNameEn, sort_order: order }),
      )
      .execute();
  }
  order = 0;
  for (const row of rows) {
    const values = {
      name_ja: row.nameJa,
      name_en: row.nameEn,
      zone_id: row.zoneId,
      sort_order: ++order,
    };
    await trx
      .insertInto('platform_tenants')
      .values({ lg_code: row.lgCode, level: 'municipality', prefecture_code: prefectureCodeOf(row.lgCode), contact: '{}', ...values })
      .onConflict((oc) =>
        oc
          .column('lg_code')
          .doUpdateSet({ ...values, updated_at: sql`now()`, version: sql`platform_tenants.version + 1` })
          .where(
            sql<boolean>`(platform_tenants.name_ja, platform_tenants.name_en, platform_tenants.zone_id, platform_tenants.sort_order)
              is distinct from (excluded.name_ja, excluded.name_en, excluded.zone_id, excluded.sort_order)`,
          ),
      )
      .execute();
  }
  return { prefectures, zones: zones.size, municipalities: rows.length };
}
