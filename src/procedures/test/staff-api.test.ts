// The staff API for the catalog and navigations: a municipality's staff manage their own
// tenant's departments, procedures and navigations and nobody else's; prefecture staff manage
// the prefecture's procedures, which every municipality then shows; a stale write gets 412 and
// a missing If-Match 428, never a silent overwrite; bad input gets 4xx naming the field; every
// change is in the audit log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { movingInNavigation } from '../demo-seed.ts';
import type { NavigationDefinition } from '../navigation/navigation-definition.ts';
import { procedureLinks, staffToken, startWorld, type ProceduresWorld } from './procedures-helpers.ts';

const L = (ja: string, en: string) => ({ ja, en });

const parkProcedure = {
  departmentCode: 'koen',
  title: L('公園の占用許可申請', 'Permit to use a park'),
  summary: L('イベントなどで公園を使うときに申請します。', 'Apply to use a park for an event.'),
  kana: 'コウエンノセンヨウキョカ',
  lifeEvents: [],
  assuranceLevel: 'B',
  fees: [{ label: L('1日あたり', 'Per day'), amountYen: 1200 }],
  documents: [{ name: L('使用計画書', 'Plan of use') }],
  channel: 'portal',
  status: 'published',
};

describe('procedures staff API', () => {
  let world: ProceduresWorld;
  let koriyama: string;
  let prefecture: string;
  let auditor: string;

  before(async () => {
    world = await startWorld([4860, 4890]);
    koriyama = await staffToken(world, 'municipal_admin', '072036');
    prefecture = await staffToken(world, 'municipal_admin', '070009');
    auditor = await staffToken(world, 'auditor', '072036');
  });
  after(async () => world?.close());

  it('a municipality’s staff should create a department and a procedure, then find it on the public catalog', async () => {
    const dept = await world.api('PUT', '/api/v1/procedure-departments/072036/koen', { name: L('公園緑地課', 'Parks Division'), contact: { phone: '024-000-0000', placeJa: '郡山市役所 西庁舎', placeEn: 'West building' } }, koriyama);
    assert.equal(dept.status, 201, JSON.stringify(dept.body));
    assert.equal(dept.headers.get('etag'), '"v1"');
    const created = await world.api('PUT', '/api/v1/procedures/072036/koen-senyou', parkProcedure, koriyama);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get('location'), '/api/v1/procedures/072036/koen-senyou');
    assert.equal(created.body.fees[0].amountYen, 1200);
    assert.equal(created.body.formVersionId, null);
    const found = await world.page(`/procedures?q=${encodeURIComponent('こうえん')}&municipality=072036`);
    assert.deepEqual(procedureLinks(found.text), ['072036/koen-senyou']);
    const detail = await world.page('/procedures/072036/koen-senyou');
    assert.match(detail.text, /1,200円/);
    assert.match(detail.text, /オンライン申請の受付はまだ始まっていません/, 'a portal procedure without a published form says so');
    assert.match(detail.text, /024-000-0000/);
    const log = await world.api('GET', '/api/v1/audit-events?lgCode=072036', undefined, world.adminToken);
    const actions = (log.body.items ?? log.body.events ?? []).map((e: { action: string }) => e.action);
    assert.ok(actions.includes('procedures.department_created'), actions.join(', '));
    assert.ok(actions.includes('procedures.procedure_created'));
  });

  it('an update should need the current ETag: none gets 428, a stale one 412, and nothing is overwritten', async () => {
    const read = await world.api('GET', '/api/v1/procedures/072036/koen-senyou', undefined, koriyama);
    const etag = read.headers.get('etag')!;
    assert.equal((await world.api('PUT', '/api/v1/procedures/072036/koen-senyou', parkProcedure, koriyama)).status, 428);
    const first = await world.api('PUT', '/api/v1/procedures/072036/koen-senyou', { ...parkProcedure, title: L('公園の使用許可申請', 'Permit to use a park') }, koriyama, { 'if-match': etag });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.notEqual(first.headers.get('etag'), etag);
    const stale = await world.api('PUT', '/api/v1/procedures/072036/koen-senyou', { ...parkProcedure, title: L('上書き', 'Overwrite') }, koriyama, { 'if-match': etag });
    assert.equal(stale.status, 412);
    assert.equal(stale.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal((await world.api('GET', '/api/v1/procedures/072036/koen-senyou')).body.title.ja, '公園の使用許可申請');
    // Two staff creating the same procedure at once: one wins, the other is told, never both.
    const racing = await Promise.all([0, 1].map((i) => world.api('PUT', '/api/v1/procedures/072036/race', { ...parkProcedure, title: L(`競争${i}`, `Race ${i}`) }, koriyama)));
    const statuses = racing.map((r) => r.status).sort();
    assert.equal(statuses[0], 201);
    assert.ok([409, 428].includes(statuses[1]!), `the second got ${statuses[1]}`);
    // Creating over an existing one is refused as well.
    assert.equal((await world.api('PUT', '/api/v1/procedures/072036/koen-senyou', parkProcedure, koriyama, { 'if-none-match': '*' })).status, 412);
    assert.equal((await world.api('PUT', '/api/v1/procedures/072036/brand-new', parkProcedure, koriyama, { 'if-match': '"v1"' })).status, 412);
  });

  it('a municipality should not edit another’s catalog, an auditor should only read, and anonymous callers see only what is published', async () => {
    const other = await world.api('PUT', '/api/v1/procedures/072028/tennyu-todoke', parkProcedure, koriyama, { 'if-match': '"v1"' });
    assert.equal(other.status, 403);
    assert.equal((await world.api('PUT', '/api/v1/procedure-departments/072028/shimin', { name: L('乗っ取り', 'Takeover') }, koriyama, { 'if-match': '"v1"' })).status, 403);
    assert.equal((await world.api('PUT', '/api/v1/procedures/070009/jidoushazei-jusho', parkProcedure, koriyama, { 'if-match': '"v1"' })).status, 403, 'the prefecture’s procedures are the prefecture’s');
    assert.equal((await world.api('PUT', '/api/v1/navigations/072028/birth', movingInNavigation, koriyama)).status, 403);
    assert.equal((await world.api('PUT', '/api/v1/procedures/072036/by-auditor', parkProcedure, auditor)).status, 403);
    assert.equal((await world.api('PUT', '/api/v1/procedures/072036/anon', parkProcedure, '')).status, 401);
    // A draft is visible to staff of its tenant, not to the public.
    const draft = await world.api('PUT', '/api/v1/procedures/072036/draft-one', { ...parkProcedure, status: 'draft' }, koriyama);
    assert.equal(draft.status, 201);
    assert.equal((await world.api('GET', '/api/v1/procedures/072036/draft-one', undefined, '')).status, 404);
    assert.equal((await world.api('GET', '/api/v1/procedures/072036/draft-one', undefined, auditor)).status, 200);
    assert.equal((await world.page('/procedures/072036/draft-one')).status, 404);
    const staffList = await world.api('GET', '/api/v1/procedures?lgCode=072036&q=%E5%85%AC%E5%9C%92', undefined, auditor);
    assert.deepEqual(staffList.body.items.map((p: { code: string }) => p.code).sort(), ['draft-one', 'koen-senyou', 'race']);
    const publicList = await world.api('GET', '/api/v1/procedures?lgCode=072036&q=%E5%85%AC%E5%9C%92', undefined, '');
    assert.deepEqual(publicList.body.items.map((p: { code: string }) => p.code).sort(), ['koen-senyou', 'race']);
  });

  it('prefecture staff should manage a prefecture procedure that every municipality then shows', async () => {
    await world.api('PUT', '/api/v1/procedure-departments/070009/kankyo', { name: L('環境共生課', 'Environment Division') }, prefecture);
    const created = await world.api('PUT', '/api/v1/procedures/070009/ev-hojo', { ...parkProcedure, departmentCode: 'kankyo', title: L('電気自動車の購入補助', 'EV purchase subsidy'), kana: 'でんきじどうしゃ', channel: 'external', external: { url: 'https://www.jgrants-portal.go.jp/', name: L('jGrants', 'jGrants') } }, prefecture);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const city of ['072028', '072036', '072010']) {
      assert.ok(procedureLinks((await world.page(`/procedures?q=${encodeURIComponent('でんきじどうしゃ')}&municipality=${city}`)).text).includes('070009/ev-hojo'), city);
    }
  });

  it('bad input should get 400 naming each field, never a 500', async () => {
    const bad = await world.api('PUT', '/api/v1/procedures/072036/bad-one', { ...parkProcedure, departmentCode: 'nowhere', lifeEvents: ['moving-in', 'space-travel'], kana: 'koen', channel: 'external', external: { url: 'javascript:alert(1)', name: L('x', 'x') } }, koriyama);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'TSN_PROCEDURES_INVALID_PROCEDURE');
    assert.deepEqual(bad.body.errors.map((e: { name: string }) => e.name).sort(), ['/departmentCode', '/external/url', '/kana', '/lifeEvents/1']);
    const counterless = await world.api('PUT', '/api/v1/procedures/072036/bad-two', { ...parkProcedure, channel: 'counter' }, koriyama);
    assert.deepEqual(counterless.body.errors.map((e: { name: string }) => e.name), ['/counter']);
    const fractional = await world.api('PUT', '/api/v1/procedures/072036/bad-three', { ...parkProcedure, fees: [{ label: L('a', 'a'), amountYen: 12.5 }] }, koriyama);
    assert.equal(fractional.status, 400);
    assert.match(JSON.stringify(fractional.body.errors), /amountYen/);
    for (const [method, path, body] of [
      ['PUT', '/api/v1/procedures/072036/Bad_Code', parkProcedure],
      ['PUT', '/api/v1/procedures/12345/x1', parkProcedure],
      ['PUT', '/api/v1/procedures/072036/bad-four', { title: 'not an object' }],
      ['PUT', '/api/v1/procedures/072036/bad-five', '{'],
      ['PUT', '/api/v1/navigations/072036/birth', { always: [], start: 'x', questions: 'none' }],
      ['PUT', '/api/v1/navigations/070009/birth', movingInNavigation],
      ['PUT', '/api/v1/navigations/072036/no-such-event', movingInNavigation],
      ['GET', '/api/v1/procedures?page=0', undefined],
      ['GET', '/api/v1/navigations/072036/birth?version=abc', undefined],
    ] as const) {
      const response = await world.api(method, path, body, koriyama);
      assert.ok(response.status >= 400 && response.status < 500, `${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    }
  });

  const save = (definition: NavigationDefinition, headers: Record<string, string> = {}) => world.api('PUT', '/api/v1/navigations/072036/marriage', definition, koriyama, headers);
  const option = (id: string, next: string | null, adds: NavigationDefinition['always'] = []) => ({ id, label: L(id, id), next, adds });
  const why = L('理由', 'Why');

  it('invalid navigations should be refused with the node named; a valid one saved as a version; a stale save 412', async () => {
    const base: NavigationDefinition = {
      always: [],
      start: 'q1',
      questions: [
        { id: 'q1', text: L('質問1', 'Q1'), options: [option('yes', 'q2', [{ procedure: { code: 'inkan-touroku' }, why }]), option('no', 'q2', [{ procedure: { code: 'tennyu-todoke' }, why }])] },
        { id: 'q2', text: L('質問2', 'Q2'), options: [option('yes', null, [{ procedure: { lgCode: '070009', code: 'jidoushazei-jusho' }, why }]), option('no', null)] },
      ],
    };
    const refused = async (definition: NavigationDefinition, pattern: RegExp, pointer: string) => {
      const response = await save(definition);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.code, 'TSN_PROCEDURES_INVALID_NAVIGATION');
      assert.ok(response.body.errors.some((e: { name: string; detail: string }) => e.name === pointer && pattern.test(e.detail)), JSON.stringify(response.body.errors));
    };
    await refused({ ...base, questions: [base.questions[0]!, { ...base.questions[1]!, options: [option('yes', 'q9'), option('no', null, [{ procedure: { code: 'tennyu-todoke' }, why }])] }] }, /設問「q2」の選択肢「yes」の次の設問「q9」がありません/, '/questions/1/options/0/next');
    await refused({ ...base, questions: [base.questions[0]!, { ...base.questions[1]!, options: [option('yes', 'q1'), option('no', null, [{ procedure: { code: 'tennyu-todoke' }, why }])] }] }, /設問が循環しています: q1 → q2 → q1/, '/questions/0');
    await refused({ ...base, questions: [...base.questions, { id: 'q3', text: L('孤立', 'Orphan'), options: [option('a', null), option('b', null)] }] }, /設問「q3」にはどの回答からもたどり着けません/, '/questions/2');
    const emptyPath = { ...base, questions: [{ ...base.questions[0]!, options: [base.questions[0]!.options[0]!, option('no', 'q2')] }, base.questions[1]!] };
    await refused(emptyPath, /手続が一つもないまま終わる回答の道筋があります: q1 › no → q2 › no/, '/questions/1');
    await refused({ ...base, always: [{ procedure: { lgCode: '072028', code: 'tennyu-todoke' }, why }] }, /この団体では使えません/, '/always/0/procedure');
    await refused({ ...base, always: [{ procedure: { code: 'no-such-thing' }, why }] }, /「072036\/no-such-thing」は登録されていません/, '/always/0/procedure');
    await refused({ ...base, start: 'zz' }, /最初の設問「zz」がありません/, '/start');
    // English messages for an English caller.
    const english = await world.api('PUT', '/api/v1/navigations/072036/marriage', { ...base, start: 'zz' }, koriyama, { 'accept-language': 'en' });
    assert.match(JSON.stringify(english.body.errors), /The first question \\"zz\\" does not exist/);
    // The check endpoint says the same without saving.
    const checked = await world.api('POST', '/api/v1/navigations/072036/marriage/check', emptyPath, koriyama);
    assert.equal(checked.body.valid, false);

    const valid = { ...base, always: [{ procedure: { code: 'tennyu-todoke' }, why }] };
    const first = await save(valid);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.version, 1);
    assert.equal((await save(valid)).status, 428);
    const second = await save(valid, { 'if-match': '"v1"' });
    assert.equal(second.status, 200);
    assert.equal(second.body.version, 2);
    assert.equal((await save(valid, { 'if-match': '"v1"' })).status, 412);
    // Both versions are kept; residents walk the current one.
    assert.equal((await world.api('GET', '/api/v1/navigations/072036/marriage?version=1', undefined, '')).body.version, 1);
    assert.equal((await world.api('GET', '/api/v1/navigations/072036/marriage', undefined, '')).headers.get('etag'), '"v2"');
    const walked = await world.page('/life-events/marriage/072036');
    assert.match(walked.location!, /questions\/q1\?v=2$/);
    const log = await world.api('GET', '/api/v1/audit-events?lgCode=072036', undefined, world.adminToken);
    assert.equal((log.body.items ?? log.body.events ?? []).filter((e: { action: string }) => e.action === 'procedures.navigation_saved').length, 2);
  });

  it('the demo navigations should pass the same checks', async () => {
    for (const city of ['072028', '072036']) {
      for (const event of ['moving-in', 'birth']) {
        const { body } = await world.api('GET', `/api/v1/navigations/${city}/${event}`, undefined, '');
        const checked = await world.api('POST', `/api/v1/navigations/${city}/${event}/check`, body.definition, world.adminToken);
        assert.deepEqual(checked.body, { valid: true, errors: [] }, `${city} ${event}`);
      }
    }
  });
});
