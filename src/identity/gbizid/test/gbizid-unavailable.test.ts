// When GビズID cannot be used: not answering, answering wrongly, going away in the middle of a
// login, or not configured at all. Each gives the person a clear page (502/503), never a 500.
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CookieBrowser } from '../../../../test/helpers/cookie-browser.ts';
import { freePort } from '../../../../test/helpers/server-process.ts';
import { createTestApp, type TestApp } from '../../../../test/helpers/test-database.ts';
import { CALLBACK, callbackFor, externalIssuer } from './gbizid-helpers.ts';
import { startStandinProcess } from './standin-process.ts';

const client = { clientId: 'tsunagu-test', clientSecret: 'not-used-here-0123456789' };
const html = { accept: 'text/html' };

const external = (issuer: string, timeoutSeconds = 10) => externalIssuer(issuer, client, timeoutSeconds);

/** A local HTTP server that answers every request with `answer` (or never, when it is undefined). */
async function fakeIssuer(answer?: (res: http.ServerResponse) => void) {
  const server = http.createServer((_req, res) => answer?.(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

describe('GビズID unavailable', () => {
  const apps: TestApp[] = [];
  const servers: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const app of apps) await app.close();
    for (const server of servers) await server.close();
  });

  async function appWith(gbizid: ReturnType<typeof externalIssuer>) {
    const app = await createTestApp({ config: { gbizid, smtpUrl: undefined } });
    apps.push(app);
    return app;
  }

  it('starting a login should give a 503 page when nothing listens at the issuer', async () => {
    const closed = await freePort(3858, 3860); // free: nobody listens there
    const app = await appWith(external(`http://127.0.0.1:${closed}`));
    const response = await app.app.inject({ url: '/business/login/start', headers: html });
    assert.equal(response.statusCode, 503);
    assert.match(response.headers['content-type'] as string, /text\/html/);
    assert.match(response.body, /<title>エラー：GビズIDに接続できませんでした/);
    assert.match(response.body, /メンテナンス中の可能性があります/);
    assert.equal(response.headers['retry-after'], '120');
  });

  it('starting a login should give a 503 page when the issuer answers with a server error page', async () => {
    const down = await fakeIssuer((res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>メンテナンス中</h1>'));
    servers.push(down);
    const app = await appWith(external(down.url));
    const response = await app.app.inject({ url: '/business/login/start', headers: html });
    assert.equal(response.statusCode, 503);
  });

  it('starting a login should give a 503 page when the issuer does not answer in time', async () => {
    const silent = await fakeIssuer(); // accepts the connection, never answers
    servers.push(silent);
    const app = await appWith(external(silent.url, 1));
    const response = await app.app.inject({ url: '/business/login/start', headers: html });
    assert.equal(response.statusCode, 503);
    assert.match(response.body, /GビズIDに接続できませんでした/);
  });

  it('starting a login should give a 502 page when the issuer URL leads to something that is not an OpenID Provider', async () => {
    const wrong = await fakeIssuer((res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'));
    servers.push(wrong);
    const app = await appWith(external(wrong.url));
    const response = await app.app.inject({ url: '/business/login/start', headers: html });
    assert.equal(response.statusCode, 502);
    assert.match(response.body, /GビズIDからの応答を確認できなかった/);
  });

  it('the callback should give a 503 page when the issuer goes away in the middle of a login', async () => {
    const port = await freePort(3880, 3890);
    const base = `http://127.0.0.1:${port}`;
    const secret = { clientId: 'tsunagu-test', clientSecret: randomBytes(16).toString('hex') };
    const standin = await startStandinProcess({ ports: [3860, 3866], ...secret, redirectUri: `${base}${CALLBACK}` });
    try {
      const app = await createTestApp({ config: { publicUrl: base, port, smtpUrl: undefined, gbizid: externalIssuer(standin.url, secret) } });
      apps.push(app);
      await app.app.listen({ port, host: '127.0.0.1' });
      const browser = new CookieBrowser();
      const callback = await callbackFor(browser, base, 'standin-abukuma-prime');
      await standin.stop(); // the code cannot be redeemed now
      const response = await browser.request(callback);
      assert.equal(response.status, 503);
      assert.match(await response.text(), /GビズIDに接続できませんでした/);
      assert.equal(browser.cookie(base, 'tsn_session'), undefined);
    } finally {
      await standin.stop();
    }
  });

  it('every business login page should say it is not offered when no issuer is configured and the stand-in is off (production)', async () => {
    const app = await appWith(externalIssuer(undefined, undefined));
    for (const url of ['/business/login', '/business/login/start', `${CALLBACK}?code=x&state=y`]) {
      const response = await app.app.inject({ url, headers: html });
      assert.equal(response.statusCode, 503, url);
      assert.match(response.body, /この環境ではGビズIDでのログインを利用できません/, url);
    }
  });
});
