// A proxy (代理人) under a mandate for listed procedures, over real HTTP: the resident chooses the
// procedures from the catalogue when giving the mandate and sees them by name; the proxy may
// start and submit those, and is refused anything else when starting (Japanese and English) and
// again at submit (a draft the resident began herself) and at resubmitting a returned one; a
// mandate from before the catalogue, whose procedures are only words, allows nothing online and
// says so.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { createListeningTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { identityOf, meta } from '../../identity/test/identity-helpers.ts';
import { proceduresDb } from '../db/schema.ts';
import { addMember } from '../workflow/memberships.ts';
import { issueApiToken } from '../../platform/authz/api-tokens.ts';
import { grantRole } from '../../platform/authz/role-assignments.ts';
import { system } from '../../platform/authz/actor.ts';
import { submitApplications } from './workflow-helpers.ts';
import { MandateStore, todayInJapan } from '../../identity/proxies/mandates.ts';
import { PREFERENCE_COOKIES } from '../../platform/http/request-context.ts';
import { mainText, signedInResident } from './procedures-helpers.ts';

describe('proxy applications within the mandate (委任の範囲)', () => {
  let app: TestApp;
  let base: string;
  const [y, m, d] = todayInJapan(new Date(Date.now() + 30 * 86_400_000)).split('-');
  const until = { 'validUntil-year': y!, 'validUntil-month': String(Number(m)), 'validUntil-day': String(Number(d)) };

  before(async () => {
    ({ app, base } = await createListeningTestApp([5900, 5909]));
  });
  after(async () => app?.close());

  /** The proxy accepts `code` and starts acting for its giver. */
  const actFor = async (proxy: Awaited<ReturnType<typeof signedInResident>>, code: string) => {
    const accepted = await proxy.submitOn('/account/proxies/accept', '/account/proxies/accept', { code });
    assert.equal(accepted.status, 303, mainText(accepted.text));
    const list = await proxy.get('/account/proxies');
    const id = /action="\/account\/proxies\/([0-9a-f-]{36})\/act"/.exec(list.text)![1]!;
    const acting = await proxy.post(`/account/proxies/${id}/act`, hiddenField(list.text, '_csrf'), {});
    assert.equal(acting.status, 303);
  };

  it('a proxy should apply only for the procedures the resident chose from the catalogue', async () => {
    const mother = await signedInResident(app, base, 'mandate-mother@example.jp');
    const son = await signedInResident(app, base, 'mandate-son@example.jp');

    // No residence in her profile: she chooses the municipality first.
    assert.match(mainText((await mother.get('/account/proxies/new')).text), /上で市町村を選んで/);
    const form = await mother.get('/account/proxies/new?lgCode=072028');
    assert.match(form.text, /value="072028\/kodomo-iryouhi"/, 'the catalogue procedures of 会津若松市 are offered');
    assert.match(form.text, /value="070009\/jidoushazei-jusho"/, 'and the prefecture’s');
    assert.doesNotMatch(form.text, /value="072028\/tennyu-todoke"/, 'a counter-only procedure is not offered');
    const csrf = hiddenField(form.text, '_csrf');
    const none = await mother.post('/account/proxies/new', csrf, { lgCode: '072028', scope: 'listed', ...until });
    assert.equal(none.status, 422);
    assert.match(mainText(none.text), /任せる手続を1つ以上選んでください/);
    const forged = await mother.post('/account/proxies/new', csrf, { lgCode: '072028', scope: 'listed', procedures: '072028/no-such-thing', ...until });
    assert.equal(forged.status, 422);
    assert.match(mainText(forged.text), /一覧から選んでください/);
    const given = await mother.post('/account/proxies/new', csrf, { lgCode: '072028', scope: 'listed', procedures: ['072028/kodomo-iryouhi'], description: '医療費のことだけ', ...until });
    assert.equal(given.status, 200, mainText(given.text));
    const code = /<span class="counter-code">([A-Z2-9-]+)<\/span>/.exec(given.text)![1]!;
    assert.match(mainText((await mother.get('/account/proxies')).text), /任せる手続：子ども医療費助成の申請（会津若松市）.*メモ：医療費のことだけ/);

    // The mother's own draft of a procedure she did not hand over.
    const own = await mother.submitOn('/applications/new?procedure=072028/shussei-renraku', '/applications/new', { procedure: '072028/shussei-renraku' });
    assert.equal(own.status, 303);
    const draftId = /\/applications\/([0-9a-f-]{36})$/.exec(own.location!)![1]!;

    await actFor(son, code);
    const allowed = await son.get('/applications/new?procedure=072028/kodomo-iryouhi');
    assert.equal(allowed.status, 200);
    const refused = await son.get('/applications/new?procedure=072028/shussei-renraku');
    assert.equal(refused.status, 403);
    assert.match(mainText(refused.text), /委任に含まれていない手続のため、代理で申請できません：「出生連絡票の提出（新生児訪問）」/);
    const english = await fetch(`${base}/applications/new?procedure=072028/shussei-renraku`, { headers: { accept: 'text/html', cookie: `tsn_session=${son.sessionToken}; ${PREFERENCE_COOKIES.lang}=en` } });
    assert.equal(english.status, 403);
    assert.match(mainText(await english.text()), /You cannot apply for &quot;Birth notice for a newborn home visit&quot; on behalf of .*: the mandate does not include it/);
    const posted = await son.post('/applications/new', hiddenField(allowed.text, '_csrf'), { procedure: '072028/shussei-renraku' });
    assert.equal(posted.status, 403, 'the start is refused on the server too');
    const started = await son.post('/applications/new', hiddenField(allowed.text, '_csrf'), { procedure: '072028/kodomo-iryouhi' });
    assert.equal(started.status, 303);

    // The draft the mother began is hers, so the son sees it, but cannot submit it for her.
    const review = await son.get(`/applications/${draftId}/review`);
    assert.equal(review.status, 200);
    const submitted = await son.post(`/applications/${draftId}/submit`, hiddenField(review.text, '_csrf'), { submissionKey: hiddenField(review.text, 'submissionKey') });
    assert.equal(submitted.status, 403);
    assert.match(mainText(submitted.text), /出生連絡票の提出（新生児訪問）/);
    const still = await proceduresDb(app.ctx.db).selectFrom('procedures_bulk_applications').select('status').where('id', '=', draftId).executeTakeFirst();
    assert.equal(still?.status, 'draft', 'nothing was submitted');

    // Her own application, returned for correction (差戻し): the son cannot resubmit it for her.
    const [key] = await submitApplications(app, mother.accountId, ['072028/shussei-renraku']);
    const reviewer = await issueApiToken(app.ctx.db, { name: 'kenko reviewer', createdBy: 'system' });
    await grantRole(app.ctx, system, { principalId: reviewer.principalId, role: 'reviewer', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072028' } }, { ip: null, requestId: null });
    await addMember(proceduresDb(app.ctx.db), { lgCode: '072028', departmentCode: 'kenko', principalId: reviewer.principalId, displayName: 'kenko', addedBy: 'system' });
    const staffApi = (method: string, path: string, body?: unknown, etag?: string) => fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${reviewer.token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), ...(etag ? { 'if-match': etag } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const seen = await staffApi('GET', `/api/v1/applications/${key}`);
    const returned = await staffApi('POST', `/api/v1/applications/${key}/decisions`, { action: 'return', reasons: [{ field: 'birthWeight', reason: '出生体重を確かめてください' }] }, seen.headers.get('etag')!);
    assert.equal(returned.status, 200, await returned.text());
    const correction = await son.get(`/account/applications/${key}/correct`);
    assert.equal(correction.status, 200, 'he may see it');
    const resubmitted = await son.post(`/account/applications/${key}/correct`, hiddenField(correction.text, '_csrf'), { birthWeight: '3012' });
    assert.equal(resubmitted.status, 403);
    assert.match(mainText(resubmitted.text), /出生連絡票の提出（新生児訪問）/);
  });

  it('a mandate whose procedures are only described in words should allow no online application, and say why', async () => {
    const grandma = await signedInResident(app, base, 'mandate-grandma@example.jp');
    const grandson = await signedInResident(app, base, 'mandate-grandson@example.jp');
    // As mandates were stored before procedures were chosen from the catalogue.
    const { code } = await new MandateStore(identityOf(app)).invite(grandma.accountId, { scope: 'listed', procedures: [], description: '子ども医療費の申請', validUntil: todayInJapan(new Date(Date.now() + 30 * 86_400_000)) }, meta);
    assert.match(mainText((await grandma.get('/account/proxies')).text), /手続を文章で指定した委任です（「子ども医療費の申請」）/);
    await actFor(grandson, code);
    const refused = await grandson.get('/applications/new?procedure=072028/kodomo-iryouhi');
    assert.equal(refused.status, 403);
    assert.match(mainText(refused.text), /手続を文章で指定したものなので、代理で申請できません/);
  });
});
