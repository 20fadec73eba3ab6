// Context source filters, `csf` (clause 4.9: the query language on Context Source properties,
// Table 5.2.9-1): on Query Context Source Registrations (5.10.2.4) and on the forwarding of Query
// Entities (5.7.2.4, 6.23), against a second Tsunagu listening on a port as the source. Two
// registrations name the same source under two tenants (会津若松市 and 郡山市), told apart by
// the properties their registrants gave.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createListeningTestApp } from '../../../../test/helpers/test-database.ts';
import { brokerTestApp, call, type TestApp } from '../../test/broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const R = '/ngsi-ld/v1/csourceRegistrations';
const AIZU = '072028';
const KORIYAMA = '072036';

const ids = (json: Array<{ id: string }>) => json.map((e) => e.id);

describe('Context source filter csf (clauses 4.9, 5.10.2, 5.7.2)', () => {
  let t: TestApp;
  let source: Awaited<ReturnType<typeof createListeningTestApp>>;

  before(async () => {
    [t, source] = await Promise.all([brokerTestApp(), createListeningTestApp([5100, 5150], { brokerAuth: false })]);
    for (const [tenant, id] of [[AIZU, 'urn:ngsi-ld:Shelter:aizu-1'], [KORIYAMA, 'urn:ngsi-ld:Shelter:koriyama-1']] as const) {
      const res = await fetch(`${source.base}${E}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'ngsild-tenant': tenant },
        body: JSON.stringify({ id, type: 'Shelter', capacity: { type: 'Property', value: 100 } }),
      });
      assert.equal(res.status, 201, await res.text());
    }
    await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:Shelter:pref-1', type: 'Shelter', capacity: { type: 'Property', value: 10 } } });
    const registrations = [
      { id: 'urn:ngsi-ld:ContextSourceRegistration:aizu', tenant: AIZU, dataProvider: '会津若松市', cost: 1, registrationName: 'aizu shelters' },
      { id: 'urn:ngsi-ld:ContextSourceRegistration:koriyama', tenant: KORIYAMA, dataProvider: '郡山市', cost: 5, accuracy: { type: 'Property', value: 0.9 } },
    ];
    for (const reg of registrations) {
      const res = await call(t, { method: 'POST', url: R, body: { type: 'ContextSourceRegistration', information: [{ entities: [{ type: 'Shelter' }] }], endpoint: source.base, ...reg } });
      assert.equal(res.status, 201, res.body);
    }
  });

  after(async () => {
    await t?.close();
    await source?.app.close();
  });

  it('should select registrations by their Context Source properties (5.10.2.4)', async () => {
    const byProvider = await call(t, { method: 'GET', url: `${R}?csf=${encodeURIComponent('dataProvider=="会津若松市"')}` });
    assert.equal(byProvider.status, 200, byProvider.body);
    assert.deepEqual(ids(byProvider.json), ['urn:ngsi-ld:ContextSourceRegistration:aizu']);
    const withType = await call(t, { method: 'GET', url: `${R}?type=Shelter&csf=cost>2&count=true` });
    assert.deepEqual(ids(withType.json), ['urn:ngsi-ld:ContextSourceRegistration:koriyama']);
    assert.equal(withType.headers['ngsild-results-count'], '1');
    // A property given as an NGSI-LD Property, standard members, and the operators of q.
    assert.deepEqual(ids((await call(t, { method: 'GET', url: `${R}?csf=accuracy>=0.5` })).json), ['urn:ngsi-ld:ContextSourceRegistration:koriyama']);
    assert.deepEqual(ids((await call(t, { method: 'GET', url: `${R}?csf=${encodeURIComponent('registrationName~="^aizu"')}` })).json), ['urn:ngsi-ld:ContextSourceRegistration:aizu']);
    assert.equal((await call(t, { method: 'GET', url: `${R}?csf=${encodeURIComponent('mode=="inclusive";cost==1..5')}` })).json.length, 2);
    assert.deepEqual((await call(t, { method: 'GET', url: `${R}?csf=dataProvider==%22none%22` })).json, []);
    assert.deepEqual((await call(t, { method: 'GET', url: `${R}?type=Vehicle&csf=cost==1` })).json, [], 'type and csf must both match');
  });

  it('should refuse a malformed csf with BadRequestData naming it', async () => {
    for (const csf of ['cost>>1', 'operator{name}=="x"']) {
      const res = await call(t, { method: 'GET', url: `${R}?csf=${encodeURIComponent(csf)}` });
      assert.equal(res.status, 400, csf);
      assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
      assert.match(res.json.detail, /^csf: /);
    }
    assert.equal((await call(t, { method: 'GET', url: `${E}?type=Shelter&csf=cost%3E%3E1` })).status, 400);
  });

  it('should forward Query Entities only to the sources csf selects (5.7.2.4)', async () => {
    const all = await call(t, { method: 'GET', url: `${E}?type=Shelter` });
    assert.deepEqual(ids(all.json), ['urn:ngsi-ld:Shelter:aizu-1', 'urn:ngsi-ld:Shelter:koriyama-1', 'urn:ngsi-ld:Shelter:pref-1']);
    const aizuOnly = await call(t, { method: 'GET', url: `${E}?type=Shelter&count=true&csf=${encodeURIComponent('dataProvider=="会津若松市"')}` });
    assert.equal(aizuOnly.status, 200, aizuOnly.body);
    assert.deepEqual(ids(aizuOnly.json), ['urn:ngsi-ld:Shelter:aizu-1', 'urn:ngsi-ld:Shelter:pref-1'], 'this broker\'s own entities stay in');
    assert.equal(aizuOnly.headers['ngsild-results-count'], '2');
    const none = await call(t, { method: 'GET', url: `${E}?type=Shelter&csf=cost>100` });
    assert.deepEqual(ids(none.json), ['urn:ngsi-ld:Shelter:pref-1']);
    const posted = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/query', body: { type: 'Query', entities: [{ type: 'Shelter' }], csf: 'cost>=5' } });
    assert.equal(posted.status, 200, posted.body);
    assert.deepEqual(ids(posted.json), ['urn:ngsi-ld:Shelter:koriyama-1', 'urn:ngsi-ld:Shelter:pref-1']);
  });
});
