// Context source filters (`csf`, clause 4.9): the q language applied to the Context Source
// properties of registrations (Table 5.2.9-1) instead of entity attributes. It selects the
// registrations listed by Query Context Source Registrations (5.10.2) and the sources a Query
// Entities is forwarded to (5.7.2).
//
// Queryable are the members a registrant added beyond the standard ones (kept as `properties`,
// e.g. "dataProvider": "福島市") and the standard scalar members registrationName, description,
// endpoint, mode and tenant. Each value is treated as a Property's value (a value that already is
// an NGSI-LD Property or Relationship object is taken as one), so csf is evaluated by the same
// SQL/JSON path as q: one statement for all candidate registrations.
import { sql, type Kysely } from 'kysely';
import { NgsiError } from '../errors.ts';
import { parseQ, qHasLinks, type QExpression } from '../query/q-language.ts';
import { compileQ, qSqlErrorToNgsi } from '../query/q-sql.ts';
import type { StoredRegistration } from './registration.ts';

const STANDARD_MEMBERS = ['registrationName', 'description', 'endpoint', 'mode', 'tenant'] as const;

export interface Csf {
  ast: QExpression;
  /** Expands names with the requester's @context. */
  expand: (term: string) => string;
}

export function parseCsf(text: string, expand: (term: string) => string): Csf {
  let ast: QExpression;
  try {
    ast = parseQ(text);
  } catch (error) {
    if (error instanceof NgsiError) throw new NgsiError(error.type, `csf: ${error.detail.replace(/^q: /, '')}`);
    throw error;
  }
  if (qHasLinks(ast)) throw new NgsiError('BadRequestData', 'csf: linked entity paths (rel{attr}) do not apply to context source properties');
  return { ast, expand };
}

function isAttribute(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'Property' || type === 'Relationship' || type === 'GeoProperty' || type === 'LanguageProperty' || type === 'ListProperty' || type === 'VocabProperty';
}

/** A registration's Context Source properties in the shape of an entity's stored attributes. */
function sourceProperties(reg: StoredRegistration, expand: (term: string) => string): Record<string, unknown[]> {
  const attrs: Record<string, unknown[]> = {};
  for (const name of STANDARD_MEMBERS) {
    const value = (reg as unknown as Record<string, unknown>)[name];
    if (value !== undefined) attrs[expand(name)] = [{ type: 'Property', value }];
  }
  for (const [iri, value] of Object.entries(reg.properties ?? {})) {
    if (value !== null && value !== undefined) attrs[iri] = [isAttribute(value) ? value : { type: 'Property', value }];
  }
  return attrs;
}

/** The items whose registration (`regOf`) has Context Source properties that satisfy `csf`. */
export async function filterByCsf<T>(db: Kysely<any>, csf: Csf, items: T[], regOf: (item: T) => StoredRegistration): Promise<T[]> {
  if (items.length === 0) return items;
  const payload = JSON.stringify(items.map((item) => sourceProperties(regOf(item), csf.expand)));
  const condition = compileQ(csf.ast, { attrs: 'x.attrs', expand: csf.expand });
  try {
    const rows = (await sql<{ i: number | string }>`select x.i from jsonb_array_elements(${payload}::jsonb) with ordinality as x(attrs, i) where ${condition}`.execute(db)).rows;
    const matching = new Set(rows.map((r) => Number(r.i) - 1));
    return items.filter((_, index) => matching.has(index));
  } catch (error) {
    throw qSqlErrorToNgsi(error) ?? error;
  }
}
