// The API gateway (steps 4–5 of the design's five). A service calls
//   GET /gateway/{provider}/{path}[?items=a,b&…]
//   Authorization: Bearer <its client-credentials token>
//   Tsunagu-Subject: <the resident's OIDC sub>      Tsunagu-Purpose: <a registered purpose code>
// The gateway checks, on every call (a revocation or suspension counts from the next call, in
// every server process: gateway-state.ts): the service is approved and not suspended, the items
// are registered for it, the resident has a consent in force for this service, provider and
// purpose covering the items. It then forwards the call with the provider's own credentials and the resident's id at
// that provider, and returns only the consented items (top-level members of the provider's JSON
// answer). A provider of kind `broker` (personal entity types in the City OS broker) is read
// in-process instead (broker-source.ts). Every call on a known resident's data — allowed,
// refused or failed — is written to their access log.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, PlatformErrors, type ErrorDefinition } from '../../platform/errors.ts';
import { isUuid } from '../../platform/uuid.ts';
import type { AccessOutcome } from '../db/schema.ts';
import { GatewayErrors, OptinErrors } from '../errors.ts';
import type { OptinContext } from '../optin-context.ts';
import type { AccessEntry } from './access-log.ts';
import { credentialsOf } from './gateway-state.ts';
import { readFromBroker } from './broker-source.ts';
import { callProvider } from './provider-client.ts';
import { forgetLink, residentRefFor } from './subject-links.ts';

const ITEM = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() || undefined;
}

export async function gatewayRoutes(app: FastifyInstance, ctx: OptinContext): Promise<void> {
  const forward = async (request: FastifyRequest<{ Params: { provider: string; '*': string } }>, reply: FastifyReply) => {
    const started = performance.now();
    const actor = request.actor;
    if (actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
    const clientId = ctx.identity.clientIdOf(actor);
    if (!clientId) throw new AppError(OptinErrors.NOT_A_SERVICE);
    const subject = header(request, 'tsunagu-subject');
    const purpose = header(request, 'tsunagu-purpose')?.slice(0, 64);
    const [, rawQuery = ''] = request.url.split(/\?(.*)/s, 2);
    const query = new URLSearchParams(rawQuery);
    const path = `/${request.params['*'] ?? ''}`;

    const state = await ctx.gatewayState.read(clientId, request.params.provider, subject && isUuid(subject) ? subject : null, purpose ?? '');
    const { account, service, provider, consent } = state;
    if (!service || service.status === 'pending' || service.status === 'rejected') throw new AppError(OptinErrors.NOT_A_SERVICE);

    const entry: AccessEntry = {
      accountId: account?.status === 'active' && account.kind === 'resident' ? account.id : null,
      serviceId: service.id,
      clientId,
      providerId: request.params.provider.slice(0, 64),
      consentId: null,
      purposeCode: purpose ?? null,
      method: request.method,
      path,
      itemsRequested: [],
      itemsReleased: [],
      itemsWithheld: [],
      outcome: 'refused',
      reason: null,
      status: 403,
      durationMs: 0,
      requestId: request.id,
    };
    const log = (outcome: AccessOutcome, status: number, reason: string | null) => ctx.roundTrips.record({ ...entry, outcome, status, reason, durationMs: performance.now() - started });
    const allowed = () => log('allowed', 200, entry.itemsWithheld.length ? 'items_withheld' : null);
    /** Refuses the call; a refusal that concerns a known resident goes to their access log. */
    const refuse = async (definition: ErrorDefinition, reason: string, outcome: AccessOutcome = 'refused'): Promise<never> => {
      if (entry.accountId) await log(outcome, definition.status, reason);
      throw new AppError(definition);
    };
    const released = (r: FastifyReply) =>
      r
        .header('cache-control', 'no-store')
        .header('tsunagu-consent', entry.consentId!)
        .header('tsunagu-items-released', entry.itemsReleased.join(','))
        .header('tsunagu-items-withheld', entry.itemsWithheld.join(','))
        .type('application/json; charset=utf-8');

    if (service.status === 'suspended') await refuse(GatewayErrors.SERVICE_SUSPENDED, 'service_suspended');
    if (request.method !== 'GET') throw new AppError(GatewayErrors.METHOD_NOT_FORWARDED, { headers: { allow: 'GET' } });
    if (!provider) throw new AppError(OptinErrors.PROVIDER_NOT_FOUND);
    if (!subject) throw new AppError(GatewayErrors.SUBJECT_MISSING);
    if (!purpose) throw new AppError(GatewayErrors.PURPOSE_MISSING);
    // The provider's credentials go only below its registered endpoint: no dot segments, raw or encoded.
    const rawPath = request.url.split('?')[0]!.slice(`/gateway/${request.params.provider}`.length);
    if (rawPath.split('/').some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment)) || path.split('/').some((segment) => segment === '.' || segment === '..' || segment.includes('\\'))) {
      throw new AppError(PlatformErrors.BAD_REQUEST, { detail: { ja: 'パスに . や .. は使えません', en: 'The path may not contain . or .. segments' } });
    }

    const asked = query.get('items');
    const requested = asked === null ? state.registered : [...new Set(asked.split(',').map((s) => s.trim()).filter(Boolean))];
    if (requested.some((code) => !ITEM.test(code))) throw new AppError(PlatformErrors.BAD_REQUEST, { detail: { ja: 'items の指定が正しくありません', en: 'items must be a comma-separated list of item codes' } });
    entry.itemsRequested = requested;
    if (requested.length === 0 || requested.some((code) => !state.registered.includes(code))) await refuse(GatewayErrors.ITEMS_NOT_REGISTERED, 'items_not_registered');
    if (!entry.accountId) await refuse(GatewayErrors.CONSENT_REQUIRED, 'unknown_subject');
    if (!consent) await refuse(GatewayErrors.CONSENT_REQUIRED, 'no_consent');
    entry.consentId = consent!.id;
    entry.itemsReleased = requested.filter((code) => consent!.items.includes(code));
    entry.itemsWithheld = requested.filter((code) => !consent!.items.includes(code));
    if (entry.itemsReleased.length === 0) await refuse(GatewayErrors.CONSENT_REQUIRED, 'items_not_consented');
    if (provider.status !== 'active') await refuse(GatewayErrors.PROVIDER_SUSPENDED, 'provider_suspended', 'failed');

    if (provider.kind === 'broker') {
      const found = await readFromBroker(ctx, provider, entry.accountId!, entry.itemsReleased, path, query);
      // Like a malformed items list: the service's mistake, not an access to the resident's data.
      if (found.kind === 'bad_request') throw new AppError(PlatformErrors.BAD_REQUEST, { detail: { ja: found.ja, en: found.en } });
      if (found.kind === 'no_record') await refuse(GatewayErrors.NO_RECORD, 'no_record', 'failed');
      const { body, total } = found as { body: unknown; total?: number };
      await allowed();
      if (total !== undefined) reply.header('ngsild-results-count', String(total));
      return released(reply)
        .header('link', `<${ctx.broker.CORE_CONTEXT_URL}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`)
        .send(body);
    }
    const endpoint = provider.endpoint!;

    const credentials = credentialsOf(ctx, provider);
    const link = await residentRefFor(ctx, entry.accountId!, { ...provider, endpoint }, credentials, state.residentRef);
    if (link.kind === 'no_card') await refuse(GatewayErrors.NOT_LINKED, 'no_card_check');
    if (link.kind === 'no_record') await refuse(GatewayErrors.NO_RECORD, 'no_record', 'failed');
    if (link.kind === 'failed') await refuse(link.answer.kind === 'failed' && link.answer.reason === 'timeout' ? GatewayErrors.PROVIDER_TIMEOUT : GatewayErrors.PROVIDER_ERROR, `link_${link.answer.kind === 'failed' ? link.answer.reason : `status_${link.answer.status}`}`, 'failed');
    const residentRef = (link as { residentRef: string }).residentRef;

    query.delete('items');
    // The call is logged as allowed while the provider is called, not after it answers: one wait
    // fewer per call. Nothing is answered before the row is committed; if the provider fails,
    // the row is amended to say so (an application crash in between leaves it saying allowed:
    // the resident's log never shows less than happened).
    entry.callId = randomUUID();
    const logged = allowed();
    logged.catch(() => undefined); // awaited below, after the provider's answer
    const answer = await callProvider(ctx.app.outbound, { endpoint, timeoutMs: provider.timeoutMs }, credentials, {
      method: 'GET',
      path,
      query: query.toString(),
      headers: { 'tsunagu-resident-id': residentRef, 'tsunagu-request-id': request.id, 'tsunagu-purpose': purpose, 'tsunagu-items': entry.itemsReleased.join(',') },
    });
    const rowId = (await logged)!;
    /** The provider failed: the row says so, and the service gets the gateway's error even if amending it failed. */
    const fail = async (definition: ErrorDefinition, reason: string): Promise<never> => {
      try {
        await ctx.roundTrips.amend(rowId, { outcome: 'failed', status: definition.status, reason, durationMs: performance.now() - started });
      } catch (error) {
        request.log.error({ err: error, accessLogId: rowId }, 'the access-log row of a failed call still says allowed');
      }
      throw new AppError(definition);
    };
    if (answer.kind === 'failed') await fail(answer.reason === 'timeout' ? GatewayErrors.PROVIDER_TIMEOUT : GatewayErrors.PROVIDER_ERROR, answer.reason);
    const { status, body } = answer as { status: number; body: unknown };
    if (status === 404) {
      await fail(GatewayErrors.NO_RECORD, 'no_record').finally(() => forgetLink(ctx, entry.accountId!, provider.id));
    }
    if (status !== 200 || !body || typeof body !== 'object' || Array.isArray(body)) await fail(GatewayErrors.PROVIDER_ERROR, `status_${status}`);
    // Only consented items leave the gateway: top-level members named by an item code.
    const filtered: Record<string, unknown> = {};
    for (const code of entry.itemsReleased) if (Object.hasOwn(body as object, code)) filtered[code] = (body as Record<string, unknown>)[code];
    return released(reply).send(filtered);
  };
  app.route<{ Params: { provider: string; '*': string } }>({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/gateway/:provider/*',
    // A resident's record is a few kB for a server on a data-centre network: compressing it cost
    // more of the gateway's time than it saves on the wire. Long entity lists still are.
    compress: { threshold: 32 * 1024, encodings: ['br', 'gzip'] },
    handler: forward,
  });
}
