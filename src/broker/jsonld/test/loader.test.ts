import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_VOCAB } from '../core-context.ts';
import { ContextLoader, fetchContextDocument } from '../loader.ts';
import { ContextResolver } from '../resolver.ts';
import { contextServer, json, rejectsWith, type ContextServer } from './helpers.ts';

describe('remote @context loading', () => {
  let server: ContextServer;
  before(async () => {
    server = await contextServer({
      '/vehicle.jsonld': json({ '@context': { Vehicle: 'https://example.org/Vehicle', speed: 'https://example.org/speed' } }),
      '/plain.jsonld': json({ '@context': { plain: 'https://example.org/plain' } }, 'application/json'),
      '/text.jsonld': json({ '@context': { text: 'https://example.org/text' } }, 'text/plain; charset=utf-8'),
      '/html': (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'),
      '/slow.jsonld': (_q, r) => {
        const timer = setTimeout(() => r.writeHead(200, { 'content-type': 'application/ld+json' }).end('{"@context":{}}'), 2000);
        r.on('close', () => clearTimeout(timer));
      },
      '/huge.jsonld': (_q, r) => {
        // No Content-Length: the limit has to be enforced while streaming.
        r.writeHead(200, { 'content-type': 'application/ld+json' });
        r.write('{"@context":{"x":"');
        const chunk = 'a'.repeat(64 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < 64 && r.write(chunk)) sent++;
          if (sent < 64) r.once('drain', pump);
          else r.end('"}}');
        };
        r.on('close', () => (sent = 64));
        pump();
      },
      '/declared-huge.jsonld': (_q, r) => r.writeHead(200, { 'content-type': 'application/ld+json', 'content-length': String(5 * 1024 * 1024) }).end(),
      '/invalid.jsonld': (_q, r) => r.writeHead(200, { 'content-type': 'application/ld+json' }).end('{"@context": {'),
      '/array.jsonld': json([1, 2]),
      '/no-context.jsonld': json({ Vehicle: 'x' }),
      '/bad-term.jsonld': json({ '@context': { speed: 12 } }),
      '/r1': (_q, r) => r.writeHead(302, { location: '/r2' }).end(),
      '/r2': (_q, r) => r.writeHead(301, { location: '/r3' }).end(),
      '/r3': (_q, r) => r.writeHead(307, { location: '/vehicle.jsonld' }).end(),
      '/r0': (_q, r) => r.writeHead(302, { location: '/r1' }).end(),
      '/to-file': (_q, r) => r.writeHead(302, { location: 'file:///etc/passwd' }).end(),
      '/outer.jsonld': json({ '@context': ['/inner.jsonld', { outer: 'https://example.org/outer' }] }),
      '/inner.jsonld': json({ '@context': ['deeper.jsonld', { inner: 'https://example.org/inner' }] }),
      '/deeper.jsonld': json({ '@context': { deeper: 'https://example.org/deeper', ex: 'https://example.org/' } }),
      '/import.jsonld': json({ '@context': { '@import': '/vehicle.jsonld', extra: 'https://example.org/extra' } }),
      '/cycle-a.jsonld': json({ '@context': ['/cycle-b.jsonld'] }),
      '/cycle-b.jsonld': json({ '@context': ['/cycle-a.jsonld'] }),
      '/uses-core.jsonld': json({ '@context': ['https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld', { location: 'https://schema.org/location' }] }),
      '/scoped.jsonld': json({ '@context': { speed: { '@id': 'https://example.org/speed', '@context': { x: 'y' } } } }),
      ...Object.fromEntries(
        Array.from({ length: 8 }, (_, i) => [`/chain${i}.jsonld`, json({ '@context': [`/chain${i + 1}.jsonld`, { [`c${i}`]: `https://example.org/c${i}` }] })]),
      ),
      '/chain8.jsonld': json({ '@context': {} }),
    });
  });
  after(() => server.close());

  it('should fetch application/ld+json, application/json and text/plain contexts', async () => {
    const resolver = new ContextResolver();
    assert.equal((await resolver.resolve(server.url('/vehicle.jsonld'))).expandTerm('Vehicle'), 'https://example.org/Vehicle');
    assert.equal((await resolver.resolve(server.url('/plain.jsonld'))).expandTerm('plain'), 'https://example.org/plain');
    assert.equal((await resolver.resolve(server.url('/text.jsonld'))).expandTerm('text'), 'https://example.org/text');
    await rejectsWith(resolver.resolve(server.url('/html')), 'LdContextNotAvailable', /text\/html/);
  });

  it('should give up after the timeout with LdContextNotAvailable naming the URL', async () => {
    const url = server.url('/slow.jsonld');
    const started = Date.now();
    await rejectsWith(
      new ContextResolver({ timeoutMs: 200 }).resolve(url),
      'LdContextNotAvailable',
      new RegExp(`^The @context ${url.replace(/[.?]/g, '\\$&')} could not be fetched: timed out after 0.2 s$`),
    );
    assert.ok(Date.now() - started < 1500);
  });

  it('should abort bodies larger than the limit, declared or streamed', async () => {
    const resolver = new ContextResolver({ maxBytes: 256 * 1024 });
    await rejectsWith(resolver.resolve(server.url('/huge.jsonld')), 'LdContextNotAvailable', /larger than 262144 bytes/);
    await rejectsWith(resolver.resolve(server.url('/declared-huge.jsonld')), 'LdContextNotAvailable', /larger than/);
  });

  it('should report HTTP errors and unreachable hosts as LdContextNotAvailable', async () => {
    const resolver = new ContextResolver();
    await rejectsWith(resolver.resolve(server.url('/missing.jsonld')), 'LdContextNotAvailable', /answered 404/);
    const closed = await contextServer({});
    const url = closed.url('/ctx.jsonld');
    await closed.close();
    await rejectsWith(resolver.resolve(url), 'LdContextNotAvailable', /ECONNREFUSED/);
  });

  it('should follow up to three redirects and no more, and only to http(s)', async () => {
    const resolver = new ContextResolver();
    assert.equal((await resolver.resolve(server.url('/r1'))).expandTerm('speed'), 'https://example.org/speed');
    await rejectsWith(resolver.resolve(server.url('/r0')), 'LdContextNotAvailable', /more than 3 redirects/);
    await rejectsWith(resolver.resolve(server.url('/to-file')), 'LdContextNotAvailable', /non-http\(s\) URL/);
  });

  it('should refuse documents that are not JSON, not objects, or not valid contexts', async () => {
    const resolver = new ContextResolver();
    await rejectsWith(resolver.resolve(server.url('/invalid.jsonld')), 'BadRequestData', /not a valid JSON document/);
    await rejectsWith(resolver.resolve(server.url('/array.jsonld')), 'BadRequestData', /not a JSON object/);
    await rejectsWith(resolver.resolve(server.url('/no-context.jsonld')), 'BadRequestData', /no top-level "@context"/);
    await rejectsWith(resolver.resolve(server.url('/bad-term.jsonld')), 'BadRequestData', /invalid term definition/);
    await rejectsWith(resolver.resolve(server.url('/scoped.jsonld')), 'BadRequestData', /scoped/);
    await rejectsWith(resolver.resolve(server.url('/cycle-a.jsonld')), 'BadRequestData');
  });

  it('should load nested and imported remote contexts, resolving relative URLs', async () => {
    const resolver = new ContextResolver();
    const ctx = await resolver.resolve([server.url('/outer.jsonld'), server.url('/import.jsonld')]);
    assert.equal(ctx.expandTerm('outer'), 'https://example.org/outer');
    assert.equal(ctx.expandTerm('inner'), 'https://example.org/inner');
    assert.equal(ctx.expandTerm('deeper'), 'https://example.org/deeper');
    assert.equal(ctx.expandTerm('ex:thing'), 'https://example.org/thing');
    assert.equal(ctx.expandTerm('Vehicle'), 'https://example.org/Vehicle');
    assert.equal(ctx.expandTerm('extra'), 'https://example.org/extra');
    assert.equal(ctx.urls.size, 5);
  });

  it('should limit how deep remote contexts nest', async () => {
    await rejectsWith(new ContextResolver({ maxDepth: 3 }).resolve(server.url('/chain0.jsonld')), 'BadRequestData', /more than 3 levels deep/);
    const ctx = await new ContextResolver({ maxDepth: 9 }).resolve(server.url('/chain0.jsonld'));
    assert.equal(ctx.expandTerm('c7'), 'https://example.org/c7');
    await rejectsWith(new ContextResolver({ maxDepth: 20, maxUrls: 4 }).resolve(server.url('/chain0.jsonld')), 'BadRequestData', /more than 4 remote/);
  });

  it('should never fetch the core context a remote context names, and keep core terms on top', async () => {
    const resolver = new ContextResolver();
    const ctx = await resolver.resolve(server.url('/uses-core.jsonld'));
    assert.equal(ctx.expandTerm('location'), 'https://uri.etsi.org/ngsi-ld/location');
    assert.equal(ctx.expandTerm('speed'), `${DEFAULT_VOCAB}speed`);
  });

  it('should fetch a context once and serve later resolves from the cache', async () => {
    const before = server.hits.get('/plain.jsonld') ?? 0;
    const resolver = new ContextResolver();
    const url = server.url('/plain.jsonld');
    await Promise.all([resolver.resolve(url), resolver.resolve(url), resolver.resolve([url, { x: 'https://x.example/' }])]);
    await resolver.resolve(url);
    await resolver.resolve([url, { y: 'https://y.example/' }]);
    assert.equal(server.hits.get('/plain.jsonld'), before + 1);
  });

  it('should fetch again after the TTL, and use the stale copy if the refresh fails', async () => {
    let state: 'ok' | 'changed' | 'down' = 'ok';
    const flaky = await contextServer({
      '/ctx.jsonld': (_q, r) => {
        if (state === 'down') return void r.writeHead(503).end();
        const iri = state === 'ok' ? 'https://example.org/v1' : 'https://example.org/v2';
        r.writeHead(200, { 'content-type': 'application/ld+json' }).end(JSON.stringify({ '@context': { term: iri } }));
      },
    });
    try {
      const loader = new ContextLoader({ ttlMs: 50 });
      const url = flaky.url('/ctx.jsonld');
      assert.equal((await loader.load(url)).source, 'network');
      assert.equal((await loader.load(url)).source, 'memory');
      await new Promise((r) => setTimeout(r, 80));
      state = 'down';
      const stale = await loader.load(url);
      assert.equal(stale.source, 'stale');
      assert.deepEqual(stale.document, { '@context': { term: 'https://example.org/v1' } });
      state = 'changed';
      const resolver = new ContextResolver({ ttlMs: 50 });
      assert.equal((await resolver.resolve(url)).expandTerm('term'), 'https://example.org/v2');
      state = 'ok';
      await new Promise((r) => setTimeout(r, 80));
      assert.equal((await resolver.resolve(url)).expandTerm('term'), 'https://example.org/v1');
    } finally {
      await flaky.close();
    }
  });

  it('fetchContextDocument should honour an allowUrl policy', async () => {
    await rejectsWith(fetchContextDocument(server.url('/vehicle.jsonld'), { allowUrl: (u) => u.hostname !== '127.0.0.1' }), 'LdContextNotAvailable', /not allowed/);
  });
});
