// Retrieve Context Source Identity Information (clause 5.15.1, 6.33): GET /info/sourceIdentity
// answers a ContextSourceIdentity (5.2.40), so that a broker this one registers with can learn
// the contextSourceAlias to put in the registration, and loop detection (5.12) then works.
// A module of its own because /info is a resource family apart from entities and discovery.
import type { FastifyInstance } from 'fastify';
import { brokerAlias } from '../registrations/federation.ts';
import { begin, type BrokerServices } from './broker-services.ts';
import { negotiate, sendNgsi } from './ngsi-http.ts';

/** An ISO 8601 duration for a number of seconds, to the millisecond: 3723.5 → "PT1H2M3.5S". */
export function isoDuration(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const days = Math.floor(ms / 86_400_000);
  const hours = Math.floor((ms % 86_400_000) / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const secs = (ms % 60_000) / 1000;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${secs || (!days && !hours && !minutes) ? `${secs}S` : ''}`;
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/** The id of the source named `alias`: characters a URN may not hold (an IPv6 host's brackets) percent-encoded. */
export function contextSourceId(alias: string): string {
  return `urn:ngsi-ld:ContextSource:${alias.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@]/g, (c) => encodeURIComponent(c))}`;
}

export async function infoRoutes(app: FastifyInstance, services: BrokerServices): Promise<void> {
  // contextSourceAlias is the name this broker puts in the Via header when it forwards a request
  // (Federation.alias): other brokers compare a registration's contextSourceAlias with the Via
  // hops to detect loops (5.12), so the two must stay the same.
  const alias = brokerAlias(services.ctx.config.publicUrl);
  const id = contextSourceId(alias);

  app.get('/ngsi-ld/v1/info/sourceIdentity', async (request, reply) => {
    const answer = negotiate(request);
    const { tenant, terms } = await begin(services, request, 'broker.read');
    const body = {
      id,
      type: 'ContextSourceIdentity',
      contextSourceAlias: alias,
      contextSourceUptime: isoDuration(process.uptime()),
      contextSourceTimeAt: new Date().toISOString(),
      // Raw JSON (not JSON-LD): configuration a client may want, nothing secret.
      contextSourceExtras: { software: 'Tsunagu', ngsildVersion: '1.9.1', tenant: tenant.name },
    };
    return sendNgsi(reply, 200, body, terms, answer);
  });
}
