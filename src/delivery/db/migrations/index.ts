// The delivery module's migrations, listed explicitly. Never edit one once merged: add a new one.
import type { Migration } from 'kysely';
import * as endpoints from './2026-12-05T0900-delivery-endpoints.ts';

export const deliveryMigrations: Record<string, Migration> = {
  '2026-12-05T0900-delivery-endpoints': endpoints,
};
