import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../../test/helpers/test-database.ts';
import { issueApiToken } from '../../authz/api-tokens.ts';
import { grantRole } from '../../authz/role-assignments.ts';
import { system } from '../../authz/actor.ts';

describe('HTTP server', () => {
  let t: TestApp;
  let adminToken: string;
  before(async () => {
    t = await createTestApp({ config: { bodyLimit: 4096, rateLimitPerMinute: 1000 } });
    const issued = await issueApiToken(t.ctx.db, { name: 'admin', createdBy: 'system' });
    await grantRole(t.ctx, system, { principalId: issued.principalId, role: 'municipal_admin', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072036' } });
    adminToken = issued.token;
  });
  after(() => t.close());

  it('/healthz should answer 200 when the process is up', async () => {
    const res = await t.app.inject('/healthz');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'ok');
  });

  it('/readyz should answer 200 when the database answers and migrations are applied', async () => {
    const res = await t.app.inject('/readyz');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().pendingMigrations, []);
  });

  it('should answer 404 problem+json when an API route does not exist', async () => {
    const res = await t.app.inject('/api/v1/nothing-here');
    assert.equal(res.statusCode, 404);
    assert.match(res.headers['content-type'] as string, /application\/problem\+json/);
    const body = res.json();
    assert.equal(body.code, 'TSN_PLATFORM_NOT_FOUND');
    assert.equal(body.type, '/problems/platform-not-found');
    assert.equal(body.instance, '/api/v1/nothing-here');
    assert.equal(body.requestId, res.headers['x-request-id']);
  });

  it('should answer 400 naming the problem when the JSON body is malformed', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/tenants/072036',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}`, 'if-match': '"v1"' },
      payload: '{"contact": {"phone": ',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'TSN_PLATFORM_MALFORMED_JSON');
  });

  it('should answer 413 when the body is larger than the limit', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/tenants/072036',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}`, 'if-match': '"v1"' },
      payload: JSON.stringify({ contact: { addressJa: 'あ'.repeat(5000) } }),
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'TSN_PLATFORM_BODY_TOO_LARGE');
  });

  it('should answer 415 when the content type is not supported', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/tenants/072036',
      headers: { 'content-type': 'application/xml', authorization: `Bearer ${adminToken}`, 'if-match': '"v1"' },
      payload: '<contact/>',
    });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().code, 'TSN_PLATFORM_UNSUPPORTED_MEDIA_TYPE');
  });

  it('should answer 400 listing each invalid field when the body breaks the schema', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/tenants/072036',
      headers: { authorization: `Bearer ${adminToken}`, 'if-match': '"v1"' },
      payload: { contact: { phone: 'call us', fax: '1' } },
    });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.code, 'TSN_PLATFORM_VALIDATION');
    assert.ok(body.errors.length >= 1);
    assert.ok(body.errors.every((e: { in: string }) => e.in === 'body'));
  });

  it('should echo a well-formed X-Request-Id and replace a malformed one', async () => {
    const kept = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'lb-1234567890' } });
    assert.equal(kept.headers['x-request-id'], 'lb-1234567890');
    const replaced = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id <script>' } });
    assert.match(replaced.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/);
  });

  it('should send security headers on pages', async () => {
    const res = await t.app.inject('/');
    assert.match(res.headers['content-security-policy'] as string, /default-src 'self'/);
    assert.match(res.headers['content-security-policy'] as string, /frame-ancestors 'none'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'same-origin');
  });

  it('should compress large answers when the client accepts gzip', async () => {
    const res = await t.app.inject({ url: '/api/v1/tenants', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    const plain = await t.app.inject('/api/v1/tenants');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(res.rawPayload.length < plain.rawPayload.length / 3);
  });

  it('should answer 401 with WWW-Authenticate when a bearer token is unknown', async () => {
    const res = await t.app.inject({ url: '/api/v1/me', headers: { authorization: 'Bearer tsn_not-a-real-token' } });
    assert.equal(res.statusCode, 401);
    assert.match(res.headers['www-authenticate'] as string, /invalid_token/);
  });

  it('should answer 404 problem+json when a known path is asked with an unsupported method', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/tenants' });
    assert.equal(res.statusCode, 404);
    assert.match(res.headers['content-type'] as string, /problem\+json/);
  });
});

describe('HTTP server rate limit', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ config: { rateLimitPerMinute: 3 } });
  });
  after(() => t.close());

  it('should answer 429 problem+json with Retry-After when a client exceeds the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.app.inject('/api/v1/tenants')).statusCode);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const res = await t.app.inject('/api/v1/tenants');
    assert.equal(res.json().code, 'TSN_PLATFORM_RATE_LIMITED');
    assert.ok(Number(res.headers['retry-after']) > 0);
    // Health checks are never rate limited (load balancers poll them).
    assert.equal((await t.app.inject('/healthz')).statusCode, 200);
  });
});
