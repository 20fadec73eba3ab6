import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { closeTestDatabase } from '../../../../test/helpers/cli.ts';
import { createTestDatabase } from '../../../../test/helpers/test-database.ts';
import type { DatabaseHandle } from '../../../platform/db/database.ts';
import { NgsiError } from '../../errors.ts';
import { CORE_CONTEXT_URL } from '../core-context.ts';
import { jsonldMigrations } from '../migrations.ts';
import { ContextResolver } from '../resolver.ts';
import { jsonldContextsRoutes } from '../routes.ts';
import { ContextStore } from '../store.ts';
import { contextServer, json, type ContextServer } from './helpers.ts';

// Nothing listens here: hosted contexts must resolve without HTTP.
const PUBLIC_URL = 'http://127.0.0.1:9';
const BASE = '/ngsi-ld/v1/jsonldContexts';

describe('@context store and the jsonldContexts API', () => {
  let database: DatabaseHandle;
  let server: ContextServer;
  let store: ContextStore;
  let resolver: ContextResolver;
  let app: FastifyInstance;
  let version = 1;

  before(async () => {
    database = await createTestDatabase({ seeded: false });
    const { rows } = await sql<{ t: string | null }>`select to_regclass('broker_jsonld_contexts')::text as t`.execute(database.db);
    if (!rows[0]?.t) await jsonldMigrations['2026-11-23T1300-broker-jsonld-contexts']!.up(database.db);
    server = await contextServer({
      '/vehicle.jsonld': (_q, r) =>
        r.writeHead(200, { 'content-type': 'application/ld+json' }).end(JSON.stringify({ '@context': { Vehicle: `https://example.org/Vehicle/v${version}` } })),
      '/broken.jsonld': json({ '@context': { speed: 1 } }),
    });
  });
  after(async () => {
    await app?.close();
    await server.close();
    await closeTestDatabase(database);
  });
  beforeEach(async () => {
    await app?.close();
    await database.db.deleteFrom('broker_jsonld_contexts' as never).execute();
    version = 1;
    store = new ContextStore(database.db);
    resolver = new ContextResolver({ store, publicUrl: PUBLIC_URL });
    app = Fastify();
    app.setErrorHandler((error, _request, reply) => {
      if (error instanceof NgsiError) return reply.code(error.status).type('application/json').send(error.toJSON());
      return reply.code((error as { statusCode?: number }).statusCode ?? 500).send({ detail: (error as Error).message });
    });
    jsonldContextsRoutes(app, { db: database.db, resolver, store, publicUrl: PUBLIC_URL, authorize: async () => undefined, bodyLimit: 64 * 1024 });
    await app.ready();
  });

  async function add(context: unknown, contentType = 'application/ld+json'): Promise<string> {
    const response = await app.inject({ method: 'POST', url: BASE, headers: { 'content-type': contentType }, payload: JSON.stringify({ '@context': context, extra: 1 }) });
    assert.equal(response.statusCode, 201, response.body);
    const location = response.headers.location as string;
    assert.match(location, new RegExp(`^${BASE}/[0-9a-f-]{36}$`));
    return location.slice(BASE.length + 1);
  }

  it('should host an added @context and resolve its URL locally, without HTTP', async () => {
    const id = await add({ speed: 'https://example.org/speed' });
    const served = await app.inject({ method: 'GET', url: `${BASE}/${id}` });
    assert.equal(served.statusCode, 200);
    assert.match(served.headers['content-type'] as string, /^application\/ld\+json/);
    assert.deepEqual(served.json(), { '@context': { speed: 'https://example.org/speed' } });

    const ctx = await resolver.resolve(`${PUBLIC_URL}${BASE}/${id}`);
    assert.equal(ctx.expandTerm('speed'), 'https://example.org/speed');
    assert.equal(ctx.contextForResponse, `${PUBLIC_URL}${BASE}/${id}`);
    // A fresh resolver (another process) reads it from the store, too.
    const other = new ContextResolver({ store, publicUrl: PUBLIC_URL, allowUrl: () => assert.fail('no fetch expected') });
    assert.equal((await other.resolve([`${PUBLIC_URL}${BASE}/${id}`])).expandTerm('speed'), 'https://example.org/speed');
    await assert.rejects(other.resolve(`${PUBLIC_URL}${BASE}/nope`), (e: unknown) => e instanceof NgsiError && e.type === 'LdContextNotAvailable');
  });

  it('should refuse an @context beyond the broker\'s body limit when that is below 1 MiB (413), and store nothing', async () => {
    const terms = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`term${i}`, `https://example.org/vocabulary/term${i}`]));
    const response = await app.inject({ method: 'POST', url: BASE, headers: { 'content-type': 'application/ld+json' }, payload: JSON.stringify({ '@context': terms }) });
    assert.equal(response.statusCode, 413, response.body);
    assert.deepEqual((await app.inject({ method: 'GET', url: BASE })).json(), []);
  });

  it('should accept application/json too and refuse bodies without @context or with invalid contexts', async () => {
    await add('https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld', 'application/json');
    const missing = await app.inject({ method: 'POST', url: BASE, headers: { 'content-type': 'application/ld+json' }, payload: '{"x":1}' });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
    const notJson = await app.inject({ method: 'POST', url: BASE, headers: { 'content-type': 'application/ld+json' }, payload: '{"@context":' });
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.json().type, 'https://uri.etsi.org/ngsi-ld/errors/InvalidRequest');
    const invalid = await app.inject({ method: 'POST', url: BASE, payload: { '@context': { speed: { '@id': 'https://x/', '@context': {} } } } });
    assert.equal(invalid.statusCode, 400);
    const unreachable = await app.inject({ method: 'POST', url: BASE, payload: { '@context': server.url('/missing.jsonld') } });
    assert.equal(unreachable.statusCode, 504);
    assert.equal(unreachable.json().type, 'https://uri.etsi.org/ngsi-ld/errors/LdContextNotAvailable');
    assert.equal((await store.list()).length, 1);
  });

  it('should store fetched contexts as Cached, count hits, and list them by kind with details', async () => {
    const url = server.url('/vehicle.jsonld');
    await resolver.resolve(url);
    const hostedId = await add({ a: 'https://example.org/a' });

    const cached = await store.getByUrl(url);
    assert.equal(cached?.kind, 'Cached');
    assert.equal(cached?.hits, 0);
    // Another broker process finds it in the store instead of fetching it again.
    const before = server.hits.get('/vehicle.jsonld');
    const other = new ContextResolver({ store, publicUrl: PUBLIC_URL });
    assert.equal((await other.resolve(url)).expandTerm('Vehicle'), 'https://example.org/Vehicle/v1');
    assert.equal(server.hits.get('/vehicle.jsonld'), before);
    for (let i = 0; i < 50 && (await store.getByUrl(url))?.hits !== 1; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal((await store.getByUrl(url))?.hits, 1);

    const list = await app.inject({ method: 'GET', url: BASE });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(new Set(list.json()), new Set([url, `${PUBLIC_URL}${BASE}/${hostedId}`]));

    const hosted = await app.inject({ method: 'GET', url: `${BASE}?kind=Hosted&details=true` });
    const [entry] = hosted.json();
    assert.equal(hosted.json().length, 1);
    assert.equal(entry.URL, `${PUBLIC_URL}${BASE}/${hostedId}`);
    assert.equal(entry.localId, hostedId);
    assert.equal(entry.kind, 'Hosted');
    assert.ok(!Number.isNaN(Date.parse(entry.createdAt)));
    assert.equal(entry.numberOfHits, 0);

    const details = await app.inject({ method: 'GET', url: `${BASE}?kind=Cached&details=true` });
    assert.equal(details.json()[0].URL, url);
    assert.equal(details.json()[0].numberOfHits, 1);
    assert.ok(details.json()[0].lastUsage);
    assert.ok(details.json()[0].expiresAt);

    assert.equal((await app.inject({ method: 'GET', url: `${BASE}?kind=Other` })).statusCode, 400);
    assert.equal((await app.inject({ method: 'GET', url: `${BASE}?details=yes` })).statusCode, 400);
  });

  it('should not serve Cached contexts, but give their details, by id or by original URL', async () => {
    const url = server.url('/vehicle.jsonld');
    await resolver.resolve(url);
    const cached = (await store.getByUrl(url))!;
    const served = await app.inject({ method: 'GET', url: `${BASE}/${cached.id}` });
    assert.equal(served.statusCode, 422);
    assert.equal(served.json().type, 'https://uri.etsi.org/ngsi-ld/errors/OperationNotSupported');
    const byUrl = await app.inject({ method: 'GET', url: `${BASE}/${encodeURIComponent(url)}?details=true` });
    assert.equal(byUrl.statusCode, 200);
    assert.equal(byUrl.json().localId, cached.id);
    const missing = await app.inject({ method: 'GET', url: `${BASE}/nope` });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().type, 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound');
  });

  it('should delete a hosted context, after which its URL no longer resolves', async () => {
    const id = await add({ speed: 'https://example.org/speed' });
    const hostedUrl = `${PUBLIC_URL}${BASE}/${id}`;
    await resolver.resolve(hostedUrl);
    assert.equal((await app.inject({ method: 'DELETE', url: `${BASE}/${id}` })).statusCode, 204);
    assert.equal((await app.inject({ method: 'GET', url: `${BASE}/${id}` })).statusCode, 404);
    assert.equal((await app.inject({ method: 'DELETE', url: `${BASE}/${id}` })).statusCode, 404);
    await assert.rejects(resolver.resolve(hostedUrl), (e: unknown) => e instanceof NgsiError && e.type === 'LdContextNotAvailable');
  });

  it('should reload a Cached context on DELETE ?reload=true, keeping the old copy if that fails', async () => {
    const url = server.url('/vehicle.jsonld');
    assert.equal((await resolver.resolve(url)).expandTerm('Vehicle'), 'https://example.org/Vehicle/v1');
    const id = (await store.getByUrl(url))!.id;
    version = 2;
    assert.equal((await resolver.resolve(url)).expandTerm('Vehicle'), 'https://example.org/Vehicle/v1', 'still cached');
    const reloaded = await app.inject({ method: 'DELETE', url: `${BASE}/${encodeURIComponent(url)}?reload=true` });
    assert.equal(reloaded.statusCode, 204, reloaded.body);
    assert.equal((await resolver.resolve(url)).expandTerm('Vehicle'), 'https://example.org/Vehicle/v2');
    assert.deepEqual((await store.get(id))?.body, { '@context': { Vehicle: 'https://example.org/Vehicle/v2' } });

    // A Cached entry whose source now answers garbage: LdContextNotAvailable, entry unchanged.
    await store.saveCached(server.url('/broken.jsonld'), { '@context': { speed: 'https://example.org/speed' } });
    const broken = await app.inject({ method: 'DELETE', url: `${BASE}/${encodeURIComponent(server.url('/broken.jsonld'))}?reload=true` });
    assert.equal(broken.statusCode, 504);
    assert.equal(broken.json().type, 'https://uri.etsi.org/ngsi-ld/errors/LdContextNotAvailable');
    assert.deepEqual((await store.getByUrl(server.url('/broken.jsonld')))?.body, { '@context': { speed: 'https://example.org/speed' } });

    const hostedId = await add({ a: 'https://example.org/a' });
    assert.equal((await app.inject({ method: 'DELETE', url: `${BASE}/${hostedId}?reload=true` })).statusCode, 400);

    // Plain delete of a Cached entry: the next resolve fetches again.
    const fetched = server.hits.get('/vehicle.jsonld');
    assert.equal((await app.inject({ method: 'DELETE', url: `${BASE}/${id}` })).statusCode, 204);
    await resolver.resolve(url);
    assert.equal(server.hits.get('/vehicle.jsonld'), fetched! + 1);
  });

  it('should refuse to delete the core context', async () => {
    for (const url of [CORE_CONTEXT_URL, 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld']) {
      const response = await app.inject({ method: 'DELETE', url: `${BASE}/${encodeURIComponent(url)}` });
      assert.equal(response.statusCode, 400);
      assert.match(response.json().detail, /core @context/);
    }
  });
});
