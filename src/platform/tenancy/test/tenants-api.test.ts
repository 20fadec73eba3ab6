import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../../test/helpers/test-database.ts';

describe('tenants API', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('GET /api/v1/tenants should list the prefecture, its 7 zones and 59 municipalities', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/tenants' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.prefectures.length, 1);
    const fukushima = body.prefectures[0];
    assert.equal(fukushima.lgCode, '070009');
    assert.deepEqual(fukushima.name, { ja: '福島県', en: 'Fukushima Prefecture' });
    assert.equal(fukushima.zones.length, 7);
    const municipalities = fukushima.zones.flatMap((z: { municipalities: unknown[] }) => z.municipalities);
    assert.equal(municipalities.length, 59);
    const aizu = fukushima.zones.find((z: { id: string }) => z.id === 'aizu');
    assert.ok(aizu.municipalities.some((m: { name: { ja: string } }) => m.name.ja === '会津若松市'));
  });

  it('GET /api/v1/tenants/{lgCode} should return one municipality with its zone and prefecture', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/tenants/072036' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.name.ja, '郡山市');
    assert.equal(body.name.en, 'Koriyama City');
    assert.equal(body.zone.id, 'kenchu');
    assert.equal(body.prefecture.lgCode, '070009');
    assert.match(res.headers.etag as string, /^"v\d+"$/);
  });

  it('GET /api/v1/tenants/{lgCode} should answer 400 naming the field when the check digit is wrong', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/tenants/072037' });
    assert.equal(res.statusCode, 400);
    assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
    const body = res.json();
    assert.equal(body.code, 'TSN_TENANCY_INVALID_LG_CODE');
    assert.equal(body.errors[0].name, 'lgCode');
    assert.equal(body.errors[0].in, 'path');
  });

  it('GET /api/v1/tenants/{lgCode} should answer 400 when the code is not six digits', async () => {
    for (const bad of ['07203', '0720366', 'abcdef', '%E9%83%A1']) {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/tenants/${bad}` });
      assert.equal(res.statusCode, 400, bad);
      assert.equal(res.json().errors[0].name, 'lgCode');
    }
  });

  it('GET /api/v1/tenants/{lgCode} should answer 404 for a valid code that is not a tenant here', async () => {
    // 131016 is Chiyoda-ku, Tokyo: a well-formed code with a correct check digit.
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/tenants/131016' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'TSN_TENANCY_NOT_FOUND');
  });

  it('should give problem details in English when the client asks for English', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/tenants/072037', headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    assert.match(res.json().detail, /wrong check digit/);
  });
});
