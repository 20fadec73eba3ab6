import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../../test/helpers/test-database.ts';
import { tokenWithRole } from './helpers.ts';
import { loadAssignments } from '../authenticate.ts';

const AIZUWAKAMATSU = '072028';
const KORIYAMA = '072036';
const KITAKATA = '072087';
const FUKUSHIMA_PREF = '070009';

describe('tenant isolation through the guard', () => {
  let t: TestApp;
  let aizuAdmin: { principalId: string; headers: Record<string, string> };
  before(async () => {
    t = await createTestApp();
    aizuAdmin = await tokenWithRole(t.ctx, '会津若松市 管理者', 'municipal_admin', { level: 'municipality', prefectureCode: FUKUSHIMA_PREF, lgCode: AIZUWAKAMATSU });
  });
  after(() => t.close());

  const patch = (lgCode: string, headers: Record<string, string>, version = 1) =>
    t.app.inject({
      method: 'PATCH',
      url: `/api/v1/tenants/${lgCode}`,
      headers: { ...headers, 'if-match': `"v${version}"` },
      payload: { contact: { phone: '0242-39-1111', website: 'https://www.city.aizuwakamatsu.fukushima.jp/' } },
    });

  it('a municipal admin of 会津若松市 should update their own contact details', async () => {
    const res = await patch(AIZUWAKAMATSU, aizuAdmin.headers);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().contact.phone, '0242-39-1111');
    assert.equal(res.headers.etag, '"v2"');
    const page = await t.app.inject(`/municipalities/${AIZUWAKAMATSU}`);
    assert.match(page.body, /0242-39-1111/);
  });

  it('a municipal admin of 会津若松市 should get 403 when changing 郡山市', async () => {
    const res = await patch(KORIYAMA, aizuAdmin.headers);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'TSN_PLATFORM_FORBIDDEN');
    const koriyama = (await t.app.inject(`/api/v1/tenants/${KORIYAMA}`)).json();
    assert.deepEqual(koriyama.contact, {});
    assert.equal(koriyama.version, 1);
  });

  it('a municipal admin of 会津若松市 should get 403 when reading 郡山市 audit events', async () => {
    const res = await t.app.inject({ url: `/api/v1/audit-events?lgCode=${KORIYAMA}`, headers: aizuAdmin.headers });
    assert.equal(res.statusCode, 403);
  });

  it('a municipal admin should see only their own tenant in the audit log', async () => {
    const res = await t.app.inject({ url: '/api/v1/audit-events', headers: aizuAdmin.headers });
    assert.equal(res.statusCode, 200);
    const items = res.json().items as Array<{ lgCode: string; action: string; actor: string }>;
    assert.ok(items.length >= 1);
    assert.ok(items.every((e) => e.lgCode === AIZUWAKAMATSU));
    const update = items.find((e) => e.action === 'tenancy.contact.update');
    assert.equal(update?.actor, aizuAdmin.principalId);
  });

  it('an anonymous caller should get 401 when changing a tenant', async () => {
    const res = await patch(AIZUWAKAMATSU, {});
    assert.equal(res.statusCode, 401);
  });

  it('an update should be refused with 412 when the If-Match version is stale, and 428 without it', async () => {
    const stale = await patch(AIZUWAKAMATSU, aizuAdmin.headers, 1);
    assert.equal(stale.statusCode, 412);
    const missing = await t.app.inject({ method: 'PATCH', url: `/api/v1/tenants/${AIZUWAKAMATSU}`, headers: aizuAdmin.headers, payload: { contact: {} } });
    assert.equal(missing.statusCode, 428);
  });

  it('a municipal admin should not grant roles outside their municipality or make a platform admin', async () => {
    const grant = (scope: object, role = 'reviewer') =>
      t.app.inject({ method: 'POST', url: '/api/v1/role-assignments', headers: aizuAdmin.headers, payload: { principalId: 'staff:1', role, scope } });
    assert.equal((await grant({ level: 'municipality', prefectureCode: FUKUSHIMA_PREF, lgCode: KORIYAMA })).statusCode, 403);
    assert.equal((await grant({ level: 'zone', prefectureCode: FUKUSHIMA_PREF, zoneId: 'aizu' })).statusCode, 403);
    assert.equal((await grant({ level: 'prefecture', prefectureCode: FUKUSHIMA_PREF }, 'platform_admin')).statusCode, 403);
    const ok = await grant({ level: 'municipality', prefectureCode: FUKUSHIMA_PREF, lgCode: AIZUWAKAMATSU });
    assert.equal(ok.statusCode, 201);
    const again = await grant({ level: 'municipality', prefectureCode: FUKUSHIMA_PREF, lgCode: AIZUWAKAMATSU });
    assert.equal(again.statusCode, 409);
  });

  it('a grant should be refused with 400 naming the field when the role or scope does not exist', async () => {
    const unknownRole = await t.app.inject({
      method: 'POST', url: '/api/v1/role-assignments', headers: aizuAdmin.headers,
      payload: { principalId: 'staff:1', role: 'mayor', scope: { level: 'municipality', prefectureCode: FUKUSHIMA_PREF, lgCode: AIZUWAKAMATSU } },
    });
    assert.equal(unknownRole.statusCode, 400);
    assert.equal(unknownRole.json().errors[0].name, '/role');
    const unknownZone = await t.app.inject({
      method: 'POST', url: '/api/v1/role-assignments', headers: aizuAdmin.headers,
      payload: { principalId: 'staff:1', role: 'reviewer', scope: { level: 'zone', prefectureCode: FUKUSHIMA_PREF, zoneId: 'atlantis' } },
    });
    assert.equal(unknownZone.statusCode, 400);
    assert.equal(unknownZone.json().errors[0].name, '/scope/zoneId');
  });
});

describe('zone-scoped roles', () => {
  let t: TestApp;
  let aizuAuditor: { principalId: string; headers: Record<string, string> };
  before(async () => {
    t = await createTestApp();
    aizuAuditor = await tokenWithRole(t.ctx, '会津 監査', 'auditor', { level: 'zone', prefectureCode: FUKUSHIMA_PREF, zoneId: 'aizu' });
    // Activity in three tenants: two in the Aizu zone, one in Kenchu.
    for (const lgCode of [AIZUWAKAMATSU, KITAKATA, KORIYAMA]) {
      const admin = await tokenWithRole(t.ctx, `admin ${lgCode}`, 'municipal_admin', { level: 'municipality', prefectureCode: FUKUSHIMA_PREF, lgCode });
      const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/tenants/${lgCode}`, headers: { ...admin.headers, 'if-match': '"v1"' }, payload: { contact: { phone: '024-000-0000' } } });
      assert.equal(res.statusCode, 200);
    }
  });
  after(() => t.close());

  it('the guard should cover exactly the 13 municipalities of the Aizu zone for a zone auditor', async () => {
    const assignments = await loadAssignments(t.ctx.db, aizuAuditor.principalId);
    const actor = await t.ctx.guard.tenantsFor({ kind: 'principal', principalId: aizuAuditor.principalId, displayName: '', assignments }, 'audit.read');
    const { zones, tenants } = await t.ctx.tenants.snapshot();
    assert.ok(zones.some((z) => z.id === 'aizu'));
    const aizu = [...tenants.values()].filter((x) => x.zoneId === 'aizu').map((x) => x.lgCode).sort();
    assert.equal(aizu.length, 13);
    assert.deepEqual([...actor].sort(), aizu);
    assert.ok(!actor.has(FUKUSHIMA_PREF), 'a zone role does not cover the prefecture itself');
  });

  it('a zone auditor should see audit events of their zone and not of other zones', async () => {
    const res = await t.app.inject({ url: '/api/v1/audit-events?action=tenancy.contact.update', headers: aizuAuditor.headers });
    assert.equal(res.statusCode, 200);
    const codes = new Set((res.json().items as Array<{ lgCode: string }>).map((e) => e.lgCode));
    assert.deepEqual([...codes].sort(), [AIZUWAKAMATSU, KITAKATA]);
    const other = await t.app.inject({ url: `/api/v1/audit-events?lgCode=${KORIYAMA}`, headers: aizuAuditor.headers });
    assert.equal(other.statusCode, 403);
  });

  it('a zone auditor should not change any tenant', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/tenants/${KITAKATA}`, headers: { ...aizuAuditor.headers, 'if-match': '"v2"' }, payload: { contact: {} } });
    assert.equal(res.statusCode, 403);
  });

  it('role assignments listed to a zone auditor should lie within their zone', async () => {
    const res = await t.app.inject({ url: '/api/v1/role-assignments', headers: aizuAuditor.headers });
    assert.equal(res.statusCode, 200);
    const items = res.json().items as Array<{ scope: { level: string; lgCode: string | null; zoneId: string | null } }>;
    assert.ok(items.length >= 3);
    assert.ok(items.every((a) => a.scope.zoneId === 'aizu' || [AIZUWAKAMATSU, KITAKATA].includes(a.scope.lgCode ?? '')));
  });

  it('audit events should page newest first with a next link', async () => {
    const first = await t.app.inject({ url: '/api/v1/audit-events?limit=1', headers: aizuAuditor.headers });
    const body = first.json();
    assert.equal(body.items.length, 1);
    assert.ok(body.next);
    const second = (await t.app.inject({ url: body.next, headers: aizuAuditor.headers })).json();
    assert.ok(second.items[0].seq < body.items[0].seq);
  });
});
