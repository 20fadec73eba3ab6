// The form builder's API: a designer in 郡山市 imports a paper form's field list, sees what must
// be fixed, publishes only a sound definition, links a procedure to the version; stale edits are
// refused; templates of the prefecture are copied into a municipality; nobody else's forms can
// be touched; every change is audited.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { staffToken, startWorld, type ProceduresWorld } from './procedures-helpers.ts';

const L = (ja: string, en: string) => ({ ja, en });
const csv = [
  'page,key,type,dictionary,label_ja,label_en,required,options,show_if,max_length',
  'you,name,,full-name,,,,,,',
  'you,phone,,phone,,,,,,',
  ',hasDog,radio,,犬を飼っていますか,Do you keep a dog?,true,yes=はい/Yes|no=いいえ/No,,',
  ',dogName,text,,犬の名前,The dog’s name,true,,hasDog=yes,"30"',
].join('\n');

describe('forms staff API', () => {
  let world: ProceduresWorld;
  let koriyama: string;
  let aizu: string;
  let prefecture: string;
  let auditor: string;
  const csvPost = (path: string, body: string, token: string, headers: Record<string, string> = {}) =>
    fetch(`${world.base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', accept: 'application/json', ...headers }, body }).then(async (r) => ({ status: r.status, body: await r.json(), headers: r.headers }));

  before(async () => {
    world = await startWorld([4890, 4895]);
    koriyama = await staffToken(world, 'form_designer', '072036');
    aizu = await staffToken(world, 'form_designer', '072028');
    prefecture = await staffToken(world, 'municipal_admin', '070009');
    auditor = await staffToken(world, 'auditor', '072036');
  });
  after(async () => world?.close());

  it('a designer should import a CSV field list, fix the draft, publish it and link a procedure', async () => {
    const imported = await csvPost('/api/v1/forms/072036/inu-touroku/import?titleJa=' + encodeURIComponent('犬の登録') + '&titleEn=Dog%20registration', csv, koriyama);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.deepEqual(imported.body.definition.pages.map((p: { id: string }) => p.id), ['you', 'has-dog', 'dog-name'], 'rows without a page get one each');
    assert.deepEqual(imported.body.problems, []);
    assert.equal(imported.body.definition.title.ja, '犬の登録');

    // A broken edit can be saved as a draft but not published: 422 names the field.
    const broken = structuredClone(imported.body.definition);
    broken.pages[2].fields[0].showIf = { field: 'nothing' };
    const saved = await world.api('PUT', '/api/v1/forms/072036/inu-touroku', { definition: broken }, koriyama, { 'if-match': imported.headers.get('etag')! });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.match(saved.body.problems[0].detail, /ない項目「nothing」/);
    const refused = await world.api('POST', '/api/v1/forms/072036/inu-touroku/publish', undefined, koriyama, { 'if-match': saved.headers.get('etag')! });
    assert.equal(refused.status, 422);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(JSON.stringify(refused.body).includes('/pages/2/fields/0/showIf/field'), true, JSON.stringify(refused.body));

    const fixed = await world.api('PUT', '/api/v1/forms/072036/inu-touroku', { definition: imported.body.definition }, koriyama, { 'if-match': saved.headers.get('etag')! });
    assert.equal((await world.api('POST', '/api/v1/forms/072036/inu-touroku/publish', undefined, koriyama)).status, 428);
    const published = await world.api('POST', '/api/v1/forms/072036/inu-touroku/publish', undefined, koriyama, { 'if-match': fixed.headers.get('etag')! });
    assert.equal(published.status, 201, JSON.stringify(published.body));
    assert.equal(published.body.version, 1);
    assert.equal(published.body.definition.pages[0].fields[0].label.ja, '氏名', 'the dictionary entry is frozen into the version');

    // Anyone may read a published version; the procedure now points at it.
    assert.equal((await world.api('GET', '/api/v1/forms/072036/inu-touroku/versions/1', undefined, '')).status, 200);
    const procedure = await world.api('GET', '/api/v1/procedures/072036/kodomo-iryouhi', undefined, koriyama);
    const noMatch = await world.api('PUT', '/api/v1/procedures/072036/kodomo-iryouhi/form', { formCode: 'inu-touroku', version: 1 }, koriyama);
    assert.equal(noMatch.status, 428);
    const unknown = await world.api('PUT', '/api/v1/procedures/072036/kodomo-iryouhi/form', { formCode: 'inu-touroku', version: 9 }, koriyama, { 'if-match': procedure.headers.get('etag')! });
    assert.equal(unknown.status, 404);
    const linked = await world.api('PUT', '/api/v1/procedures/072036/kodomo-iryouhi/form', { formCode: 'inu-touroku', version: 1 }, koriyama, { 'if-match': procedure.headers.get('etag')! });
    assert.equal(linked.status, 200, JSON.stringify(linked.body));
    assert.equal((await world.api('GET', '/api/v1/procedures/072036/kodomo-iryouhi')).body.formVersionId, published.body.id);

    // Publishing again makes version 2; version 1 is unchanged for those who started on it.
    const head = await world.api('GET', '/api/v1/forms/072036/inu-touroku', undefined, koriyama);
    const changed = structuredClone(head.body.definition);
    changed.title = L('犬の登録（改）', 'Dog registration (new)');
    const v2draft = await world.api('PUT', '/api/v1/forms/072036/inu-touroku', { definition: changed }, koriyama, { 'if-match': head.headers.get('etag')! });
    const v2 = await world.api('POST', '/api/v1/forms/072036/inu-touroku/publish', undefined, koriyama, { 'if-match': v2draft.headers.get('etag')! });
    assert.equal(v2.body.version, 2);
    assert.equal((await world.api('GET', '/api/v1/forms/072036/inu-touroku/versions/1', undefined, '')).body.definition.title.ja, '犬の登録');
    assert.deepEqual((await world.api('GET', '/api/v1/forms/072036/inu-touroku/versions')).body.items.map((v: { version: number }) => v.version), [2, 1]);

    const log = await world.api('GET', '/api/v1/audit-events?lgCode=072036', undefined, world.adminToken);
    const actions = (log.body.items ?? log.body.events ?? []).map((e: { action: string }) => e.action);
    for (const action of ['procedures.form_created', 'procedures.form_updated', 'procedures.form_published', 'procedures.procedure_form_linked']) assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
  });

  it('a stale draft save should get 412 and leave the other designer’s work in place', async () => {
    const read = await world.api('GET', '/api/v1/forms/072036/inu-touroku', undefined, koriyama);
    const etag = read.headers.get('etag')!;
    const first = await world.api('PUT', '/api/v1/forms/072036/inu-touroku', { definition: { ...read.body.definition, title: L('一人目', 'First') } }, koriyama, { 'if-match': etag });
    assert.equal(first.status, 200);
    const second = await world.api('PUT', '/api/v1/forms/072036/inu-touroku', { definition: { ...read.body.definition, title: L('二人目', 'Second') } }, koriyama, { 'if-match': etag });
    assert.equal(second.status, 412);
    assert.equal((await world.api('GET', '/api/v1/forms/072036/inu-touroku', undefined, koriyama)).body.title.ja, '一人目');
    assert.equal((await world.api('POST', '/api/v1/forms/072036/inu-touroku/publish', undefined, koriyama, { 'if-match': etag })).status, 412);
  });

  it('bad field lists and definitions should get 4xx naming the line or field, never 500', async () => {
    const badCsv = await csvPost('/api/v1/forms/072036/bad-list/import', 'key,colour\nname,red\n', koriyama);
    assert.equal(badCsv.status, 400);
    assert.match(JSON.stringify(badCsv.body), /colour/);
    const badOptions = await csvPost('/api/v1/forms/072036/bad-list/import', 'key,type,label_ja,label_en,options\nq,radio,質問,Question,yes-only\n', koriyama);
    assert.equal(badOptions.status, 400);
    assert.match(JSON.stringify(badOptions.body), /2行目の「options」/);
    const json = await world.api('POST', '/api/v1/forms/072036/json-list/import', { title: L('JSON', 'JSON'), fields: [{ key: 'name', dictionary: 'full-name' }, { key: 'x', type: 'hologram', label_ja: '謎', label_en: 'Mystery' }] }, koriyama);
    assert.equal(json.status, 201, JSON.stringify(json.body));
    assert.match(json.body.problems[0].detail, /hologram/, 'an unknown type is reported on the draft, so the designer can fix it');
    const typo = await world.api('POST', '/api/v1/forms/072036/json-typo/import', { fields: [{ key: 'name', dictionary: 'full-name', requried: 'true' }] }, koriyama);
    assert.equal(typo.status, 400, 'a misspelt column is refused, not dropped');
    assert.match(JSON.stringify(typo.body), /requried/);
    const shape = await world.api('PUT', '/api/v1/forms/072036/shape', { definition: { title: L('a', 'a'), pages: 'many' } }, koriyama);
    assert.equal(shape.status, 400);
  });

  it('export should give the draft back as CSV that imports to the same definition', async () => {
    const exported = await fetch(`${world.base}/api/v1/forms/072036/inu-touroku/export?format=csv`, { headers: { authorization: `Bearer ${koriyama}` } });
    assert.equal(exported.headers.get('content-type'), 'text/csv; charset=utf-8');
    const bytes = Buffer.from(await exported.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM, so a spreadsheet reads the Japanese');
    const text = bytes.toString('utf8');
    assert.match(text, /page,page_title_ja/);
    const again = await csvPost('/api/v1/forms/072036/inu-copy/import', text, koriyama);
    assert.equal(again.status, 201, JSON.stringify(again.body));
    const original = await world.api('GET', '/api/v1/forms/072036/inu-touroku', undefined, koriyama);
    assert.deepEqual(again.body.definition.pages, original.body.definition.pages);
  });

  it('a municipality should copy a prefecture template and adapt it; other tenants and readers may not write', async () => {
    const template = await world.api('PUT', '/api/v1/forms/070009/tmpl-test-form', { isTemplate: true, definition: { title: L('児童手当（ひな形）', 'Child allowance (template)'), pages: [{ id: 'you', fields: [{ key: 'name', dictionary: 'full-name' }] }] } }, prefecture);
    assert.equal(template.status, 201, JSON.stringify(template.body));
    assert.equal((await world.api('PUT', '/api/v1/forms/072036/not-template', { isTemplate: true, definition: template.body.definition }, koriyama)).status, 400, 'only the prefecture offers templates');
    const listed = await world.api('GET', '/api/v1/forms?templates=true', undefined, aizu);
    assert.ok(listed.body.items.some((f: { code: string; isTemplate: boolean }) => f.code === 'tmpl-test-form' && f.isTemplate));
    // Nothing published yet: there is nothing to copy (a draft is the prefecture's work in progress).
    const early = await world.api('POST', '/api/v1/forms/072028/jidou-teate-form/copy', { from: { lgCode: '070009', code: 'tmpl-test-form' } }, aizu);
    assert.equal(early.status, 404);
    assert.match(early.body.detail, /公開した版がまだありません/);
    const published = await world.api('POST', '/api/v1/forms/070009/tmpl-test-form/publish', undefined, prefecture, { 'if-match': template.headers.get('etag')! });
    assert.equal(published.status, 201, JSON.stringify(published.body));
    // The prefecture goes on editing its draft: a copy must still take the published version.
    const halfEdited = { ...template.body.definition, title: L('編集中（未公開）', 'Being edited') };
    assert.equal((await world.api('PUT', '/api/v1/forms/070009/tmpl-test-form', { definition: halfEdited }, prefecture, { 'if-match': published.headers.get('etag')! })).status, 200);
    const copied = await world.api('POST', '/api/v1/forms/072028/jidou-teate-form/copy', { from: { lgCode: '070009', code: 'tmpl-test-form' } }, aizu);
    assert.equal(copied.status, 201, JSON.stringify(copied.body));
    assert.equal(copied.body.copiedFrom, '070009/tmpl-test-form@1');
    assert.equal(copied.body.definition.title.ja, '児童手当（ひな形）');
    assert.equal(copied.body.definition.pages[0].fields[0].dictionary, 'full-name');
    assert.equal(copied.body.isTemplate, false);
    // 会津若松市 cannot copy 郡山市's form, nor write or read it; an auditor can read but not write.
    assert.equal((await world.api('POST', '/api/v1/forms/072028/stolen/copy', { from: { lgCode: '072036', code: 'inu-touroku' } }, aizu)).status, 404);
    assert.equal((await world.api('PUT', '/api/v1/forms/072036/intruder', { definition: template.body.definition }, aizu)).status, 403);
    assert.equal((await world.api('GET', '/api/v1/forms/072036/inu-touroku', undefined, aizu)).status, 403);
    assert.equal((await world.api('GET', '/api/v1/forms/072036/inu-touroku', undefined, auditor)).status, 200);
    assert.equal((await world.api('PUT', '/api/v1/forms/072036/by-auditor', { definition: template.body.definition }, auditor)).status, 403);
    assert.equal((await world.api('PUT', '/api/v1/forms/072036/anonymous', { definition: template.body.definition }, '')).status, 401);
  });

  it('a form with published versions should not be deletable; a draft-only form should', async () => {
    const head = await world.api('GET', '/api/v1/forms/072036/inu-touroku', undefined, koriyama);
    assert.equal((await world.api('DELETE', '/api/v1/forms/072036/inu-touroku', undefined, koriyama, { 'if-match': head.headers.get('etag')! })).status, 409);
    const draft = await world.api('GET', '/api/v1/forms/072036/inu-copy', undefined, koriyama);
    assert.equal((await world.api('DELETE', '/api/v1/forms/072036/inu-copy', undefined, koriyama, { 'if-match': draft.headers.get('etag')! })).status, 204);
    assert.equal((await world.api('GET', '/api/v1/forms/072036/inu-copy', undefined, koriyama)).status, 404);
  });

  it('the dictionary should be public and list the shared fields', async () => {
    const dictionary = await world.api('GET', '/api/v1/form-dictionary', undefined, '');
    const keys = dictionary.body.items.map((e: { key: string }) => e.key);
    for (const key of ['full-name', 'full-name-kana', 'birth-date', 'address', 'phone', 'email', 'household']) assert.ok(keys.includes(key), key);
  });
});
