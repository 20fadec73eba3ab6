// Level A with the My Number card, over HTTP as the card simulator page does it: challenge,
// WebCrypto signature with the demo card's key, verification against the development TEST CA.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { freePort } from '../../../test/helpers/server-process.ts';
import { CookieBrowser, metaCsrf } from '../../../test/helpers/cookie-browser.ts';
import { signUpResident } from '../accounts/sign-up.ts';
import { verifyEmail } from '../accounts/verify-email.ts';
import { jpkiTrustFor } from '../assurance/jpki-trust.ts';
import type { DemoCard } from '../jpki/demo-cards.ts';
import { ProfileStore } from '../profile/profile.ts';
import * as oidc from 'openid-client';
import { ClientRegistry } from '../oidc/client-registry.ts';
import { identityOf, lastMailTo, linkToken, meta } from './identity-helpers.ts';

describe('My Number card (JPKI) and level A', () => {
  let app: TestApp;
  let base: string;
  let cards: DemoCard[];

  before(async () => {
    const port = await freePort(3800, 3850);
    base = `http://127.0.0.1:${port}`;
    app = await createTestApp({ config: { smtpUrl: undefined, publicUrl: base, port } });
    await app.app.listen({ port, host: '127.0.0.1' });
    const loaded = await jpkiTrustFor(app.ctx.config);
    assert.equal(loaded.mode, 'development-test-ca');
    cards = loaded.mode === 'development-test-ca' ? loaded.development.demoCards : [];
  });
  after(async () => app?.close());

  async function resident(email: string) {
    const id = identityOf(app);
    await signUpResident(id, { email, password: 'card-holder-password' }, meta);
    const verified = await verifyEmail(id, linkToken((await lastMailTo(app, email)).text), meta);
    assert.ok(verified.ok);
    const browser = new CookieBrowser();
    browser.setCookie(base, 'tsn_session', verified.sessionToken);
    const page = await browser.request(`${base}/login/card`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /カードシミュレーター/);
    return { browser, csrf: metaCsrf(html), accountId: (await id.accounts.findByEmail(id.db, 'resident', email))!.id };
  }

  async function sign(card: DemoCard, challenge: string): Promise<string> {
    const key = await webcrypto.subtle.importKey('pkcs8', Buffer.from(card.privateKey, 'base64'), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    return Buffer.from(await webcrypto.subtle.sign('RSASSA-PKCS1-v1_5', key, Buffer.from(challenge, 'base64url'))).toString('base64');
  }

  async function present(session: Awaited<ReturnType<typeof resident>>, cardId: string, tamper?: (challenge: string) => string) {
    const card = cards.find((c) => c.id === cardId)!;
    const headers = { 'x-csrf-token': session.csrf };
    const started = (await (await session.browser.request(`${base}/login/card/challenge`, { method: 'POST', json: {}, headers })).json()) as { challengeId: string; challenge: string };
    const signature = await sign(card, tamper ? tamper(started.challenge) : started.challenge);
    const response = await session.browser.request(`${base}/login/card`, { method: 'POST', json: { challengeId: started.challengeId, certificate: card.certificate, signature, return: '/account' }, headers });
    return { status: response.status, body: (await response.json()) as Record<string, string>, started, card, signature };
  }

  async function me(browser: CookieBrowser) {
    return (await (await browser.request(`${base}/api/v1/me`, { json: undefined, headers: { accept: 'application/json' } })).json()) as { account: { assuranceLevel: string; acr: string; methods: string[] } };
  }

  it('a valid card should raise the account to level A, step the session up and fill the profile with the basic four exactly', async () => {
    const session = await resident('takahashi@example.jp');
    const result = await present(session, 'takahashi');
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(result.body.redirect, '/account');
    const now = await me(session.browser);
    assert.equal(now.account.assuranceLevel, 'A');
    assert.equal(now.account.acr, 'A');
    assert.ok(now.account.methods.includes('jpki'));
    const profile = await new ProfileStore(app.ctx.sealer).find(identityOf(app).db, session.accountId);
    assert.equal(profile?.personal.familyName, '髙橋');
    assert.equal(profile?.personal.givenName, '𠮷男');
    assert.equal(profile?.personal.birthDate, '1985-04-12');
    assert.equal(profile?.residenceLgCode, '072010', '福島市');
    assert.equal(profile?.personal.addressLine, '見本町一丁目２番３号');
    const audit = await app.ctx.db.selectFrom('platform_audit_events').select(['action', 'details']).where('subject', '=', session.accountId).where('action', '=', 'identity.card_bound').execute();
    assert.equal(audit.length, 1);
    assert.ok(!JSON.stringify(audit).includes('髙橋'), 'no personal data in the audit log');
  });

  for (const [cardId, code] of [['expired', 'expired'], ['revoked', 'revoked'], ['untrusted-issuer', 'untrusted_chain'], ['wrong-key', 'bad_signature']] as const) {
    it(`the ${cardId} card should be refused with ${code} and the account stay at level C`, async () => {
      const session = await resident(`${cardId}@example.jp`);
      const result = await present(session, cardId);
      assert.equal(result.status, 422);
      assert.equal(result.body.code, code);
      assert.ok((result.body.message ?? '').length > 10, 'a message the resident can read');
      assert.equal((await me(session.browser)).account.assuranceLevel, 'C');
    });
  }

  it('a signature over other bytes than the challenge should be refused', async () => {
    const session = await resident('tampered@example.jp');
    const result = await present(session, 'yamazaki', (challenge) => Buffer.from(`x${challenge}`).toString('base64url'));
    assert.equal(result.body.code, 'bad_signature');
  });

  it('a challenge should work once: replaying a good answer is refused', async () => {
    const session = await resident('replay@example.jp');
    const first = await present(session, 'yamazaki');
    assert.equal(first.status, 200);
    const replay = await session.browser.request(`${base}/login/card`, { method: 'POST', json: { challengeId: first.started.challengeId, certificate: first.card.certificate, signature: first.signature }, headers: { 'x-csrf-token': session.csrf } });
    assert.equal(replay.status, 422);
    assert.equal(((await replay.json()) as { code: string }).code, 'challenge_expired');
  });

  it('one card should confirm one account only', async () => {
    const other = await resident('second-account@example.jp');
    const result = await present(other, 'yamazaki');
    assert.equal(result.status, 422);
    assert.equal(result.body.code, 'card_bound_elsewhere');
  });

  it('after the card, a service asking for level A should sign the resident in at acr A without asking again', async () => {
    const fresh = await resident('service-a2@example.jp');
    const registry = new ClientRegistry(identityOf(app).db, app.ctx.sealer);
    const redirect = 'https://tax.example.jp/cb';
    const { clientId, clientSecret } = await registry.register(identityOf(app).db, { lgCode: '072010', nameJa: '税の申告', nameEn: 'Tax returns', redirectUris: [redirect], postLogoutRedirectUris: [], grantTypes: ['authorization_code'], public: false, scope: 'openid' }, 'test');
    const config = await oidc.discovery(new URL(base), clientId, clientSecret!, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: redirect, scope: 'openid', acr_values: 'urn:tsunagu:loa:A', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 's' });
    const before = await fresh.browser.follow(url.href, { stop: (u) => u.startsWith(redirect) });
    assert.match(before.location, /\/login\/card\?return=/, 'level C: the card is asked for');
    // A fresh card for this resident (the demo CA issues one like J-LIS would).
    const { development } = (await jpkiTrustFor(app.ctx.config)) as Extract<Awaited<ReturnType<typeof jpkiTrustFor>>, { mode: 'development-test-ca' }>;
    const { issueCard, exportCard } = await import('../jpki/test-ca.ts');
    const issued = await issueCard(development.ca, { resident: { name: '安齋　光', address: '福島県伊達郡川俣町見本１番地', dateOfBirth: '1999-09-09', sex: 'female' }, notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 365 * 86_400_000) });
    cards.push({ id: 'anzai', label: { ja: '', en: '' }, expected: 'ok', resident: { name: '', address: '', dateOfBirth: '1999-09-09', sex: 'female' }, ...(await exportCard(issued)) });
    assert.equal((await present(fresh, 'anzai')).status, 200);
    const profile = await new ProfileStore(app.ctx.sealer).find(identityOf(app).db, fresh.accountId);
    assert.equal(profile?.residenceLgCode, '073083', '川俣町, found past the county name 伊達郡');
    const after = await fresh.browser.follow(before.visited[0]!, { stop: (u) => u.startsWith(redirect) });
    assert.ok(after.location.startsWith(`${redirect}?code=`), after.visited.join(' → '));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(after.location), { pkceCodeVerifier: verifier, expectedState: 's' });
    assert.equal(tokens.claims()!.acr, 'urn:tsunagu:loa:A');
    assert.ok((tokens.claims()!.amr as string[]).includes('sc'));
  });

  it('without a session the card endpoints should answer 401 and the page should send to login', async () => {
    const anonymous = new CookieBrowser();
    assert.equal((await anonymous.request(`${base}/login/card`)).status, 303);
    const refused = await anonymous.request(`${base}/login/card/demo-cards`, { headers: { accept: 'application/json' } });
    assert.equal(refused.status, 404, 'the demo keys are not handed to strangers');
  });
});
