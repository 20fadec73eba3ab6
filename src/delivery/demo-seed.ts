// The demo's core-system receiver (src/demo/core-receiver, started by `tsunagu serve` on
// basePort+5) and the two demo cities' endpoints pointing at it, each with a token of its own
// derived from the data key (as the demo providers' are), so nothing secret is in the code.
import { system, actorId } from '../platform/authz/actor.ts';
import type { AppContext } from '../platform/module.ts';
import { deliveryDb } from './db/schema.ts';
import { findEndpoint, saveEndpoint } from './endpoints/endpoint-store.ts';

export const DEMO_DELIVERY_CITIES = ['072028', '072036'] as const;
export const RECEIVER_PORT_OFFSET = 5;

export interface ReceiverSettings {
  port: number;
  url: string;
  /** Bearer token per tenant; the receiver takes the tenant from the token. */
  tokens: Record<string, string>;
}

export function receiverSettings(app: AppContext): ReceiverSettings {
  const port = app.config.port + RECEIVER_PORT_OFFSET;
  return {
    port,
    url: `http://127.0.0.1:${port}/deliveries`,
    tokens: Object.fromEntries(DEMO_DELIVERY_CITIES.map((lgCode) => [lgCode, app.sealer.blindIndex(`demo:core-receiver:${lgCode}`, 'delivery.demo-secrets')])),
  };
}

export async function seedDeliveryDemo(app: AppContext): Promise<void> {
  const settings = receiverSettings(app);
  const db = deliveryDb(app.db);
  for (const lgCode of DEMO_DELIVERY_CITIES) {
    if (!(await app.tenants.get(lgCode)) || (await findEndpoint(db, lgCode))) continue;
    await saveEndpoint(db, app.sealer, lgCode, { url: settings.url, token: settings.tokens[lgCode]!, procedures: null, enabled: true }, null, actorId(system));
  }
}
