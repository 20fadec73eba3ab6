// The gateway's per-process cache of service, provider and consent state (gateway-state.ts) never
// outlives a change: a revocation, a suspension, a new consent or a consent's end of validity
// counts from the very next call, in the process that made the change and in another server
// process on the same database (a second Tsunagu with its own caches, as in the broker's tests).
import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { sql } from 'kysely';
import { buildTsunagu, type Tsunagu } from '../../app.ts';
import { testConfig } from '../../../test/helpers/test-database.ts';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { createOptinContext } from '../optin-context.ts';
import { GatewayRoundTrips } from '../gateway/gateway-round-trips.ts';
import { HANAKO, registerService, resident, startWorld, type OptinWorld, type Resident, type TestService } from './optin-helpers.ts';

describe('the gateway’s cached state, in two server processes on one database', () => {
  let world: OptinWorld;
  let other: Tsunagu;
  let service: TestService;
  let token: string;
  let hanako: Resident;

  before(async () => {
    world = await startWorld([6100, 6120]);
    other = await buildTsunagu({ config: testConfig({ smtpUrl: undefined, publicUrl: world.base }), database: world.app.database, logger: false, migrate: false });
    service = await registerService(world, 'kosodate');
    token = await service.token();
    hanako = await resident(world, 'hanako@example.jp', HANAKO);
  });
  after(async () => {
    mock.timers.reset();
    await other?.close();
    await world?.close();
  });

  const headers = (subject: string) => ({ authorization: `Bearer ${token}`, 'tsunagu-subject': subject, 'tsunagu-purpose': 'checkup-reminders', accept: 'application/json' });
  const url = '/gateway/child-health/v1/record?items=checkups,vaccinations';
  /** The same call through this process (over HTTP) and through the other one. */
  const here = async (subject: string) => {
    const answer = await world.api('GET', url, undefined, token, headers(subject));
    return { status: answer.status, code: answer.body?.code as string | undefined };
  };
  const there = async (subject: string) => {
    const answer = await other.app.inject({ method: 'GET', url, headers: headers(subject) });
    return { status: answer.statusCode, code: (answer.json() as { code?: string }).code };
  };
  const both = async (subject: string) => [await here(subject), await there(subject)];

  async function consent(who: Resident): Promise<string> {
    const created = await world.api('POST', '/api/v1/consent-requests', { subject: who.accountId, provider: 'child-health', items: ['checkups', 'vaccinations'], purpose: 'checkup-reminders', retentionDays: 30, validDays: 365, returnUri: service.redirect }, token);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const page = await (await who.browser.request(created.body.url)).text();
    const decided = await who.browser.request(created.body.url, { form: { _csrf: hiddenField(page, '_csrf'), decision: 'approve' } });
    assert.equal(decided.status, 303);
    const status = await world.api('GET', `/api/v1/consent-requests/${created.body.id}`, undefined, token);
    return status.body.consentId as string;
  }

  async function revoke(who: Resident, consentId: string) {
    const detail = await (await who.browser.request(`${world.base}/account/consents/${consentId}`)).text();
    const revoked = await who.browser.request(`${world.base}/account/consents/${consentId}/revoke`, { form: { _csrf: hiddenField(detail, '_csrf') } });
    assert.equal(revoked.status, 303);
  }

  const ok = { status: 200, code: undefined };
  const noConsent = { status: 403, code: 'TSN_GATEWAY_CONSENT_REQUIRED' };

  it('a consent given, revoked and given again counts from the next call in both processes', async () => {
    assert.deepEqual(await both(hanako.accountId), [noConsent, noConsent], 'no consent yet (and that answer is cached)');
    const first = await consent(hanako);
    assert.deepEqual(await both(hanako.accountId), [ok, ok], 'the new consent is seen at once');
    assert.deepEqual(await both(hanako.accountId), [ok, ok]);
    await revoke(hanako, first);
    assert.deepEqual(await there(hanako.accountId), noConsent, 'revoked here, refused there on the very next call');
    assert.deepEqual(await here(hanako.accountId), noConsent);
    await consent(hanako);
    assert.deepEqual(await both(hanako.accountId), [ok, ok]);
  });

  it('suspending the service or the provider stops its calls at once in both processes, and resuming restores them', async () => {
    assert.deepEqual(await both(hanako.accountId), [ok, ok]);
    assert.equal((await world.api('POST', '/api/v1/gateway/services/kosodate/status', { status: 'suspended', reason: '調査のため' })).status, 200);
    const suspended = { status: 403, code: 'TSN_GATEWAY_SERVICE_SUSPENDED' };
    assert.deepEqual(await both(hanako.accountId), [suspended, suspended]);
    // Resumed through the other process this time.
    const resumed = await other.app.inject({ method: 'POST', url: '/api/v1/gateway/services/kosodate/status', headers: { authorization: `Bearer ${world.adminToken}`, accept: 'application/json' }, payload: { status: 'approved' } });
    assert.equal(resumed.statusCode, 200, resumed.body);
    assert.deepEqual(await both(hanako.accountId), [ok, ok]);

    assert.equal((await world.api('PATCH', '/api/v1/gateway/providers/child-health', { status: 'suspended' })).status, 200);
    const [a, b] = await both(hanako.accountId);
    assert.equal(a!.code, 'TSN_GATEWAY_PROVIDER_SUSPENDED');
    assert.equal(b!.code, 'TSN_GATEWAY_PROVIDER_SUSPENDED');
    assert.equal((await world.api('PATCH', '/api/v1/gateway/providers/child-health', { status: 'active' })).status, 200);
    assert.deepEqual(await both(hanako.accountId), [ok, ok]);
  });

  it('changed provider credentials are used from the next call in both processes', async () => {
    assert.equal((await world.api('PUT', '/api/v1/gateway/providers/child-health/credentials', { method: 'bearer', token: 'a-token-the-provider-refuses' })).status, 204);
    const [a, b] = await both(hanako.accountId);
    assert.equal(a!.code, 'TSN_GATEWAY_PROVIDER_ERROR', 'the provider refused the new token');
    assert.equal(b!.code, 'TSN_GATEWAY_PROVIDER_ERROR');
    const { PROVIDER_TOKEN } = await import('./optin-helpers.ts');
    assert.equal((await world.api('PUT', '/api/v1/gateway/providers/child-health/credentials', { method: 'bearer', token: PROVIDER_TOKEN })).status, 204);
    assert.deepEqual(await both(hanako.accountId), [ok, ok]);
  });

  it('a consent whose validity ends while cached is refused from then on, with nothing changed in the database', async () => {
    // Validity ending a minute from now (a change: both processes read it again on their next call).
    await sql`update optin_consents set valid_until = now() + interval '1 minute' where account_id = ${hanako.accountId} and revoked_at is null`.execute(world.app.ctx.db);
    assert.deepEqual(await both(hanako.accountId), [ok, ok]);
    assert.deepEqual(await both(hanako.accountId), [ok, ok], 'served from the cache');
    const versions = () => sql<{ key: string; version: string }>`select key, version::text from optin_state_versions order by key`.execute(world.app.ctx.db).then((r) => r.rows);
    const before = await versions();
    // Two minutes later, by the clock of both processes (the same clock here).
    mock.timers.enable({ apis: ['Date'], now: Date.now() + 2 * 60_000 });
    try {
      assert.deepEqual(await both(hanako.accountId), [noConsent, noConsent], 'expired: no consent in either process');
    } finally {
      mock.timers.reset();
    }
    assert.deepEqual(await versions(), before, 'no change in the database told them: each call checked the clock');
    const log = await (await hanako.browser.request(`${world.base}/account/access-log?outcome=refused`)).text();
    assert.match(log, /同意がないため/);
  });

  it('a new resident’s consent and another resident’s revocation do not mix up cached state', async () => {
    const yumi = await resident(world, 'yumi@example.jp', HANAKO);
    assert.deepEqual(await both(yumi.accountId), [noConsent, noConsent]);
    const yumis = await consent(yumi);
    await consent(hanako);
    assert.deepEqual(await both(yumi.accountId), [ok, ok]);
    assert.deepEqual(await both(hanako.accountId), [ok, ok]);
    await revoke(yumi, yumis);
    assert.deepEqual(await both(yumi.accountId), [noConsent, noConsent]);
    assert.deepEqual(await both(hanako.accountId), [ok, ok], 'another resident’s consent is untouched');
  });

  it('calls in flight together, for residents with and without a consent, each get their own answer', async () => {
    const kenji = await resident(world, 'kenji@example.jp', HANAKO);
    // Warm both processes' caches, then send the calls at once (their checks are read together).
    await both(kenji.accountId);
    await both(hanako.accountId);
    const subjects = Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? kenji.accountId : hanako.accountId));
    const answers = await Promise.all(subjects.map((s, i) => (i % 2 ? here(s) : there(s))));
    assert.deepEqual(answers, subjects.map((s) => (s === kenji.accountId ? noConsent : ok)));
  });

  it('plans the batch statement once per connection on PostgreSQL, and answers each call with its own versions', async () => {
    const ctx = createOptinContext(world.app.ctx);
    const keys = (id: string): [string, string, string] => ['service:kosodate', 'provider:child-health', `account:${id}`];
    // One transaction, rolled back: one connection, whose prepared statements pg_prepared_statements lists.
    const rollback = new Error('rollback');
    const done = world.app.ctx.db.transaction().execute(async (trx) => {
      await sql`insert into optin_state_versions (key, version) values (${`account:${hanako.accountId}`}, 41)
        on conflict (key) do update set version = 41`.execute(trx);
      const trips = new GatewayRoundTrips({ db: trx as never, identity: ctx.identity });
      for (let i = 0; i < 12; i++) {
        const [mine, unknown] = await Promise.all([trips.versions(hanako.accountId, keys(hanako.accountId)), trips.versions(null, keys(''))]);
        assert.equal(mine.account?.id, hanako.accountId);
        assert.equal(Number(mine.account_state), 41);
        assert.equal(unknown.account, null);
      }
      // PostgreSQL plans a prepared statement anew for its first five executions, then keeps a
      // generic plan unless one planned for the values looks cheaper: with the reads passed as
      // arrays it always did, and planning cost four times the execution. (PGlite prepares nothing.)
      if (world.app.database.kind === 'postgres') {
        const plans = (await sql<{ generic_plans: number; custom_plans: number }>`select generic_plans, custom_plans from pg_prepared_statements
          where not from_sql and statement like '%optin_access_log%'`.execute(trx)).rows;
        assert.equal(plans.length, 1);
        assert.ok(plans[0]!.generic_plans >= 6, JSON.stringify(plans));
      }
      throw rollback;
    });
    await assert.rejects(done, (error) => error === rollback);
  });
});
