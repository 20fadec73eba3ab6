// Discovery answered with registered sources (clause 5.7.11): what a source says is shown only
// for the types it is registered for and never for personal types, and a source's error page is
// a warning, not a failed answer. A plain HTTP server (ports 5351–5359) stands in for the source.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { brokerTestApp, call, type TestApp } from './broker-test-app.ts';
import { freePort } from '../../../test/helpers/server-process.ts';

const R = '/ngsi-ld/v1/csourceRegistrations';
const DEFAULT = 'https://uri.etsi.org/ngsi-ld/default-context/';
const TENANT = { 'NGSILD-Tenant': '072044' };

describe('discovery with registered sources (5.7.11)', () => {
  let t: TestApp;
  let server: http.Server;
  let url: string;
  let answer: (path: string) => { status: number; body: string; type?: string } = () => ({ status: 404, body: '' });

  const register = async (id: string, information: unknown[]) => {
    const res = await call(t, { method: 'POST', url: R, headers: TENANT, body: { id, type: 'ContextSourceRegistration', endpoint: url, information } });
    assert.equal(res.status, 201, res.body);
  };
  const get = (path: string) => call(t, { method: 'GET', url: `/ngsi-ld/v1/${path}`, headers: TENANT });

  before(async () => {
    t = await brokerTestApp();
    const port = await freePort(5351, 5360);
    url = `http://127.0.0.1:${port}`;
    server = http.createServer((req, res) => {
      const { status, body, type } = answer(req.url!);
      res.writeHead(status, { 'content-type': type ?? 'application/json' }).end(body);
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    const made = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entities', headers: TENANT, body: { id: 'urn:ngsi-ld:Shelter:i1', type: 'Shelter', capacity: { type: 'Property', value: 10 } } });
    assert.equal(made.status, 201, made.body);
    await sql`insert into broker_personal_types (tenant, type, provider_id, owner_attribute) values ('072044', ${`${DEFAULT}CareRecord`}, 'discovery-sources', 'owner')`.execute(t.ctx.db);
  });

  after(async () => {
    await t?.close();
    await new Promise((r) => server?.close(r));
  });

  it('should not ask a source registered for personal types only, nor show what another says of them', async () => {
    const asked: string[] = [];
    const diagnosis = { attributeName: 'diagnosis', attributeCount: 3, attributeTypes: ['Property'], typeNames: ['CareRecord'] };
    const height = { attributeName: 'height', attributeCount: 2, attributeTypes: ['Property'], typeNames: ['Shelter', 'CareRecord'] };
    answer = (path) => {
      asked.push(path);
      if (path.startsWith('/ngsi-ld/v1/attributes/diagnosis')) return { status: 200, body: JSON.stringify(diagnosis) };
      if (path.startsWith('/ngsi-ld/v1/attributes/height')) return { status: 200, body: JSON.stringify(height) };
      if (path.startsWith('/ngsi-ld/v1/attributes')) return { status: 200, body: JSON.stringify(path.includes('details=true') ? [diagnosis, height] : { attributeList: ['diagnosis', 'height'] }) };
      return { status: 404, body: '' };
    };
    await register('urn:ngsi-ld:ContextSourceRegistration:care', [{ entities: [{ type: 'CareRecord' }], propertyNames: ['diagnosis'] }]);
    const list = await get('attributes');
    assert.equal(list.status, 200, list.body);
    assert.ok(!list.json.attributeList.includes('diagnosis'), list.body);
    assert.deepEqual(asked, [], 'a source registered for personal types only is never asked');
    assert.equal((await get('attributes/diagnosis')).status, 404);

    // A source registered for shelters and care records: its shelters' attributes are shown, with the shelters only.
    await register('urn:ngsi-ld:ContextSourceRegistration:mixed', [{ entities: [{ type: 'Shelter' }] }, { entities: [{ type: 'CareRecord' }] }]);
    const details = await get('attributes?details=true');
    assert.deepEqual(details.json.map((a: { attributeName: string }) => a.attributeName), ['capacity', 'height']);
    const shown = await get('attributes/height');
    assert.equal(shown.status, 200, shown.body);
    assert.deepEqual(shown.json.typeNames, ['Shelter']);
    assert.equal((await get('attributes/diagnosis')).status, 404);
    for (const id of ['care', 'mixed']) await call(t, { method: 'DELETE', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:${id}`, headers: TENANT });
  });

  it('should answer with a warning, not a 500, when a source answers an error page with line breaks and Japanese', async () => {
    answer = () => ({ status: 502, body: '<html>\n<body>ゲートウェイ障害 "bad"</body>\n</html>', type: 'text/html' });
    await register('urn:ngsi-ld:ContextSourceRegistration:broken', [{ entities: [{ type: 'Shelter' }] }]);
    for (const path of ['types', 'types/Shelter', 'attributes?details=true', 'entities?type=Shelter']) {
      const res = await get(path);
      assert.equal(res.status, 200, `${path}: ${res.body}`);
      const warning = String(res.headers['ngsild-warning']);
      assert.match(warning, /answered 502/);
      assert.match(warning, /\\u30b2/, 'non-ASCII text is escaped');
    }
    await call(t, { method: 'DELETE', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:broken`, headers: TENANT });
  });
});
