// Clause 5.6 / 6.4–6.7: create, retrieve, replace, merge, append, update, partial update and
// delete of entities and attributes, through the real HTTP server (inject) and database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brokerTestApp, building, call, DEFAULT, type TestApp } from './broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';

describe('NGSI-LD entities (clause 6.4–6.7)', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp();
  });
  after(() => t.close());

  describe('6.4.3.1 create entity', () => {
    it('should answer 201 with the Location of the new entity, and the entity should read back normalized', async () => {
      const created = await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:c1') });
      assert.equal(created.status, 201, created.body);
      assert.equal(created.headers.location, '/ngsi-ld/v1/entities/urn%3Angsi-ld%3ABuilding%3Ac1');
      const got = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:c1` });
      assert.equal(got.status, 200);
      assert.deepEqual(got.json, {
        id: 'urn:ngsi-ld:Building:c1',
        type: 'Building',
        name: { type: 'Property', value: 'Building c1' },
        height: { type: 'Property', value: 20, unitCode: 'MTR' },
        location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [140.4748, 37.7608] } },
      });
      assert.match(got.headers.link as string, /ngsi-ld-core-context-v1\.9\.jsonld>; rel="http:\/\/www\.w3\.org\/ns\/json-ld#context"/);
    });

    it('should refuse a second entity with the same id with 409 AlreadyExists', async () => {
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:dup') });
      const again = await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:dup') });
      assert.equal(again.status, 409);
      assert.equal(again.json.type, 'https://uri.etsi.org/ngsi-ld/errors/AlreadyExists');
    });

    it('should refuse an id that is not a URI, naming it', async () => {
      const res = await call(t, { method: 'POST', url: E, body: building('building 1') });
      assert.equal(res.status, 400);
      assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
      assert.match(res.json.detail, /not a URI/);
    });

    it('should store ids and names up to 800 bytes, even random kanji the database cannot compress, and refuse longer ones naming them', async () => {
      // Random characters, because PostgreSQL compresses index entries and a repeated character
      // would hide a key that is too long to store.
      const kanji = (n: number) => Array.from({ length: n }, () => String.fromCodePoint(0x4e00 + Math.floor(Math.random() * 20_000))).join('');
      const at = { type: 'GeoProperty', value: { type: 'Point', coordinates: [140.47, 37.76] } };
      // Each at the limit: 6 + 264 × 3 + 2 = 800 bytes of id; attribute and datasetId near it too.
      const id = `urn:x:${kanji(264)}xx`;
      const attr = kanji(245);
      const datasetId = `urn:d:${kanji(264)}`;
      const text = kanji(300);
      const longest = { id, type: 'Shelter', [attr]: { type: 'Property', value: text, datasetId }, [`${attr}場所`]: { ...at, datasetId } };
      const stored = await call(t, { method: 'POST', url: E, body: longest });
      assert.equal(stored.status, 201, stored.body);
      const found = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=${encodeURIComponent(`${attr}==${JSON.stringify(text)}`)}` });
      assert.deepEqual(found.json.map((e: { id: string }) => e.id), [id]);
      const got = await call(t, { method: 'GET', url: `${E}/${encodeURIComponent(id)}` });
      assert.equal(got.status, 200, got.body);
      assert.equal(got.json[attr].datasetId, datasetId);

      const refused = [
        { body: { ...longest, id: `${id}x` }, detail: /^id: "urn:x:.*…" is longer than 800 bytes/ },
        { body: { id: 'urn:x:2', type: 'Shelter', [kanji(270)]: { type: 'Property', value: 1 } }, detail: /attribute ".*…" expands to "https:\/\/uri\.etsi\.org\/ngsi-ld\/default-context\/.*…", which is longer than 800 bytes/ },
        { body: { id: 'urn:x:3', type: kanji(270) }, detail: /^type: ".*…" expands to .* is longer than 800 bytes/ },
        { body: { id: 'urn:x:4', type: 'Shelter', a: { type: 'Property', value: 1, datasetId: `${datasetId}xyz` } }, detail: /"datasetId" "urn:d:.*…" is longer than 800 bytes/ },
      ];
      for (const { body, detail } of refused) {
        const res = await call(t, { method: 'POST', url: E, body });
        assert.equal(res.status, 400, res.body);
        assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
        assert.match(res.json.detail, detail);
        assert.equal((await call(t, { method: 'GET', url: `${E}/${encodeURIComponent(body.id)}` })).status, body.id === `${id}x` ? 400 : 404, 'nothing stored');
      }
    });

    it('should refuse an entity without a type, an attribute without a value and a bad geometry, leaving nothing behind', async () => {
      const noType = await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:X:1' } });
      assert.equal(noType.status, 400);
      assert.match(noType.json.detail, /"type" is required/);
      const noValue = await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:X:2', type: 'X', a: { type: 'Property' } } });
      assert.equal(noValue.status, 400);
      assert.match(noValue.json.detail, /"a"/);
      const badGeo = await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:X:3', type: 'X', location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [200, 10] } } } });
      assert.equal(badGeo.status, 400);
      for (const id of ['urn:ngsi-ld:X:1', 'urn:ngsi-ld:X:2', 'urn:ngsi-ld:X:3']) {
        assert.equal((await call(t, { method: 'GET', url: `${E}/${id}` })).status, 404);
      }
    });

    it('should answer malformed JSON with 400 InvalidRequest and an unsupported content type with 415', async () => {
      const malformed = await call(t, { method: 'POST', url: E, body: '{"id": "urn:x:1", ' });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.json.type, 'https://uri.etsi.org/ngsi-ld/errors/InvalidRequest');
      const text = await call(t, { method: 'POST', url: E, body: 'hello', headers: { 'content-type': 'text/plain' } });
      assert.equal(text.status, 415);
    });

    it('should refuse what the database cannot store (NUL, numbers beyond a double) with 400, writing nothing, never a 500', async () => {
      const bodies = [
        '{"id":"urn:ngsi-ld:X:nul1","type":"X","a":{"type":"Property","value":"a\\u0000b"}}',
        '{"id":"urn:ngsi-ld:X:nul2","type":"X","a":{"type":"Property","value":{"k\\u0000":1}}}',
        '{"id":"urn:ngsi-ld:X:inf","type":"X","a":{"type":"Property","value":[1, 1e400]}}',
      ];
      for (const body of bodies) {
        const res = await call(t, { method: 'POST', url: E, body });
        assert.equal(res.status, 400, `${body}: ${res.body}`);
        assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
      }
      for (const id of ['urn:ngsi-ld:X:nul1', 'urn:ngsi-ld:X:nul2', 'urn:ngsi-ld:X:inf']) assert.equal((await call(t, { method: 'GET', url: `${E}/${id}` })).status, 404);
      // A batch with one such entity is refused whole, the good one not written either.
      const batch = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', body: `[${JSON.stringify(building('urn:ngsi-ld:Building:nul-good'))}, ${bodies[0]}]` });
      assert.equal(batch.status, 400, batch.body);
      assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:nul-good` })).status, 404);
      // An escaped backslash before "u0000" is ordinary text; 1e300 is an ordinary number.
      const fine = await call(t, { method: 'POST', url: E, body: '{"id":"urn:ngsi-ld:X:fine","type":"X","a":{"type":"Property","value":"C:\\\\u0000"},"b":{"type":"Property","value":1e300}}' });
      assert.equal(fine.status, 201, fine.body);
      assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:X:fine?options=keyValues` })).json.a, 'C:\\u0000');
      // NUL or a huge number in the URL.
      for (const url of [`${E}/urn:ngsi-ld:X:a%00b`, `${E}?id=urn:ngsi-ld:X:a%00b`, `${E}?type=X&idPattern=a%00b`, `${E}?type=X&scopeQ=/a%00b`, `${E}?type=X&offset=99999999999999999999`]) {
        const res = await call(t, { method: 'GET', url });
        assert.ok(res.status >= 400 && res.status < 500, `${url}: ${res.status} ${res.body}`);
      }
    });

    it('should refuse dates that are not on the calendar instead of moving them (2025-02-30 is not 2 March)', async () => {
      for (const at of ['2025-02-30T00:00:00Z', '2026-11-23T24:00:00Z', '2026-13-01T00:00:00Z', '2026-11-23T09:00:00+25:00']) {
        const res = await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:X:when', type: 'X', a: { type: 'Property', value: 1, observedAt: at } } });
        assert.equal(res.status, 400, `${at}: ${res.body}`);
        assert.match(res.json.detail, /observedAt/);
        const history = await call(t, { method: 'GET', url: `/ngsi-ld/v1/temporal/entities?type=X&timerel=after&timeAt=${encodeURIComponent(at)}` });
        assert.equal(history.status, 400, `timeAt ${at}`);
        const sub = await call(t, { method: 'POST', url: '/ngsi-ld/v1/subscriptions', body: { type: 'Subscription', entities: [{ type: 'X' }], expiresAt: at, notification: { endpoint: { uri: 'http://127.0.0.1:9/x' } } } });
        assert.equal(sub.status, 400, `expiresAt ${at}`);
      }
      const leap = await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:X:leap', type: 'X', a: { type: 'Property', value: 1, observedAt: '2028-02-29T23:59:59+09:00' } } });
      assert.equal(leap.status, 201, leap.body);
      assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:X:leap` })).json.a.observedAt, '2028-02-29T14:59:59.000Z');
    });

    it('should apply the @context rules: none in a JSON body, one required with application/ld+json', async () => {
      const inJson = await call(t, { method: 'POST', url: E, body: { ...building('urn:ngsi-ld:Building:ctx1'), '@context': 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld' } });
      assert.equal(inJson.status, 400);
      assert.match(inJson.json.detail, /must not contain "@context"/);
      const missing = await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:ctx2'), headers: { 'content-type': 'application/ld+json' } });
      assert.equal(missing.status, 400);
      assert.match(missing.json.detail, /must contain "@context"/);
    });

    it('should expand names with an inline @context and show full IRIs to a requester without it', async () => {
      const body = {
        '@context': [{ Shelter: 'https://example.org/disaster#Shelter', capacity: 'https://example.org/disaster#capacity' }, 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld'],
        id: 'urn:ngsi-ld:Shelter:fukushima-1',
        type: 'Shelter',
        capacity: { type: 'Property', value: 300 },
        note: { type: 'Property', value: 'gym' },
      };
      const created = await call(t, { method: 'POST', url: E, body, headers: { 'content-type': 'application/ld+json' } });
      assert.equal(created.status, 201, created.body);
      const plain = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:fukushima-1` });
      assert.equal(plain.json.type, 'https://example.org/disaster#Shelter');
      assert.deepEqual(plain.json['https://example.org/disaster#capacity'], { type: 'Property', value: 300 });
      assert.deepEqual(plain.json.note, { type: 'Property', value: 'gym' }, 'a term not in the context falls to the default vocabulary');
      const query = await call(t, { method: 'GET', url: `${E}?type=${encodeURIComponent('https://example.org/disaster#Shelter')}` });
      assert.deepEqual(query.json.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Shelter:fukushima-1']);
    });
  });

  // Concurrent single-entity writes share transactions (group commit): each must still get its
  // own answer and be its own change.
  describe('concurrent writes', () => {
    it('should answer each of many concurrent creates on its own: duplicates 409, the rest 201', async () => {
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:g-old') });
      const ids = [...Array.from({ length: 12 }, (_, i) => `urn:ngsi-ld:Building:g${i}`), 'urn:ngsi-ld:Building:g-old', 'urn:ngsi-ld:Building:g-twin', 'urn:ngsi-ld:Building:g-twin'];
      const answers = await Promise.all(ids.map((id) => call(t, { method: 'POST', url: E, body: building(id) })));
      assert.deepEqual(answers.slice(0, 12).map((a) => a.status), Array(12).fill(201));
      assert.equal(answers[12]!.status, 409);
      assert.deepEqual(answers.slice(13).map((a) => a.status).sort(), [201, 409]);
      for (const id of ids) assert.equal((await call(t, { method: 'GET', url: `${E}/${id}` })).status, 200, id);
    });

    it('should keep every one of many concurrent updates of one entity in its temporal history', async () => {
      const id = 'urn:ngsi-ld:Building:g-busy';
      await call(t, { method: 'POST', url: E, body: building(id) });
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) =>
        call(t, { method: 'PATCH', url: `${E}/${id}/attrs`, body: { height: { type: 'Property', value: 100 + i } } })));
      assert.deepEqual(answers.map((a) => a.status), Array(10).fill(204));
      const history = await call(t, { method: 'GET', url: `/ngsi-ld/v1/temporal/entities/${id}?attrs=height` });
      assert.equal(history.status, 200, history.body);
      const values = (history.json.height as Array<{ value: number }>).map((i) => i.value).sort((a, b) => a - b);
      assert.deepEqual(values, [20, ...Array.from({ length: 10 }, (_, i) => 100 + i)]);
    });
  });

  describe('6.5 retrieve, replace, merge and delete', () => {
    before(async () => {
      const res = await call(t, {
        method: 'POST',
        url: E,
        body: {
          id: 'urn:ngsi-ld:Station:koriyama',
          type: 'Station',
          name: { type: 'LanguageProperty', languageMap: { ja: '郡山駅', en: 'Koriyama Station' } },
          passengers: { type: 'Property', value: 16000, observedAt: '2026-11-01T00:00:00Z' },
          operator: { type: 'Relationship', object: 'urn:ngsi-ld:Company:jr-east' },
          temperature: [
            { type: 'Property', value: 12.5, datasetId: 'urn:ngsi-ld:Dataset:north' },
            { type: 'Property', value: 13.1, datasetId: 'urn:ngsi-ld:Dataset:south' },
          ],
          location: { type: 'Point', coordinates: [140.3881, 37.3983] },
        },
      });
      assert.equal(res.status, 201, res.body);
    });

    it('should give keyValues, concise and sysAttrs representations', async () => {
      const kv = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Station:koriyama?options=keyValues&attrs=passengers,operator,location` });
      assert.deepEqual(kv.json, {
        id: 'urn:ngsi-ld:Station:koriyama',
        type: 'Station',
        passengers: 16000,
        operator: 'urn:ngsi-ld:Company:jr-east',
        location: { type: 'Point', coordinates: [140.3881, 37.3983] },
      });
      const concise = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Station:koriyama?format=concise&pick=passengers,operator` });
      assert.deepEqual(concise.json.passengers, { value: 16000, observedAt: '2026-11-01T00:00:00.000Z' });
      assert.deepEqual(concise.json.operator, { object: 'urn:ngsi-ld:Company:jr-east' });
      const sys = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Station:koriyama?options=sysAttrs&attrs=passengers` });
      assert.match(sys.json.createdAt, /^\d{4}-\d\d-\d\dT/);
      assert.match(sys.json.passengers.modifiedAt, /^\d{4}-\d\d-\d\dT/);
    });

    it('should keep a multi-attribute as one instance per datasetId', async () => {
      const res = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Station:koriyama?attrs=temperature` });
      assert.deepEqual(res.json.temperature, [
        { type: 'Property', value: 12.5, datasetId: 'urn:ngsi-ld:Dataset:north' },
        { type: 'Property', value: 13.1, datasetId: 'urn:ngsi-ld:Dataset:south' },
      ]);
    });

    it('should give lists and multi-attributes in keyValues as clause 4.5.4 shows them, and read concise back as sent', async () => {
      const entity = {
        id: 'urn:ngsi-ld:BusLine:1', type: 'BusLine',
        periods: { type: 'ListProperty', valueList: ['始発', '日中', '終発'] },
        route: { type: 'ListRelationship', objectList: [{ object: 'urn:ngsi-ld:BusStop:0101' }, { object: 'urn:ngsi-ld:BusStop:0102' }] },
        fare: [{ type: 'Property', value: 210 }, { type: 'Property', value: 105, datasetId: 'urn:ngsi-ld:Dataset:child' }],
      };
      assert.equal((await call(t, { method: 'POST', url: E, body: entity })).status, 201);
      const kv = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:BusLine:1?options=keyValues` });
      assert.deepEqual(kv.json, {
        id: 'urn:ngsi-ld:BusLine:1', type: 'BusLine',
        periods: ['始発', '日中', '終発'],
        route: ['urn:ngsi-ld:BusStop:0101', 'urn:ngsi-ld:BusStop:0102'],
        fare: { dataset: { '@none': 210, 'urn:ngsi-ld:Dataset:child': 105 } },
      });
      // Concise, written back as another entity, reads back the same.
      const concise = (await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:BusLine:1?options=concise` })).json;
      assert.equal((await call(t, { method: 'POST', url: E, body: { ...concise, id: 'urn:ngsi-ld:BusLine:2' } })).status, 201);
      const again = (await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:BusLine:2?options=concise` })).json;
      assert.deepEqual({ ...again, id: concise.id }, concise);
      assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:BusLine:2?options=keyValues` })).json.fare.dataset['urn:ngsi-ld:Dataset:child'], 105);
    });

    it('should show a LanguageProperty in the language asked for with lang', async () => {
      const ja = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Station:koriyama?attrs=name&lang=ja` });
      assert.deepEqual(ja.json.name, { type: 'Property', value: '郡山駅', lang: 'ja' });
      const en = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Station:koriyama?attrs=name&lang=fr,en;q=0.5&options=keyValues` });
      assert.equal(en.json.name, 'Koriyama Station');
      const all = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Station:koriyama?attrs=name` });
      assert.deepEqual(all.json.name, { type: 'LanguageProperty', languageMap: { ja: '郡山駅', en: 'Koriyama Station' } });
    });

    it('should answer a retrieve of a missing entity, or with a type it lacks, with 404 ResourceNotFound', async () => {
      const missing = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Station:none` });
      assert.equal(missing.status, 404);
      assert.equal(missing.json.type, 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound');
      const wrongType = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Station:koriyama?type=Building` });
      assert.equal(wrongType.status, 404);
      // type is a selector (clause 4.17) here too, on the entity and on its temporal evolution.
      for (const base of [E, '/ngsi-ld/v1/temporal/entities']) {
        for (const [selector, status] of [['Building|Station', 200], ['Building,Station', 200], ['(Station;Building)|Station', 200], ['Station;Building', 404]] as const) {
          const res = await call(t, { method: 'GET', url: `${base}/urn:ngsi-ld:Station:koriyama?type=${encodeURIComponent(selector)}` });
          assert.equal(res.status, status, `${base} type=${selector}: ${res.body}`);
        }
        const broken = await call(t, { method: 'GET', url: `${base}/urn:ngsi-ld:Station:koriyama?type=${encodeURIComponent('(Station')}` });
        assert.equal(broken.status, 400, broken.body);
      }
    });

    it('should answer 406 when the client accepts none of the NGSI-LD media types', async () => {
      const res = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Station:koriyama`, headers: { accept: 'text/csv' } });
      assert.equal(res.status, 406);
    });

    it('should give JSON-LD with the @context inline when asked for application/ld+json', async () => {
      const res = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Station:koriyama?attrs=passengers`, headers: { accept: 'application/ld+json' } });
      assert.match(res.headers['content-type'] as string, /^application\/ld\+json/);
      assert.equal(res.json['@context'], 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld');
    });

    it('should replace an entity with PUT, keeping its createdAt', async () => {
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:r1') });
      const before = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:r1?options=sysAttrs` });
      const put = await call(t, { method: 'PUT', url: `${E}/urn:ngsi-ld:Building:r1`, body: { type: 'Building', floors: { type: 'Property', value: 3 } } });
      assert.equal(put.status, 204, put.body);
      const afterPut = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:r1?options=sysAttrs` });
      assert.equal(afterPut.json.createdAt, before.json.createdAt);
      assert.deepEqual(Object.keys(afterPut.json).sort(), ['createdAt', 'floors', 'id', 'modifiedAt', 'type']);
    });

    it('should merge with PATCH: change members, add attributes, delete with urn:ngsi-ld:null', async () => {
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:m1') });
      const res = await call(t, {
        method: 'PATCH',
        url: `${E}/urn:ngsi-ld:Building:m1`,
        body: { height: { type: 'Property', value: 25 }, name: 'urn:ngsi-ld:null', floors: 4 },
      });
      assert.equal(res.status, 204, res.body);
      const got = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:m1` });
      assert.deepEqual(got.json.height, { type: 'Property', value: 25, unitCode: 'MTR' }, 'merge keeps unitCode');
      assert.equal(got.json.name, undefined);
      assert.deepEqual(got.json.floors, { type: 'Property', value: 4 });
    });

    it('should delete an entity (204) and then answer 404 for it', async () => {
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:d1') });
      assert.equal((await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Building:d1` })).status, 204);
      assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:d1` })).status, 404);
      assert.equal((await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Building:d1` })).status, 404);
    });
  });

  describe('6.6–6.7 attributes', () => {
    before(async () => {
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:a1') });
    });

    it('should append attributes (204), and with noOverwrite report the existing one in a 207', async () => {
      const ok = await call(t, { method: 'POST', url: `${E}/urn:ngsi-ld:Building:a1/attrs`, body: { floors: { type: 'Property', value: 5 } } });
      assert.equal(ok.status, 204, ok.body);
      const partial = await call(t, {
        method: 'POST',
        url: `${E}/urn:ngsi-ld:Building:a1/attrs?options=noOverwrite`,
        body: { floors: { type: 'Property', value: 99 }, owner: { type: 'Relationship', object: 'urn:ngsi-ld:City:072036' } },
      });
      assert.equal(partial.status, 207);
      assert.deepEqual(partial.json.updated, ['owner']);
      assert.equal(partial.json.notUpdated[0].attributeName, 'floors');
      const got = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:a1?options=keyValues` });
      assert.equal(got.json.floors, 5);
      assert.equal(got.json.owner, 'urn:ngsi-ld:City:072036');
    });

    it('should append types and scope too (clause 5.6.3.4), alone and in batch update and upsert', async () => {
      const made = await call(t, { method: 'POST', url: E, body: { ...building('urn:ngsi-ld:Building:sc1'), scope: '/Fukushima/Kenpoku' } });
      assert.equal(made.status, 201, made.body);
      const read = async () => (await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:sc1?options=keyValues&pick=type,scope` })).json;
      const append = async (body: object, query = '') => assert.equal((await call(t, { method: 'POST', url: `${E}/urn:ngsi-ld:Building:sc1/attrs${query}`, body })).status, 204);
      await append({ scope: '/Fukushima/Kenchu', type: 'Shelter' });
      assert.deepEqual(await read(), { type: ['Building', 'Shelter'], scope: '/Fukushima/Kenchu' });
      await append({ scope: ['/Fukushima/Aizu'] }, '?options=noOverwrite');
      assert.deepEqual(await read(), { type: ['Building', 'Shelter'], scope: ['/Fukushima/Kenchu', '/Fukushima/Aizu'] });
      const batch = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/update', body: [{ id: 'urn:ngsi-ld:Building:sc1', type: 'School', scope: '/Fukushima/Iwaki' }] });
      assert.equal(batch.status, 204, batch.body);
      assert.deepEqual(await read(), { type: ['Building', 'Shelter', 'School'], scope: '/Fukushima/Iwaki' });
      const upsert = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/upsert?options=update', body: [{ id: 'urn:ngsi-ld:Building:sc1', type: 'Building', scope: '/Fukushima/Soso' }] });
      assert.equal(upsert.status, 204, upsert.body);
      assert.deepEqual(await read(), { type: ['Building', 'Shelter', 'School'], scope: '/Fukushima/Soso' });
    });

    it('should update existing attributes only, reporting the missing ones in a 207', async () => {
      const res = await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Building:a1/attrs`, body: { height: { type: 'Property', value: 30 }, colour: { type: 'Property', value: 'red' } } });
      assert.equal(res.status, 207);
      assert.deepEqual(res.json.updated, ['height']);
      assert.deepEqual(res.json.notUpdated.map((n: { attributeName: string }) => n.attributeName), ['colour']);
      const got = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:a1?options=keyValues` });
      assert.equal(got.json.height, 30);
      assert.equal(got.json.colour, undefined);
    });

    it('should partially update one attribute, keeping what is not sent', async () => {
      const res = await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Building:a1/attrs/height`, body: { value: 31 } });
      assert.equal(res.status, 204, res.body);
      const got = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:a1?attrs=height` });
      // The update above replaced the whole attribute (so unitCode went); this keeps the rest.
      assert.deepEqual(got.json.height, { type: 'Property', value: 31 });
      const observed = await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Building:a1/attrs/height`, body: { observedAt: '2026-11-23T10:00:00Z' } });
      assert.equal(observed.status, 204, observed.body);
      const again = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:a1?attrs=height` });
      assert.deepEqual(again.json.height, { type: 'Property', value: 31, observedAt: '2026-11-23T10:00:00.000Z' });
      const missing = await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Building:a1/attrs/nothing`, body: { value: 1 } });
      assert.equal(missing.status, 404);
      // NGSI-LD null is not a value to store: the attribute keeps its own.
      const nulled = await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Building:a1/attrs/height`, body: { value: 'urn:ngsi-ld:null' } });
      assert.equal(nulled.status, 400, nulled.body);
      assert.match(nulled.json.detail, /^value: urn:ngsi-ld:null cannot be the attribute's value; delete the attribute with DELETE/);
      assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:a1?attrs=height` })).json.height.value, 31);
      // Nor in a create, an append or a batch update, where it would have been stored as text.
      const nullValue = { type: 'Property', value: 'urn:ngsi-ld:null' };
      for (const [method, url, body] of [
        ['POST', E, { id: 'urn:ngsi-ld:Building:nullish', type: 'Building', height: nullValue }],
        ['POST', `${E}/urn:ngsi-ld:Building:a1/attrs`, { height: nullValue }],
        ['POST', `${E}/urn:ngsi-ld:Building:a1/attrs`, { height: 'urn:ngsi-ld:null' }],
      ] as const) {
        const res = await call(t, { method, url, body });
        assert.equal(res.status, 400, `${url}: ${res.body}`);
        assert.match(res.json.detail, /urn:ngsi-ld:null deletes only in an update or merge/);
      }
      const batch = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/update', body: [{ id: 'urn:ngsi-ld:Building:a1', height: nullValue }] });
      assert.equal(batch.status, 207, batch.body);
      assert.match(batch.json.errors[0].error.detail, /urn:ngsi-ld:null deletes only/);
      assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:a1?attrs=height` })).json.height.value, 31);
    });

    it('should delete an attribute, and answer 404 for one that is not there', async () => {
      assert.equal((await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Building:a1/attrs/floors` })).status, 204);
      const got = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:a1` });
      assert.equal(got.json.floors, undefined);
      assert.equal((await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Building:a1/attrs/floors` })).status, 404);
    });

    it('should delete one instance of a multi-attribute by datasetId', async () => {
      await call(t, {
        method: 'POST',
        url: `${E}/urn:ngsi-ld:Building:a1/attrs`,
        body: { reading: [{ type: 'Property', value: 1, datasetId: 'urn:ngsi-ld:Dataset:a' }, { type: 'Property', value: 2, datasetId: 'urn:ngsi-ld:Dataset:b' }] },
      });
      const res = await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Building:a1/attrs/reading?datasetId=urn:ngsi-ld:Dataset:a` });
      assert.equal(res.status, 204, res.body);
      const got = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:a1?attrs=reading` });
      assert.deepEqual(got.json.reading, { type: 'Property', value: 2, datasetId: 'urn:ngsi-ld:Dataset:b' });
    });
  });

  it('should store names under the default vocabulary when no @context is given', async () => {
    const rows = await t.database.db
      .selectFrom('broker_entities' as never)
      .select('attrs' as never)
      .where('id' as never, '=', 'urn:ngsi-ld:Building:c1' as never)
      .executeTakeFirstOrThrow() as { attrs: Record<string, unknown> };
    assert.ok(`${DEFAULT}height` in rows.attrs);
    assert.ok('https://uri.etsi.org/ngsi-ld/location' in rows.attrs);
  });
});
