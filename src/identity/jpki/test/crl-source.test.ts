// CRL sources: a URL (timeout, size limit, cache until nextUpdate, retries) and a file.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileCrlSource, HttpCrlSource, crlSourceFor } from '../crl-source.ts';
import { x509 } from '../pki.ts';
import { createTestCa, revokeCard, type TestCa } from '../test-ca.ts';
import { at, crlFor, day, now } from './jpki-fixture.ts';
import { serveBytes, startCrlServer, type CrlServer } from './crl-server.ts';

function der(crl: x509.X509Crl): Uint8Array {
  return new Uint8Array(crl.rawData);
}

describe('HttpCrlSource', () => {
  let ca: TestCa;
  let server: CrlServer;
  let crl: x509.X509Crl;
  before(async () => {
    ca = await createTestCa({ now });
    crl = await crlFor(ca, at(-day), at(day));
    server = await startCrlServer();
  });
  after(() => server.close());

  it('HttpCrlSource.get should return the CRL when the server sends DER or PEM', async () => {
    server.handler = serveBytes(der(crl));
    const fromDer = await new HttpCrlSource(server.url).get(now);
    assert.ok(fromDer.ok);
    assert.equal(fromDer.crl.thisUpdate.getTime(), crl.thisUpdate.getTime());
    server.handler = serveBytes(crl.toString('pem'), 'application/x-pem-file');
    const fromPem = await new HttpCrlSource(server.url).get(now);
    assert.ok(fromPem.ok);
    assert.equal(fromPem.crl.issuer, ca.certificate.subject);
  });

  it('HttpCrlSource.get should fail when the server answers with an error status', async () => {
    server.handler = (_q, r) => r.writeHead(503).end('busy');
    const result = await new HttpCrlSource(server.url).get(now);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.detail, /HTTP 503/);
  });

  it('HttpCrlSource.get should fail when the body is not a CRL', async () => {
    server.handler = serveBytes('<html>maintenance</html>', 'text/html');
    const result = await new HttpCrlSource(server.url).get(now);
    assert.match(result.ok ? '' : result.detail, /not a CRL/);
  });

  it('HttpCrlSource.get should fail when the server takes longer than the timeout', async () => {
    server.handler = () => {};
    const result = await new HttpCrlSource(server.url, { timeoutMs: 150 }).get(now);
    assert.match(result.ok ? '' : result.detail, /timed out/);
  });

  it('HttpCrlSource.get should fail when the CRL is larger than the limit, declared or streamed', async () => {
    const bytes = der(crl);
    server.handler = serveBytes(bytes);
    const declared = await new HttpCrlSource(server.url, { maxBytes: bytes.length - 1 }).get(now);
    assert.match(declared.ok ? '' : declared.detail, /larger than/);
    server.handler = (_q, r) => {
      r.writeHead(200, { 'content-type': 'application/pkix-crl' }); // chunked: no length up front
      r.write(bytes.subarray(0, 100));
      r.end(bytes.subarray(100));
    };
    const streamed = await new HttpCrlSource(server.url, { maxBytes: bytes.length - 1 }).get(now);
    assert.match(streamed.ok ? '' : streamed.detail, /larger than/);
    const enough = await new HttpCrlSource(server.url, { maxBytes: bytes.length }).get(now);
    assert.equal(enough.ok, true);
  });

  it('HttpCrlSource.get should refuse a redirect, since the configured URL is the source', async () => {
    server.handler = (_q, r) => r.writeHead(302, { location: '/elsewhere.crl' }).end();
    const result = await new HttpCrlSource(server.url).get(now);
    assert.equal(result.ok, false);
  });

  it('HttpCrlSource.get should cache the CRL until nextUpdate and fetch again after it', async () => {
    server.handler = serveBytes(der(crl));
    const source = new HttpCrlSource(server.url, { refreshMs: 7 * day });
    const before = server.requests;
    assert.ok((await source.get(now)).ok);
    assert.ok((await source.get(at(60_000))).ok);
    assert.ok((await source.get(at(day - 1000))).ok);
    assert.equal(server.requests, before + 1);
    const newer = await crlFor(ca, at(day), at(2 * day));
    server.handler = serveBytes(der(newer));
    const after = await source.get(at(day + 1000));
    assert.ok(after.ok);
    assert.equal(after.crl.thisUpdate.getTime(), newer.thisUpdate.getTime());
    assert.equal(server.requests, before + 2);
  });

  it('HttpCrlSource.get should share one download between concurrent callers', async () => {
    server.handler = serveBytes(der(crl));
    const source = new HttpCrlSource(server.url);
    const before = server.requests;
    const results = await Promise.all([source.get(now), source.get(now), source.get(now)]);
    assert.ok(results.every((r) => r.ok));
    assert.equal(server.requests, before + 1);
  });

  it('HttpCrlSource.get should keep the last good CRL and wait before retrying when the server fails', async () => {
    server.handler = serveBytes(der(crl));
    const source = new HttpCrlSource(server.url, { refreshMs: 60_000, retryAfterMs: 30_000 });
    assert.ok((await source.get(now)).ok);
    server.handler = (_q, r) => r.writeHead(500).end();
    const before = server.requests;
    const stillCached = await source.get(at(2 * 60_000)); // refresh due, server fails
    assert.ok(stillCached.ok, 'the cached list is still current, so it is still used');
    assert.equal(server.requests, before + 1);
    await source.get(at(2 * 60_000 + 1_000)); // within retryAfterMs: not asked again
    assert.equal(server.requests, before + 1);
    await source.get(at(2 * 60_000 + 31_000));
    assert.equal(server.requests, before + 2);
  });

  it('HttpCrlSource should refuse a URL that is not http(s)', () => {
    assert.throws(() => new HttpCrlSource('ftp://example.test/crl'), /http\(s\)/);
    assert.ok(crlSourceFor('https://example.test/a.crl') instanceof HttpCrlSource);
    assert.ok(crlSourceFor('/var/lib/tsunagu/jpki.crl') instanceof FileCrlSource);
  });
});

describe('FileCrlSource', () => {
  let dir: string;
  let ca: TestCa;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tsunagu-crl-'));
    ca = await createTestCa({ now });
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('FileCrlSource.get should fail when the file is missing or not a CRL', async () => {
    const missing = await new FileCrlSource(path.join(dir, 'none.crl')).get(now);
    assert.match(missing.ok ? '' : missing.detail, /no such file/);
    await fs.writeFile(path.join(dir, 'junk.crl'), 'junk');
    const junk = await new FileCrlSource(path.join(dir, 'junk.crl')).get(now);
    assert.match(junk.ok ? '' : junk.detail, /not a CRL/);
  });

  it('FileCrlSource.get should fail when the file is larger than the limit', async () => {
    const file = path.join(dir, 'big.crl');
    await fs.writeFile(file, der(await crlFor(ca)));
    const result = await new FileCrlSource(file, { maxBytes: 10 }).get(now);
    assert.match(result.ok ? '' : result.detail, /larger than/);
  });

  it('FileCrlSource.get should read the file again when an operator replaces it', async () => {
    const file = path.join(dir, 'signca.crl');
    await fs.writeFile(file, (await crlFor(ca)).toString('pem'));
    const source = new FileCrlSource(file);
    const first = await source.get(now);
    assert.ok(first.ok);
    assert.equal(first.crl.entries.length, 0);
    revokeCard(ca, '7a0102', now);
    await fs.writeFile(file, der(await crlFor(ca)));
    const second = await source.get(now);
    assert.ok(second.ok);
    assert.deepEqual(second.crl.entries.map((e) => e.serialNumber), ['7a0102']);
  });
});
