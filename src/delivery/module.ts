// Delivery to core systems (基幹システム連携, issue 5 part 4): each submitted application whose
// tenant set up an endpoint goes to its core system as signed JSON with a PDF copy, through the
// durable queue (written in the submission's transaction, retried with backoff, deduped by the
// receiver on the delivery id). Administrators manage the endpoint through the API; staff see
// each delivery's status and send failed ones again. docs/procedures.md "Delivery to core
// systems" describes the schema, how to verify the signature, and the retries.
import { onApplicationsSubmitted } from '../procedures/exports.ts';
import { defineModule, type AppContext } from '../platform/module.ts';
import { deliveryApi } from './api/delivery-api.ts';
import { deliveryMigrations } from './db/migrations/index.ts';
import { seedDeliveryDemo } from './demo-seed.ts';
import en from './locales/en.json' with { type: 'json' };
import ja from './locales/ja.json' with { type: 'json' };
import { deliveriesOnSubmit, DELIVERY_TOPIC } from './outbox/enqueue-deliveries.ts';
import { deliverySender } from './outbox/send-delivery.ts';
import { deliveryPages } from './pages/delivery-pages.tsx';

// The submission hook and the job handler need the running application's context, which the
// module's routes step is the first to receive; it runs once per application.
function install(app: AppContext): void {
  onApplicationsSubmitted(app, deliveriesOnSubmit(app));
  app.queue.handle(DELIVERY_TOPIC, deliverySender(app));
}

export const deliveryModule = defineModule({
  name: 'delivery',
  dependsOn: ['tenancy', 'authz', 'audit', 'identity', 'procedures', 'documents'],
  migrations: deliveryMigrations,
  messages: { ja, en },
  grants: {
    municipal_admin: ['delivery.manage_endpoint', 'delivery.read', 'delivery.retry'],
    reviewer: ['delivery.read', 'delivery.retry'],
    approver: ['delivery.read', 'delivery.retry'],
    auditor: ['delivery.read'],
  },
  routes: async (fastify, app) => {
    install(app);
    await deliveryApi(fastify, app);
    await deliveryPages(fastify, app);
  },
  seed: async (app) => {
    // Only where the demo receiver runs: elsewhere the endpoints would point at nothing.
    if (!app.config.production && app.config.demoProcesses) await seedDeliveryDemo(app);
  },
});
