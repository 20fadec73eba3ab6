// Each tenant's core-system endpoint. The bearer token is sealed, bound to the tenant, and only
// ever opened to send a delivery: reads return whether one is set, never the token itself.
import { sql } from 'kysely';
import type { Sealer } from '../../platform/crypto/sealer.ts';
import type { DeliveryDatabase } from '../db/schema.ts';

export interface Endpoint {
  lgCode: string;
  url: string;
  hasToken: boolean;
  /** Procedure codes delivered; null: every procedure of the tenant. */
  procedures: string[] | null;
  enabled: boolean;
  version: number;
  updatedBy: string;
  updatedAt: Date;
}

export interface EndpointInput {
  url: string;
  /** undefined: keep the stored one; null: none; a string: replace. */
  token: string | null | undefined;
  procedures: string[] | null;
  enabled: boolean;
}

export const tokenContext = (lgCode: string) => `delivery_endpoints.token:${lgCode}`;

type Row = { lg_code: string; url: string; token_sealed: string | null; procedures: string[] | null; enabled: boolean; version: number; updated_by: string; updated_at: Date };
const endpointOf = (r: Row): Endpoint => ({ lgCode: r.lg_code, url: r.url, hasToken: r.token_sealed !== null, procedures: r.procedures, enabled: r.enabled, version: r.version, updatedBy: r.updated_by, updatedAt: r.updated_at });

export async function findEndpoint(db: DeliveryDatabase, lgCode: string): Promise<Endpoint | undefined> {
  const row = await db.selectFrom('delivery_endpoints').selectAll().where('lg_code', '=', lgCode).executeTakeFirst();
  return row && endpointOf(row);
}

/** The endpoint with its token opened, for sending only. */
export async function endpointForSending(db: DeliveryDatabase, sealer: Sealer, lgCode: string): Promise<(Endpoint & { token: string | null }) | undefined> {
  const row = await db.selectFrom('delivery_endpoints').selectAll().where('lg_code', '=', lgCode).executeTakeFirst();
  return row && { ...endpointOf(row), token: row.token_sealed === null ? null : sealer.open(row.token_sealed, tokenContext(lgCode)) };
}

/** The endpoints that take `procedures` of these tenants now (enabled, covering the procedure). */
export async function coveringEndpoints(db: DeliveryDatabase, lgCodes: string[]): Promise<Map<string, { procedures: string[] | null }>> {
  if (lgCodes.length === 0) return new Map();
  const rows = await db.selectFrom('delivery_endpoints').select(['lg_code', 'procedures']).where('lg_code', 'in', lgCodes).where('enabled', '=', true).execute();
  return new Map(rows.map((r) => [r.lg_code, { procedures: r.procedures }]));
}

/**
 * Creates (expected null) or replaces (expected: the version read) the endpoint; undefined when
 * someone else saved or created it first.
 */
export async function saveEndpoint(db: DeliveryDatabase, sealer: Sealer, lgCode: string, input: EndpointInput, expected: number | null, actor: string): Promise<number | undefined> {
  const token = input.token === undefined ? undefined : input.token === null ? null : sealer.seal(input.token, tokenContext(lgCode));
  const procedures = input.procedures === null ? null : JSON.stringify(input.procedures);
  if (expected === null) {
    const row = await db
      .insertInto('delivery_endpoints')
      .values({ lg_code: lgCode, url: input.url, token_sealed: token ?? null, procedures, enabled: input.enabled, created_by: actor, updated_by: actor })
      .onConflict((oc) => oc.column('lg_code').doNothing())
      .returning('version')
      .executeTakeFirst();
    return row?.version;
  }
  const row = await db
    .updateTable('delivery_endpoints')
    .set({ url: input.url, ...(token !== undefined ? { token_sealed: token } : {}), procedures, enabled: input.enabled, updated_by: actor, updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
    .where('lg_code', '=', lgCode)
    .where('version', '=', expected)
    .returning('version')
    .executeTakeFirst();
  return row?.version;
}

export async function deleteEndpoint(db: DeliveryDatabase, lgCode: string, expected: number): Promise<boolean> {
  const deleted = await db.deleteFrom('delivery_endpoints').where('lg_code', '=', lgCode).where('version', '=', expected).executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}
