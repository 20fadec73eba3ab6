// Row types of the delivery module's tables, joined with the procedures module's (whose
// applications it delivers) for this module's queries.
import type { Generated, JSONColumnType, Kysely } from 'kysely';
import type { Database } from '../../platform/db/database.ts';
import type { ProceduresDB } from '../../procedures/db/schema.ts';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryEndpointsTable {
  lg_code: string;
  url: string;
  token_sealed: string | null;
  procedures: JSONColumnType<string[] | null, string | null, string | null>;
  enabled: boolean;
  version: Generated<number>;
  created_by: string;
  updated_by: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface DeliveryDeliveriesTable {
  id: string;
  lg_code: string;
  application_id: string;
  status: Generated<DeliveryStatus>;
  job_id: string | number | null;
  attempts: Generated<number>;
  retries: Generated<number>;
  last_error: string | null;
  last_http_status: number | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  delivered_at: Date | null;
}

export interface DeliveryTables {
  delivery_endpoints: DeliveryEndpointsTable;
  delivery_deliveries: DeliveryDeliveriesTable;
}

export type DeliveryDB = ProceduresDB & DeliveryTables;
export type DeliveryDatabase = Kysely<DeliveryDB>;

export function deliveryDb(db: Database): DeliveryDatabase {
  return db as unknown as DeliveryDatabase;
}
