// Signing a level A application with the My Number card before submission, over HTTP as the
// signing page's card simulator does it: the resident confirms identity with the card (acr A),
// signs the digest the signing page shows, changes an answer (the signature no longer covers it),
// signs again and submits; revoked, expired and another person's cards are refused; the back
// office re-verifies the stored signature with signatureOf.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hiddenField, metaCsrf } from '../../../test/helpers/cookie-browser.ts';
import { createListeningTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { jpkiTrustFor } from '../../identity/assurance/jpki-trust.ts';
import type { DemoCard } from '../../identity/jpki/demo-cards.ts';
import { registerResident } from '../../identity/test/identity-helpers.ts';
import { signatureOf } from '../applications/application-signatures.ts';
import { proceduresDb } from '../db/schema.ts';
import { mainText } from './procedures-helpers.ts';

const ANSWERS: Record<string, string> = {
  fullName: '髙橋　𠮷男', fullNameKana: 'たかはし よしお',
  'birthDate-year': '昭和60', 'birthDate-month': '1', 'birthDate-day': '1',
  'address-postcode': '965-0872', 'address-address': '福島県会津若松市東栄町3-46',
  phone: '0242-39-1111', email: 'takahashi@example.jp',
  'previousAddress-postcode': '100-0001', 'previousAddress-address': '東京都千代田区千代田1-1',
  declaration: 'yes', visitWish: 'no', reason: 'moved-in', civilServant: 'no', 'moveInDate-year': '2026', 'moveInDate-month': '11', 'moveInDate-day': '20',
  'members-count': '1', 'members-0-fullName': '髙橋　𠮷男', 'members-0-fullNameKana': 'タカハシ ヨシオ', 'members-0-birthDate-year': '1985', 'members-0-birthDate-month': '1', 'members-0-birthDate-day': '1', 'members-0-relationship': 'self',
};

describe('signing level A applications with the My Number card', () => {
  let app: TestApp;
  let base: string;
  let cards: DemoCard[];
  let cookie: string;

  const request = async (path: string, init: { form?: Record<string, string>; json?: unknown; csrf?: string } = {}) => {
    const headers: Record<string, string> = { accept: init.json ? 'application/json' : 'text/html', cookie };
    let body: string | undefined;
    if (init.form) { headers['content-type'] = 'application/x-www-form-urlencoded'; body = new URLSearchParams(init.form).toString(); }
    if (init.json) { headers['content-type'] = 'application/json'; headers['x-csrf-token'] = init.csrf!; body = JSON.stringify(init.json); }
    const response = await fetch(new URL(path, base), { method: body ? 'POST' : 'GET', redirect: 'manual', headers, body });
    const set = response.headers.getSetCookie().map((c) => c.split(';')[0]);
    for (const c of set) cookie = `${cookie.split('; ').filter((x) => x.split('=')[0] !== c!.split('=')[0]).join('; ')}; ${c}`;
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  };
  const card = (id: string) => cards.find((c) => c.id === id)!;
  const signWith = async (c: DemoCard, data: Uint8Array) => {
    const key = await webcrypto.subtle.importKey('pkcs8', Buffer.from(c.privateKey, 'base64'), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    return Buffer.from(await webcrypto.subtle.sign('RSASSA-PKCS1-v1_5', key, data)).toString('base64');
  };
  /** Opens the signing page and has `cardId` sign what it shows; returns the answer to the POST. */
  const signApplication = async (bulkId: string, cardId: string) => {
    const shown = await request(`/applications/${bulkId}/sign`);
    assert.equal(shown.status, 200, mainText(shown.text).slice(0, 300));
    const data = /data-sign-data="([A-Za-z0-9_-]+)"/.exec(shown.text)![1]!;
    const response = await request(`/applications/${bulkId}/sign`, { json: { certificate: card(cardId).certificate, signature: await signWith(card(cardId), Buffer.from(data, 'base64url')) }, csrf: metaCsrf(shown.text) });
    return { status: response.status, body: JSON.parse(response.text) as Record<string, string> };
  };
  const submit = async (bulkId: string) => {
    const review = await request(`/applications/${bulkId}/review`);
    const key = (await proceduresDb(app.ctx.db).selectFrom('procedures_bulk_applications').select('submission_key').where('id', '=', bulkId).executeTakeFirstOrThrow()).submission_key;
    return request(`/applications/${bulkId}/submit`, { form: { _csrf: hiddenField(review.text, '_csrf'), submissionKey: key } });
  };

  let bulkId: string;

  before(async () => {
    ({ app, base } = await createListeningTestApp([5700, 5720]));
    const loaded = await jpkiTrustFor(app.ctx.config);
    cards = loaded.mode === 'development-test-ca' ? loaded.development.demoCards : [];
    const { sessionToken } = await registerResident(app, 'takahashi@example.jp');
    cookie = `tsn_session=${sessionToken}`;
    // Level A for the session: the identity module's card check with the resident's own card.
    const page = await request('/login/card');
    const csrf = metaCsrf(page.text);
    const started = JSON.parse((await request('/login/card/challenge', { json: {}, csrf })).text) as { challengeId: string; challenge: string };
    const stepped = await request('/login/card', { json: { challengeId: started.challengeId, certificate: card('takahashi').certificate, signature: await signWith(card('takahashi'), Buffer.from(started.challenge, 'base64url')) }, csrf });
    assert.equal(stepped.status, 200, stepped.text);

    // A draft of 国民健康保険の加入 (level A), every step answered.
    const start = await request('/applications/new?procedure=072028/kokuho-kanyu');
    const created = await request('/applications/new', { form: { _csrf: hiddenField(start.text, '_csrf'), procedure: '072028/kokuho-kanyu' } });
    bulkId = /^\/applications\/([0-9a-f-]{36})$/.exec(created.location!)![1]!;
    const prefill = await request(`/applications/${bulkId}/prefill`);
    let at = (await request(`/applications/${bulkId}/prefill`, { form: { _csrf: hiddenField(prefill.text, '_csrf'), prefill: 'no' } })).location!;
    for (let i = 0; i < 20 && !at.endsWith('/review'); i++) {
      const shown = await request(at);
      const posted = await request(at, { form: { _csrf: hiddenField(shown.text, '_csrf'), ...ANSWERS } });
      assert.equal(posted.status, 303, `${at}: ${mainText(posted.text).slice(0, 300)}`);
      at = posted.location!;
    }
  });
  after(async () => app?.close());

  it('refuses to submit before signing and offers the signing page', async () => {
    const review = await request(`/applications/${bulkId}/review`);
    assert.match(mainText(review.text), /マイナンバーカードによる電子署名が必要な申請があります[\s\S]*まだ署名していません/);
    assert.match(review.text, new RegExp(`href="/applications/${bulkId}/sign"`));
    assert.doesNotMatch(review.text, /name="submissionKey"/);
    assert.equal((await submit(bulkId)).status, 403);
  });

  it('refuses a revoked card, an expired card and another person\'s card', async () => {
    const revoked = await signApplication(bulkId, 'revoked');
    assert.equal(revoked.status, 422);
    assert.equal(revoked.body.code, 'revoked');
    const expired = await signApplication(bulkId, 'expired');
    assert.equal(expired.status, 422);
    assert.equal(expired.body.code, 'expired');
    const other = await signApplication(bulkId, 'yamazaki');
    assert.equal(other.status, 403);
    assert.match(other.body.message!, /申請者ご本人のカードではありません/);
    const count = await proceduresDb(app.ctx.db).selectFrom('procedures_application_signatures').select(({ fn }) => fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 0, 'nothing refused is stored');
  });

  it('signs, refuses a changed answer until signed again, then submits; the back office re-verifies the signature', async () => {
    const signed = await signApplication(bulkId, 'takahashi');
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.equal(signed.body.redirect, `/applications/${bulkId}/review`);
    assert.match((await request(`/applications/${bulkId}/review`)).text, /name="submissionKey"/, 'signed: the apply button is back');

    // Change the phone number after signing: the signature no longer covers the content.
    const phoneStep = `/applications/${bulkId}/steps/shared/phone`;
    const shown = await request(phoneStep);
    assert.equal(shown.status, 200);
    assert.equal((await request(`${phoneStep}?review=1`, { form: { _csrf: hiddenField(shown.text, '_csrf'), phone: '0242-39-2222' } })).status, 303);
    const review = await request(`/applications/${bulkId}/review`);
    assert.match(mainText(review.text), /署名した後に内容が変わりました/);
    const refused = await submit(bulkId);
    assert.equal(refused.status, 403);
    assert.match(mainText(refused.text), /もう一度署名してください/);

    assert.equal((await signApplication(bulkId, 'takahashi')).status, 200);
    const submitted = await submit(bulkId);
    assert.equal(submitted.status, 303, mainText(submitted.text).slice(0, 300));
    assert.equal(submitted.location, `/applications/${bulkId}/done`);

    const [application] = await proceduresDb(app.ctx.db).selectFrom('procedures_applications').select(['lg_code', 'id', 'status']).where('bulk_id', '=', bulkId).execute();
    assert.equal(application!.status, 'submitted');
    const verified = await signatureOf(app.ctx, application!.lg_code, application!.id);
    assert.equal(verified?.verified, true);
    assert.equal(verified?.signerName, '髙橋　𠮷男');
    assert.ok(verified!.signedAt instanceof Date);

    // A stored record altered afterwards no longer matches what was signed.
    await proceduresDb(app.ctx.db).deleteFrom('procedures_application_files').where('application_id', '=', application!.id).execute();
    await app.ctx.db.updateTable('procedures_applications' as never).set({ answers_sealed: app.ctx.sealer.sealJson({ values: {}, answers: { phone: '000' } }, `procedures_applications.answers:${application!.lg_code}/${application!.id}`) } as never).where('id' as never, '=', application!.id as never).execute();
    assert.equal((await signatureOf(app.ctx, application!.lg_code, application!.id))?.code, 'content_changed');
    assert.equal(await signatureOf(app.ctx, application!.lg_code, '00000000-0000-0000-0000-000000000000'), undefined);
  });
});
