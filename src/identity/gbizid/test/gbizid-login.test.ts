// Business login against the GビズID stand-in running as its own process, over real HTTP, with a
// cookie-keeping browser: Tsunagu as the relying party end to end (openid-client on our side,
// oidc-provider on the issuer's side).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { system } from '../../../platform/authz/actor.ts';
import { issueApiToken } from '../../../platform/authz/api-tokens.ts';
import { grantRole } from '../../../platform/authz/role-assignments.ts';
import { CookieBrowser } from '../../../../test/helpers/cookie-browser.ts';
import { freePort } from '../../../../test/helpers/server-process.ts';
import { createTestApp, type TestApp } from '../../../../test/helpers/test-database.ts';
import { identityDb } from '../../db/schema.ts';
import { auditActions, CALLBACK, externalIssuer, callbackFor, lastAuditSeq, linkOf, logInAs, toStandinLoginPage } from './gbizid-helpers.ts';
import { startStandinProcess, type StandinProcess } from './standin-process.ts';

describe('GビズID login against the stand-in process', () => {
  let app: TestApp;
  let base: string;
  let standin: StandinProcess;

  before(async () => {
    const port = await freePort(3870, 3880);
    base = `http://127.0.0.1:${port}`;
    const client = { clientId: 'tsunagu-test', clientSecret: randomBytes(16).toString('hex') };
    standin = await startStandinProcess({ ports: [3850, 3858], ...client, redirectUri: `${base}${CALLBACK}` });
    app = await createTestApp({ config: { publicUrl: base, port, smtpUrl: undefined, gbizid: externalIssuer(standin.url, client) } });
    await app.app.listen({ port, host: '127.0.0.1' });
  });
  after(async () => {
    await app?.close();
    await standin?.stop();
  });

  async function me(browser: CookieBrowser) {
    const response = await fetch(`${base}/api/v1/me`, { headers: { cookie: `tsn_session=${browser.cookie(base, 'tsn_session')}`, accept: 'application/json' } });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  it('a representative should log in with method gbizid and be recorded as the representative of the corporation', async () => {
    const since = await lastAuditSeq(app);
    const browser = new CookieBrowser();
    const done = await logInAs(browser, base, 'standin-abukuma-prime');
    assert.ok(done.visited.some((u) => u.startsWith(standin.url)), 'the browser went to the issuer');
    assert.equal(done.location, `${base}/`, 'back on the site');
    const who = await me(browser);
    assert.equal(who.status, 200);
    assert.equal(who.body.name, '阿武隈 太郎');
    assert.equal(who.body.account.kind, 'business');
    assert.equal(who.body.account.lgCode, '070009', 'owned by the prefecture like residents');
    assert.deepEqual(who.body.account.methods, ['gbizid']);
    assert.equal(who.body.account.acr, 'B', 'GビズID Prime: documents checked');
    assert.deepEqual(who.body.account.business, { corporateNumber: '7999901000001', corporateName: '株式会社あぶくま精工', representative: true, accountType: 'prime' });

    const link = (await linkOf(app, 'standin-abukuma-prime'))!;
    assert.equal(link.issuer, standin.url);
    assert.equal(link.representative, true);
    assert.ok(!link.corporate_name_sealed.includes('あぶくま'), 'the corporate name is sealed at rest');
    const actions = (await auditActions(app, since)).map((r) => r.action);
    assert.ok(actions.includes('identity.account_registered') && actions.includes('identity.gbizid_linked') && actions.includes('identity.login'), actions.join(', '));
  });

  it('an employee (gBizID Member) should be recorded as an employee, not the representative', async () => {
    const browser = new CookieBrowser();
    await logInAs(browser, base, 'standin-bandai-member');
    const who = await me(browser);
    assert.equal(who.body.account.acr, 'B');
    assert.deepEqual(who.body.account.business, { corporateNumber: '6999901000002', corporateName: '合同会社ばんだい観光', representative: false, accountType: 'member' });
    const link = (await linkOf(app, 'standin-bandai-member'))!;
    assert.equal(link.representative, false);
    assert.equal(link.account_type, 'member');
  });

  it('an Entry account should log in at level C and never count as the representative', async () => {
    const browser = new CookieBrowser();
    await logInAs(browser, base, 'standin-shinobu-entry');
    const who = await me(browser);
    assert.equal(who.body.account.acr, 'C', 'GビズID Entry: nobody checked who this is');
    assert.equal(who.body.account.business.representative, false);
    assert.equal(who.body.account.business.accountType, 'entry');
  });

  it('a sole proprietor should log in without a corporate number, as their own representative', async () => {
    const browser = new CookieBrowser();
    await logInAs(browser, base, 'standin-aizu-sole-proprietor');
    const who = await me(browser);
    assert.deepEqual(who.body.account.business, { corporateNumber: null, corporateName: '会津塗 工房あいづ', representative: true, accountType: 'prime' });
  });

  it('a second login should update the same account and link rather than add another', async () => {
    await logInAs(new CookieBrowser(), base, 'standin-bandai-prime');
    const db = identityDb(app.ctx.db);
    const first = (await linkOf(app, 'standin-bandai-prime'))!;
    // Pretend GビズID said something else last time; the next login must bring it up to date.
    await db.updateTable('identity_gbizid_links').set({ representative: false, account_type: 'member', corporate_number: '7999901000001' }).where('account_id', '=', first.account_id).execute();
    const since = await lastAuditSeq(app);
    const browser = new CookieBrowser();
    await logInAs(browser, base, 'standin-bandai-prime');
    const links = await db.selectFrom('identity_gbizid_links').selectAll().where('subject', '=', 'standin-bandai-prime').execute();
    assert.equal(links.length, 1);
    assert.equal(links[0]!.account_id, first.account_id, 'the same account');
    assert.equal(links[0]!.representative, true);
    assert.equal(links[0]!.account_type, 'prime');
    assert.equal(links[0]!.corporate_number, '6999901000002');
    assert.equal((await me(browser)).body.account.id, first.account_id);
    const accounts = await db.selectFrom('identity_accounts').select('id').where('kind', '=', 'business').where('email_index', '=', app.ctx.sealer.blindIndex('yoshiko.takahashi@bandai-kanko.example', 'identity.email')).execute();
    assert.equal(accounts.length, 1);
    const refreshed = (await auditActions(app, since)).find((r) => r.action === 'identity.gbizid_link_refreshed');
    assert.deepEqual((refreshed?.details as { changed?: string[] }).changed?.sort(), ['accountType', 'corporateNumber', 'representative']);
  });

  it('a callback with a tampered state should be refused, and the genuine one still accepted', async () => {
    const browser = new CookieBrowser();
    const callback = new URL(await callbackFor(browser, base, 'standin-abukuma-member'));
    const state = callback.searchParams.get('state')!;
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
    const refused = await browser.request(tampered.href);
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /使用済みか、有効期限が切れています/);
    assert.equal(browser.cookie(base, 'tsn_session'), undefined, 'nobody signed in');
    const genuine = await browser.request(callback.href);
    assert.equal(genuine.status, 303);
    assert.ok(browser.cookie(base, 'tsn_session'));
  });

  it('a replayed callback should be refused, in the same browser and in another', async () => {
    const browser = new CookieBrowser();
    const callback = await callbackFor(browser, base, 'standin-abukuma-member');
    const state = new URL(callback).searchParams.get('state')!;
    assert.equal((await browser.request(callback)).status, 303, 'the first use signs in');
    // Even with the state cookie put back, the pending login is spent.
    browser.setCookie(base, 'tsn_gbizid_state', state);
    const again = await browser.request(callback);
    assert.equal(again.status, 400);
    assert.match(await again.text(), /使用済みか、有効期限が切れています/);
    const elsewhere = new CookieBrowser();
    elsewhere.setCookie(base, 'tsn_gbizid_state', state);
    assert.equal((await elsewhere.request(callback)).status, 400);
    assert.equal(elsewhere.cookie(base, 'tsn_session'), undefined);
  });

  it('a callback should be refused when it reaches a browser that did not start the login (login CSRF)', async () => {
    const attacker = new CookieBrowser();
    const callback = await callbackFor(attacker, base, 'standin-abukuma-prime');
    const victim = new CookieBrowser();
    const response = await victim.request(callback);
    assert.equal(response.status, 400);
    assert.equal(victim.cookie(base, 'tsn_session'), undefined);
  });

  it('a corporate number with a wrong check digit from the issuer should be refused with a clear page', async () => {
    const since = await lastAuditSeq(app);
    const browser = new CookieBrowser();
    const done = await logInAs(browser, base, 'standin-inawashiro-mistyped');
    assert.equal(done.response?.status, 502);
    const html = await done.response!.text();
    assert.match(html, /<title>エラー：GビズIDから受け取った事業者の情報に誤りがあるため/);
    assert.match(html, /法人番号の検査用数字（先頭の1桁）が正しくありません/);
    assert.equal(browser.cookie(base, 'tsn_session'), undefined);
    assert.equal(await linkOf(app, 'standin-inawashiro-mistyped'), undefined, 'nothing stored');
    const refusal = (await auditActions(app, since)).find((r) => r.action === 'identity.gbizid_login_refused');
    assert.equal((refusal?.details as { reason?: string }).reason, 'corporate_number_check_digit');
  });

  it('cancelling at the issuer should show a page to try again, signed out', async () => {
    const browser = new CookieBrowser();
    const { action } = await toStandinLoginPage(browser, base, '/somewhere');
    const back = await browser.follow(action, { form: { action: 'cancel' } });
    assert.equal(back.response?.status, 200);
    const html = await back.response!.text();
    assert.match(html, /ログインを取りやめました/);
    assert.match(html, /href="\/business\/login\?return=%2Fsomewhere"/);
    assert.equal(browser.cookie(base, 'tsn_session'), undefined);
  });

  it('the return parameter should bring the person back to a same-site path only', async () => {
    const interaction = await logInAs(new CookieBrowser(), base, 'standin-abukuma-member', '/oidc/interaction/abc123');
    assert.equal(interaction.location, `${base}/oidc/interaction/abc123`);
    const offsite = await logInAs(new CookieBrowser(), base, 'standin-abukuma-member', 'https://evil.example/');
    assert.equal(offsite.location, `${base}/`);
  });

  it('a service using the City OS for single sign-on should get the business back after the GビズID login', async () => {
    const admin = await issueApiToken(app.ctx.db, { name: '県 運用', createdBy: 'system' });
    await grantRole(app.ctx, system, { principalId: admin.principalId, role: 'platform_admin', scope: { level: 'prefecture', prefectureCode: '070009' } }, { ip: null, requestId: null });
    const redirect = 'https://business-service.example.jp/callback';
    const registered = await fetch(`${base}/api/v1/oidc-clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ lgCode: '072036', name: { ja: '事業者向け補助金申請', en: 'Business grants' }, redirectUris: [redirect], grantTypes: ['authorization_code'], scope: 'openid business' }),
    });
    assert.equal(registered.status, 201);
    const service = (await registered.json()) as { clientId: string; clientSecret: string };
    const config = await oidc.discovery(new URL(base), service.clientId, service.clientSecret, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: redirect, scope: 'openid business', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    const browser = new CookieBrowser();
    // The City OS asks for a login and says where to come back to; the business picks GビズID.
    const asked = await browser.follow(url.href, { stop: (u) => u.startsWith(redirect) });
    const loginUrl = new URL(asked.visited.find((u) => u.startsWith(`${base}/login?`))!);
    const interaction = loginUrl.searchParams.get('return')!;
    assert.match(interaction, /^\/oidc\/interaction\//);
    const loggedIn = await logInAs(browser, base, 'standin-bandai-member', interaction);
    assert.equal(loggedIn.location, `${base}${interaction}`);
    const consent = await browser.follow(loggedIn.location, { stop: (u) => u.startsWith(redirect) });
    const page = await consent.response!.text();
    assert.match(page, /法人番号/, 'the consent page names the business details asked for');
    const back = await browser.follow(`${base}${/action="([^"]+\/consent)"/.exec(page)![1]}`, { form: { _csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]!, decision: 'allow' }, stop: (u) => u.startsWith(redirect) });
    assert.ok(back.location.startsWith(`${redirect}?code=`), back.visited.join(' → '));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.location), { pkceCodeVerifier: verifier, expectedState: state });
    const link = (await linkOf(app, 'standin-bandai-member'))!;
    assert.equal(tokens.claims()!.sub, link.account_id, 'the service sees the business account');
    assert.equal(tokens.claims()!.acr, 'urn:tsunagu:loa:B');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, link.account_id);
    assert.equal(info.corporate_number, link.corporate_number, 'the business scope releases the corporate number');
    assert.equal(info.business_representative, false, 'an employee (Member) is not the representative');
  });

  it('the login page should offer one button to GビズID carrying the return path', async () => {
    const response = await new CookieBrowser().request(`${base}/business/login?return=${encodeURIComponent('/oidc/interaction/xyz')}`);
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /<h1>GビズIDでログイン（事業者の方）<\/h1>/);
    assert.match(html, /<a class="button" href="\/business\/login\/start\?return=%2Foidc%2Finteraction%2Fxyz">GビズIDでログイン<\/a>/);
    assert.doesNotMatch(html, /stand-in/, 'a configured issuer is not called a stand-in');
  });
});
