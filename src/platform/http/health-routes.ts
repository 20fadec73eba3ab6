// /healthz: the process is up (for a supervisor's liveness probe; touches nothing).
// /readyz: the database answers and every migration is applied (for a load balancer).
import type { FastifyInstance } from 'fastify';
import { ping, type Database } from '../db/database.ts';
import { pendingMigrations, type MigrationSet } from '../db/migrator.ts';

export async function healthRoutes(app: FastifyInstance, deps: { db: Database; migrations: MigrationSet }) {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    try {
      await ping(deps.db);
      const pending = await pendingMigrations(deps.db, deps.migrations);
      if (pending.length > 0) {
        return reply.code(503).send({ status: 'unavailable', database: 'ok', pendingMigrations: pending });
      }
      return { status: 'ok', database: 'ok', pendingMigrations: [] };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      return reply.code(503).send({ status: 'unavailable', database: 'unreachable' });
    }
  });
}
