// The value index (entities/entity-values.ts) follows every kind of write: after each one, the
// index rows of the entity are exactly those of its stored state, and a query finds the entity
// by its new values and no longer by its old ones (a stale row would only cost time, but a
// missing one would lose a match, so both are checked).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { valueRows } from '../entities/entity-values.ts';
import * as migration from '../migrations/2026-12-11T0900-broker-entity-values.ts';
import type { StoredAttributes } from '../entities/stored-entity.ts';
import { brokerTestApp, call, DEFAULT, type TestApp } from './broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const ID = 'urn:ngsi-ld:Shelter:azuma';
const OTHER = 'urn:ngsi-ld:Shelter:shinobu';
const TENANT = '072010'; // 福島市

describe('the value index follows every write', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp();
  });
  after(() => t.close());

  /** The index rows of an entity, and the rows its stored state should have, as sorted keys. */
  async function rows(id: string): Promise<{ indexed: string[]; expected: string[] }> {
    const key = (r: { attr: string; num?: number | null; txt?: string | null }) => `${r.attr.replace(DEFAULT, '')} ${r.num ?? ''} ${r.txt ?? ''}`;
    const indexed = (await sql<{ attr: string; num: number | null; txt: string | null }>`select attr, num, txt from broker_entity_values
      where tenant = ${TENANT} and entity_id = ${id}`.execute(t.database.db)).rows.map(key).sort();
    const stored = (await sql<{ attrs: StoredAttributes | string }>`select attrs from broker_entities where tenant = ${TENANT} and id = ${id}`
      .execute(t.database.db)).rows[0];
    const attrs = stored ? (typeof stored.attrs === 'string' ? JSON.parse(stored.attrs) : stored.attrs) : {};
    return { indexed, expected: valueRows({ attrs }).map(key).sort() };
  }

  async function found(q: string): Promise<string[]> {
    const res = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=${encodeURIComponent(q)}`, headers: { 'NGSILD-Tenant': TENANT } });
    assert.equal(res.status, 200, res.body);
    return (res.json as Array<{ id: string }>).map((e) => e.id).sort();
  }

  async function write(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<void> {
    const res = await call(t, { method, url, body, headers: { 'NGSILD-Tenant': TENANT } });
    assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${res.body}`);
  }

  async function inStep(id: string): Promise<string[]> {
    const { indexed, expected } = await rows(id);
    assert.deepEqual(indexed, expected);
    return indexed;
  }

  it('should index a created entity, and follow updates, appends, replacements, merges and deletions', async () => {
    await write('POST', E, {
      id: ID, type: 'Shelter',
      capacity: { type: 'Property', value: 120 },
      state: { type: 'Property', value: 'open' },
      tags: { type: 'Property', value: ['school', ['gym', 3]] },
      operator: { type: 'Relationship', object: 'urn:ngsi-ld:City:fukushima' },
      label: { type: 'LanguageProperty', languageMap: { ja: '東浜避難所', en: 'Higashihama' } },
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [140.47, 37.76] } },
    });
    assert.deepEqual(await inStep(ID), [
      'capacity 120 ', 'label  Higashihama', 'label  東浜避難所', 'operator  urn:ngsi-ld:City:fukushima',
      'state  open', 'tags 3 ', 'tags  gym', 'tags  school',
    ].sort());
    assert.deepEqual(await found('capacity>100;state=="open"'), [ID]);
    assert.deepEqual(await found('label=="Higashihama"'), [ID]);
    assert.deepEqual(await found('tags=="gym"'), [ID]);

    await write('PATCH', `${E}/${ID}/attrs`, { capacity: { type: 'Property', value: 80 } });
    await inStep(ID);
    assert.deepEqual(await found('capacity>100'), []);
    assert.deepEqual(await found('capacity==80'), [ID]);

    await write('POST', `${E}/${ID}/attrs`, {
      capacity: { type: 'Property', value: 95, datasetId: 'urn:ngsi-ld:Dataset:census' },
      phone: { type: 'Property', value: '024-000-0000' },
    });
    await inStep(ID);
    assert.deepEqual(await found('capacity==95'), [ID]);
    assert.deepEqual(await found('capacity==80'), [ID], 'the default instance is still there');

    await write('PATCH', `${E}/${ID}/attrs/state`, { value: 'full' });
    await inStep(ID);
    assert.deepEqual(await found('state=="open"'), []);
    assert.deepEqual(await found('state=="full"'), [ID]);

    await write('DELETE', `${E}/${ID}/attrs/phone`);
    await inStep(ID);
    assert.deepEqual(await found('phone=="024-000-0000"'), []);

    await write('PATCH', `${E}/${ID}`, { state: { type: 'Property', value: 'closed' }, tags: { type: 'Property', value: 'park' } });
    await inStep(ID);
    assert.deepEqual(await found('tags=="gym"'), []);
    assert.deepEqual(await found('tags=="park";state=="closed"'), [ID]);

    await write('PUT', `${E}/${ID}`, { type: 'Shelter', capacity: { type: 'Property', value: 40 } });
    assert.deepEqual(await inStep(ID), ['capacity 40 ']);
    assert.deepEqual(await found('state=="closed"'), []);
    assert.deepEqual(await found('capacity==40'), [ID]);

    await write('POST', '/ngsi-ld/v1/entityOperations/upsert', [
      { id: ID, type: 'Shelter', capacity: { type: 'Property', value: 41 } },
      { id: OTHER, type: 'Shelter', capacity: { type: 'Property', value: 41 } },
    ]);
    await inStep(ID);
    await inStep(OTHER);
    assert.deepEqual(await found('capacity==41'), [ID, OTHER]);

    await write('DELETE', `${E}/${ID}`);
    assert.deepEqual(await inStep(ID), []);
    assert.deepEqual(await found('capacity==41'), [OTHER]);

    await write('POST', '/ngsi-ld/v1/entityOperations/delete', [OTHER]);
    assert.deepEqual(await inStep(OTHER), []);
  });

  it('should keep long strings as a prefix and still match them exactly', async () => {
    const long = `${'阿'.repeat(200)}end`;
    await write('POST', E, { id: 'urn:ngsi-ld:Shelter:long', type: 'Shelter', note: { type: 'Property', value: long } });
    const [row] = await inStep('urn:ngsi-ld:Shelter:long');
    assert.equal([...row!.split(' ')[2]!].length, 128);
    assert.deepEqual(await found(`note==${JSON.stringify(long)}`), ['urn:ngsi-ld:Shelter:long']);
    assert.deepEqual(await found(`note==${JSON.stringify(`${'阿'.repeat(200)}xyz`)}`), []);
  });

  it('should index the entities an installation already has when the migration runs', async () => {
    for (const n of [1, 2, 3]) {
      await write('POST', E, { id: `urn:ngsi-ld:Shelter:old${n}`, type: 'Shelter', capacity: { type: 'Property', value: n * 10 }, ward: { type: 'Property', value: `w${n}` } });
    }
    await migration.down(t.database.db as never);
    await migration.up(t.database.db as never);
    for (const n of [1, 2, 3]) assert.equal((await inStep(`urn:ngsi-ld:Shelter:old${n}`)).length, 2);
    assert.deepEqual(await found('capacity>=20'), ['urn:ngsi-ld:Shelter:old2', 'urn:ngsi-ld:Shelter:old3']);
  });

  it('should page and count by walking the entities when every candidate set is too long to list', async () => {
    const total = 5050; // more than the 5,000 candidates a query lists (entity-query.ts)
    const id = (n: number) => `urn:ngsi-ld:Sensor:${String(n).padStart(5, '0')}`;
    for (let from = 0; from < total; from += 1000) {
      const batch = Array.from({ length: Math.min(1000, total - from) }, (_, k) => ({
        id: id(from + k), type: 'Sensor', kind: { type: 'Property', value: 'air' }, n: { type: 'Property', value: from + k },
      }));
      await write('POST', '/ngsi-ld/v1/entityOperations/upsert', batch);
    }
    const query = async (q: string, extra = '') => {
      const res = await call(t, { method: 'GET', url: `${E}?type=Sensor&count=true&limit=3${extra}&q=${encodeURIComponent(q)}`, headers: { 'NGSILD-Tenant': TENANT } });
      assert.equal(res.status, 200, res.body);
      return { ids: (res.json as Array<{ id: string }>).map((e) => e.id), count: Number(res.headers['ngsild-results-count']) };
    };
    // Both candidate sets too long: the walk in id order.
    assert.deepEqual(await query('kind=="air";n<5030', '&offset=10'), { ids: [id(10), id(11), id(12)], count: 5030 });
    assert.deepEqual(await query('kind=="air"'), { ids: [id(0), id(1), id(2)], count: total });
    // The second set is short: its candidates are walked.
    assert.deepEqual(await query('kind=="air";n>=5040'), { ids: [id(5040), id(5041), id(5042)], count: 10 });
    assert.deepEqual(await query('kind=="air";n>=5040;n<5042'), { ids: [id(5040), id(5041)], count: 2 });

    if (t.ctx.dbKind === 'pglite') {
      // PGlite has no autovacuum: the store refreshed the planner's statistics after the load,
      // and updating the same entities does not do it again (an ANALYZE stops every request).
      const statistics = async () => Number((await sql<{ n: number }>`select reltuples as n from pg_class where relname = 'broker_entity_values'`.execute(t.database.db)).rows[0]!.n);
      const deadline = Date.now() + 10_000;
      while ((await statistics()) < 5000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok((await statistics()) >= 5000, `the statistics count ${await statistics()} value rows`);
      await sql`update pg_class set reltuples = 1 where relname = 'broker_entity_values'`.execute(t.database.db);
      for (let from = 0; from < total; from += 1000) {
        const batch = Array.from({ length: Math.min(1000, total - from) }, (_, k) => ({ id: id(from + k), type: 'Sensor', kind: { type: 'Property', value: 'air' }, n: { type: 'Property', value: -(from + k) } }));
        await write('POST', '/ngsi-ld/v1/entityOperations/upsert', batch);
      }
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await statistics(), 1, 'no ANALYZE after updates');
    }
  });
});
