// The API gateway (steps 4–5 of the design's five). A service calls
//   GET /gateway/{provider}/{path}[?items=a,b&…]
//   Authorization: Bearer <its client-credentials token>
//   Tsunagu-Subject: <the resident's OIDC sub>      Tsunagu-Purpose: <a registered purpose code>
// The gateway checks, on every call and against the database (a revocation or suspension counts
// from the next call): the service is approved and not suspended, the items are registered for
// it, the resident has a consent in force for this service, provider and purpose covering the
// items. It then forwards the call with the provider's own credentials and the resident's id at
// that provider, and returns only the consented items (top-level members of the provider's JSON
// answer). Every call — allowed, refused or failed — is written to the resident's access log.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, PlatformErrors, type ErrorDefinition } from '../../platform/errors.ts';
import { callingService } from '../consents/consent-requests-api.ts';
import type { AccessOutcome } from '../db/schema.ts';
import { GatewayErrors, OptinErrors } from '../errors.ts';
import type { OptinContext } from '../optin-context.ts';
import type { Service } from '../registry/registry.ts';
import { recordAccess, type AccessEntry } from './access-log.ts';
import { callProvider } from './provider-client.ts';
import { forgetLink, residentRefFor } from './subject-links.ts';

const ITEMS = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() || undefined;
}

export async function gatewayRoutes(app: FastifyInstance, ctx: OptinContext): Promise<void> {
  const forward = async (request: FastifyRequest<{ Params: { provider: string; '*': string } }>, reply: FastifyReply) => {
    const started = performance.now();
    const [, rawQuery = ''] = request.url.split(/\?(.*)/s, 2);
    const query = new URLSearchParams(rawQuery);
    const path = `/${request.params['*'] ?? ''}`;
    const entry: AccessEntry = {
      accountId: null,
      serviceId: null,
      clientId: request.actor.kind === 'principal' ? request.actor.principalId.replace(/^client:/, '') : 'anonymous',
      providerId: request.params.provider,
      consentId: null,
      purposeCode: header(request, 'tsunagu-purpose')?.slice(0, 64) ?? null,
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
    const log = (outcome: AccessOutcome, status: number, reason: string | null) => recordAccess(ctx.db, { ...entry, outcome, status, reason, durationMs: performance.now() - started });
    const refuse = async (definition: ErrorDefinition, reason: string, outcome: AccessOutcome = 'refused'): Promise<never> => {
      // Refusals before the resident is known (no token, no subject) concern no one's data.
      if (entry.accountId || entry.serviceId) await log(outcome, definition.status, reason);
      throw new AppError(definition);
    };

    let service: Service;
    try {
      service = await callingService(ctx, request);
    } catch (error) {
      if (error instanceof AppError && error.definition === GatewayErrors.SERVICE_SUSPENDED) {
        const suspended = await ctx.registry.findServiceByClient(ctx.db, entry.clientId);
        entry.serviceId = suspended?.id ?? null;
        const subject = header(request, 'tsunagu-subject');
        const account = subject ? await ctx.identity.findAccountSummary(ctx.app, subject) : undefined;
        entry.accountId = account?.id ?? null;
        await refuse(GatewayErrors.SERVICE_SUSPENDED, 'service_suspended');
      }
      throw error;
    }
    entry.serviceId = service.id;
    if (request.method !== 'GET') throw new AppError(GatewayErrors.METHOD_NOT_FORWARDED, { headers: { allow: 'GET' } });
    const provider = await ctx.registry.findProvider(ctx.db, request.params.provider);
    if (!provider) throw new AppError(OptinErrors.PROVIDER_NOT_FOUND);
    const subject = header(request, 'tsunagu-subject');
    if (!subject) throw new AppError(GatewayErrors.SUBJECT_MISSING);
    if (!entry.purposeCode) throw new AppError(GatewayErrors.PURPOSE_MISSING);
    const account = await ctx.identity.findAccountSummary(ctx.app, subject);
    entry.accountId = account?.status === 'active' ? account.id : null;

    const registered = service.items[provider.id] ?? [];
    const asked = query.get('items');
    const requested = asked === null ? registered : [...new Set(asked.split(',').map((s) => s.trim()).filter(Boolean))];
    if (requested.some((code) => !ITEMS.test(code))) throw new AppError(PlatformErrors.BAD_REQUEST, { detail: { ja: 'items の指定が正しくありません', en: 'items must be a comma-separated list of item codes' } });
    entry.itemsRequested = requested;
    if (requested.length === 0 || requested.some((code) => !registered.includes(code))) await refuse(GatewayErrors.ITEMS_NOT_REGISTERED, 'items_not_registered');
    if (!entry.accountId) await refuse(GatewayErrors.CONSENT_REQUIRED, 'unknown_subject');
    const consent = await ctx.consents.inForce(entry.accountId!, service.id, provider.id, entry.purposeCode);
    if (!consent) await refuse(GatewayErrors.CONSENT_REQUIRED, 'no_consent');
    entry.consentId = consent!.id;
    entry.itemsReleased = requested.filter((code) => consent!.items.includes(code));
    entry.itemsWithheld = requested.filter((code) => !consent!.items.includes(code));
    if (entry.itemsReleased.length === 0) await refuse(GatewayErrors.CONSENT_REQUIRED, 'items_not_consented');
    if (provider.status !== 'active') await refuse(GatewayErrors.PROVIDER_SUSPENDED, 'provider_suspended', 'failed');

    const link = await residentRefFor(ctx, entry.accountId!, provider);
    if (link.kind === 'no_card') await refuse(GatewayErrors.NOT_LINKED, 'no_card_check');
    if (link.kind === 'no_record') await refuse(GatewayErrors.NO_RECORD, 'no_record', 'failed');
    if (link.kind === 'failed') await refuse(link.answer.kind === 'failed' && link.answer.reason === 'timeout' ? GatewayErrors.PROVIDER_TIMEOUT : GatewayErrors.PROVIDER_ERROR, `link_${link.answer.kind === 'failed' ? link.answer.reason : `status_${link.answer.status}`}`, 'failed');
    const residentRef = (link as { residentRef: string }).residentRef;

    query.delete('items');
    const answer = await callProvider(provider, await ctx.registry.providerCredentials(ctx.db, provider.id), {
      method: 'GET',
      path,
      query: query.toString(),
      headers: { 'tsunagu-resident-id': residentRef, 'tsunagu-request-id': request.id, 'tsunagu-purpose': entry.purposeCode, 'tsunagu-items': entry.itemsReleased.join(',') },
    });
    if (answer.kind === 'failed') await refuse(answer.reason === 'timeout' ? GatewayErrors.PROVIDER_TIMEOUT : GatewayErrors.PROVIDER_ERROR, answer.reason, 'failed');
    const { status, body } = answer as { status: number; body: unknown };
    if (status === 404) {
      await forgetLink(ctx, entry.accountId!, provider.id);
      await refuse(GatewayErrors.NO_RECORD, 'no_record', 'failed');
    }
    if (status !== 200 || !body || typeof body !== 'object' || Array.isArray(body)) await refuse(GatewayErrors.PROVIDER_ERROR, `status_${status}`, 'failed');
    // Only consented items leave the gateway: top-level members named by an item code.
    const filtered: Record<string, unknown> = {};
    for (const code of entry.itemsReleased) if (Object.hasOwn(body as object, code)) filtered[code] = (body as Record<string, unknown>)[code];
    await log('allowed', 200, entry.itemsWithheld.length ? 'items_withheld' : null);
    return reply
      .header('cache-control', 'no-store')
      .header('tsunagu-consent', consent!.id)
      .header('tsunagu-items-released', entry.itemsReleased.join(','))
      .header('tsunagu-items-withheld', entry.itemsWithheld.join(','))
      .type('application/json; charset=utf-8')
      .send(filtered);
  };
  app.route<{ Params: { provider: string; '*': string } }>({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/gateway/:provider/*', handler: forward });
}
