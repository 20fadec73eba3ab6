import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { system } from '../../platform/authz/actor.ts';
import { grantRole } from '../../platform/authz/role-assignments.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { freePort } from '../../../test/helpers/server-process.ts';
import { CookieBrowser, hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { signUpResident } from '../accounts/sign-up.ts';
import { verifyEmail } from '../accounts/verify-email.ts';
import { issueCounterCode } from '../assurance/counter-check.ts';
import { ProfileStore } from '../profile/profile.ts';
import { MandateStore, todayInJapan } from '../proxies/mandates.ts';
import { identityOf, lastMailTo, linkToken, meta, whoAmI } from './identity-helpers.ts';

describe('proxies (代理) and mandates', () => {
  let app: TestApp;
  let base: string;
  const inAMonth = () => todayInJapan(new Date(Date.now() + 30 * 86_400_000));

  before(async () => {
    const port = await freePort(3850, 3860);
    base = `http://127.0.0.1:${port}`;
    app = await createTestApp({ config: { smtpUrl: undefined, publicUrl: base, port } });
    await app.app.listen({ port, host: '127.0.0.1' });
  });
  after(async () => app?.close());

  async function resident(email: string, familyName: string) {
    const id = identityOf(app);
    await signUpResident(id, { email, password: 'resident-password' }, meta);
    const verified = await verifyEmail(id, linkToken((await lastMailTo(app, email)).text), meta);
    assert.ok(verified.ok);
    const accountId = (await id.accounts.findByEmail(id.db, 'resident', email))!.id;
    await new ProfileStore(app.ctx.sealer).save(id.db, accountId, {
      personal: { familyName, givenName: '花子', familyNameKana: 'テスト', givenNameKana: 'ハナコ', birthDate: '1940-05-05', postalCode: '960-8601', addressLine: '五老内町3-1', phone: '', household: [] },
      residenceLgCode: '072010', workplaceLgCode: null, language: 'ja', contact: {},
    }, null);
    const session = (await id.sessions.find(id.db, verified.sessionToken))!;
    return { accountId, token: verified.sessionToken, session };
  }

  it('a resident should name a proxy with a code, the proxy accept it and act for them until it is revoked', async () => {
    const mother = await resident('mother@example.jp', '母');
    const son = await resident('son@example.jp', '息子');
    const store = new MandateStore(identityOf(app));
    const { code } = await store.invite(mother.accountId, { scope: 'all', procedures: [], description: null, validUntil: inAMonth() }, meta);
    assert.match(code, /^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    assert.deepEqual(await store.accept(mother.accountId, code, meta), { ok: false, reason: 'own' });
    const accepted = await store.accept(son.accountId, code.toLowerCase().replace('-', ' '), meta);
    assert.ok(accepted.ok);
    assert.deepEqual(await store.accept(son.accountId, code, meta), { ok: false, reason: 'unknown' }, 'a code works once');
    assert.ok(await store.act(son.session, accepted.mandateId, meta));
    const me = await whoAmI(app, son.token);
    assert.equal(me.status, 200);
    const page = await app.app.inject({ method: 'GET', url: '/account', cookies: { tsn_session: son.token } });
    assert.match(page.body, /母 花子 様の代理人として操作しています/);
    const audit = await app.ctx.db.selectFrom('platform_audit_events').select(['action', 'subject']).where('action', 'in', ['identity.mandate_accepted', 'identity.proxy_started']).execute();
    for (const action of ['identity.mandate_accepted', 'identity.proxy_started']) {
      assert.deepEqual(audit.filter((a) => a.action === action).map((a) => a.subject).sort(), [mother.accountId, son.accountId].sort(), `${action} is on both accounts`);
    }
    assert.ok(await store.revoke(mother.accountId, accepted.mandateId, meta));
    const after = await app.app.inject({ method: 'GET', url: '/account', cookies: { tsn_session: son.token } });
    assert.doesNotMatch(after.body, /代理人として操作しています/, 'a revoked mandate stops at the next request');
    assert.equal(await store.act(son.session, accepted.mandateId, meta), false);
  });

  it('a mandate past its date should not be usable', async () => {
    const grandma = await resident('grandma@example.jp', '祖母');
    const grandson = await resident('grandson@example.jp', '孫');
    const store = new MandateStore(identityOf(app));
    const { code } = await store.invite(grandma.accountId, { scope: 'listed', procedures: [], description: '介護保険の申請', validUntil: inAMonth() }, meta);
    const accepted = await store.accept(grandson.accountId, code, meta);
    assert.ok(accepted.ok);
    await identityOf(app).db.updateTable('identity_mandates').set({ valid_until: '2020-01-01' }).where('id', '=', accepted.mandateId).execute();
    assert.equal(await store.act(grandson.session, accepted.mandateId, meta), false);
    const { received } = await store.forAccount(grandson.accountId);
    assert.equal(received[0]?.status, 'expired');
    assert.equal(received[0]?.description, '介護保険の申請');
  });

  it('the pages should refuse a date more than a year away and show the code once it is right', async () => {
    const parent = await resident('parent-pages@example.jp', '親');
    const browser = new CookieBrowser();
    browser.setCookie(base, 'tsn_session', parent.token);
    const form = await (await browser.request(`${base}/account/proxies/new`)).text();
    const csrf = hiddenField(form, '_csrf');
    const tooLate = await browser.request(`${base}/account/proxies/new`, { form: { _csrf: csrf, scope: 'all', 'validUntil-year': '2099', 'validUntil-month': '1', 'validUntil-day': '1' } });
    assert.equal(tooLate.status, 422);
    assert.match(await tooLate.text(), /1年以内/);
    const [y, m, d] = inAMonth().split('-');
    const ok = await browser.request(`${base}/account/proxies/new`, { form: { _csrf: csrf, scope: 'all', 'validUntil-year': y!, 'validUntil-month': String(Number(m)), 'validUntil-day': String(Number(d)) } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /<span class="counter-code">[A-Z2-9]{5}-[A-Z2-9]{5}<\/span>/);
  });

  it('a counter clerk should register a mandate from a scanned power of attorney, and refuse a file that is not a PDF or image', async () => {
    const id = identityOf(app);
    const elder = await resident('elder@example.jp', '高齢');
    const helper = await resident('helper@example.jp', '支援');
    const clerkId = await id.accounts.create(id.db, { kind: 'staff', lgCode: '072010', email: 'clerk@city.fukushima.example.jp', passwordHash: null, emailVerified: true });
    await grantRole(app.ctx, system, { principalId: `account:${clerkId}`, role: 'counter_clerk', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072010' } }, { ip: null, requestId: null });
    const clerkToken = await id.sessions.create(id.db, { accountId: clerkId, stage: 'complete', methods: ['pwd', 'otp'], acr: 'C' });
    const browser = new CookieBrowser();
    browser.setCookie(base, 'tsn_session', clerkToken);
    const page = await (await browser.request(`${base}/staff/mandates/new`)).text();
    const csrf = hiddenField(page, '_csrf');
    const [y, m, d] = inAMonth().split('-');
    assert.match(page, /value="070009\/jidoushazei-jusho"/, 'the power of attorney names catalogue procedures (here the prefecture’s)');
    const send = async (file: Blob) => {
      const form = new FormData();
      for (const [k, v] of Object.entries({ _csrf: csrf, office: '072010', grantorCode: await issueCounterCode(id, elder.accountId), proxyCode: await issueCounterCode(id, helper.accountId), scope: 'listed', procedures: '070009/jidoushazei-jusho', 'validUntil-year': y!, 'validUntil-month': String(Number(m)), 'validUntil-day': String(Number(d)) })) form.append(k, v);
      form.append('document', file, 'inin.pdf');
      return fetch(`${base}/staff/mandates/new`, { method: 'POST', body: form, headers: { cookie: `tsn_session=${clerkToken}; _csrf=${browser.cookie(base, '_csrf')}`, accept: 'text/html' } });
    };
    const refused = await send(new Blob(['MZ not a pdf at all'], { type: 'application/pdf' }));
    assert.equal(refused.status, 422);
    assert.match(await refused.text(), /PDF・JPEG・PNGのファイルを選んでください/);
    const done = await send(new Blob([Buffer.from('%PDF-1.7\n委任状\n%%EOF')], { type: 'application/pdf' }));
    assert.equal(done.status, 200, await done.clone().text());
    assert.match(await done.text(), /代理人を登録しました/);
    const { received } = await new MandateStore(id).forAccount(helper.accountId);
    assert.equal(received[0]?.status, 'active');
    assert.equal(received[0]?.source, 'counter');
    assert.deepEqual(received[0]?.procedures, [{ lgCode: '070009', code: 'jidoushazei-jusho' }]);
    const stored = await id.db.selectFrom('identity_mandate_documents').select(['content_type', 'content_sealed', 'size']).executeTakeFirstOrThrow();
    assert.equal(stored.content_type, 'application/pdf');
    assert.ok(!stored.content_sealed.includes('JVBER'), 'the scan is sealed, not stored as plain base64');
  });
});
