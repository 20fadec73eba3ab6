import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { system, type Actor } from '../../platform/authz/actor.ts';
import { grantRole } from '../../platform/authz/role-assignments.ts';
import { loadAssignments } from '../../platform/authz/authenticate.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { signUpResident } from '../accounts/sign-up.ts';
import { verifyEmail } from '../accounts/verify-email.ts';
import { issueCounterCode, lookUpCounterCode, recordIdentityCheck } from '../assurance/counter-check.ts';
import { ProfileStore } from '../profile/profile.ts';
import { identityOf, lastMailTo, linkToken, meta, whoAmI } from './identity-helpers.ts';

describe('identity checks at a counter (level B)', () => {
  let app: TestApp;
  let clerk: Actor;
  let otherClerk: Actor;

  async function clerkOf(name: string, lgCode: string): Promise<Actor> {
    const principalId = `test-clerk:${name}`;
    await grantRole(app.ctx, system, { principalId, role: 'counter_clerk', scope: { level: 'municipality', prefectureCode: '070009', lgCode } }, { ip: null, requestId: null });
    return { kind: 'principal', principalId, displayName: name, assignments: await loadAssignments(app.ctx.db, principalId) };
  }

  before(async () => {
    app = await createTestApp({ config: { smtpUrl: undefined } });
    clerk = await clerkOf('koriyama', '072036');
    otherClerk = await clerkOf('aizu', '072028');
  });
  after(async () => app?.close());

  async function resident(email: string, withProfile = true) {
    const id = identityOf(app);
    await signUpResident(id, { email, password: 'resident-password' }, meta);
    const verified = await verifyEmail(id, linkToken((await lastMailTo(app, email)).text), meta);
    assert.ok(verified.ok);
    const account = (await id.accounts.findByEmail(id.db, 'resident', email))!;
    if (withProfile) {
      await new ProfileStore(app.ctx.sealer).save(id.db, account.id, {
        personal: { familyName: '渡邉', givenName: '髙子', familyNameKana: 'ワタナベ', givenNameKana: 'タカコ', birthDate: '1970-02-03', postalCode: '963-8601', addressLine: '朝日一丁目23-7', phone: '', household: [] },
        residenceLgCode: '072036', workplaceLgCode: null, language: 'ja', contact: {},
      }, null);
    }
    return { accountId: account.id, session: verified.sessionToken };
  }

  it('a clerk should find the resident by the code, record the document, and the account should be level B', async () => {
    const { accountId, session } = await resident('counter@example.jp');
    const id = identityOf(app);
    const code = await issueCounterCode(id, accountId);
    assert.match(code, /^\d{8}$/);
    const found = await lookUpCounterCode(id, clerk, '072036', `${code.slice(0, 4)} ${code.slice(4)}`, meta);
    assert.equal(found?.accountId, accountId);
    assert.equal(found?.profile?.personal.familyName, '渡邉');
    const result = await recordIdentityCheck(id, clerk, { officeLgCode: '072036', ticket: found!.ticket, accountId, documentType: 'drivers_license', profileVersion: found!.profile!.version }, meta);
    assert.equal(result, 'recorded');
    const me = await whoAmI(app, session);
    assert.equal(me.body.account.assuranceLevel, 'B');
    assert.equal(me.body.account.acr, 'C', 'the running session was a level-C login; the next login is B');
    const checks = await id.db.selectFrom('identity_identity_checks').selectAll().where('account_id', '=', accountId).execute();
    assert.deepEqual(checks.map((c) => [c.lg_code, c.document_type, c.checked_by]), [['072036', 'drivers_license', 'test-clerk:koriyama']]);
    const page = await app.app.inject({ method: 'GET', url: '/account/profile', cookies: { tsn_session: session } });
    assert.match(page.body, /本人確認済みのため、ここでは変更できません/);
  });

  it('a code should work once, and a wrong code should find nothing', async () => {
    const { accountId } = await resident('once@example.jp');
    const id = identityOf(app);
    const code = await issueCounterCode(id, accountId);
    assert.ok(await lookUpCounterCode(id, clerk, '072036', code, meta));
    assert.equal(await lookUpCounterCode(id, clerk, '072036', code, meta), undefined);
    assert.equal(await lookUpCounterCode(id, clerk, '072036', '00000000', meta), undefined);
    const audits = await app.ctx.db.selectFrom('platform_audit_events').select('details').where('action', '=', 'identity.counter_lookup').execute();
    assert.ok(audits.length >= 3, 'every lookup is audited, found or not');
  });

  it('a clerk should not check identities at another municipality\'s counter, nor use another clerk\'s ticket', async () => {
    const { accountId } = await resident('elsewhere@example.jp');
    const id = identityOf(app);
    await assert.rejects(lookUpCounterCode(id, clerk, '072028', await issueCounterCode(id, accountId), meta), (e: { status?: number }) => e.status === 403);
    const found = (await lookUpCounterCode(id, clerk, '072036', await issueCounterCode(id, accountId), meta))!;
    const stolen = await recordIdentityCheck(id, otherClerk, { officeLgCode: '072028', ticket: found.ticket, accountId, documentType: 'passport', profileVersion: found.profile!.version }, meta);
    assert.equal(stolen, 'expired');
    const nobody: Actor = { kind: 'principal', principalId: 'test:nobody', displayName: 'x', assignments: [] };
    await assert.rejects(recordIdentityCheck(id, nobody, { officeLgCode: '072036', ticket: found.ticket, accountId, documentType: 'passport', profileVersion: 1 }, meta));
  });

  it('a profile changed while the clerk looked should not be recorded as checked', async () => {
    const { accountId } = await resident('changed@example.jp');
    const id = identityOf(app);
    const found = (await lookUpCounterCode(id, clerk, '072036', await issueCounterCode(id, accountId), meta))!;
    const profiles = new ProfileStore(app.ctx.sealer);
    const current = (await profiles.find(id.db, accountId))!;
    await profiles.save(id.db, accountId, { ...current, personal: { ...current.personal, familyName: '別人' } }, current.version);
    const result = await recordIdentityCheck(id, clerk, { officeLgCode: '072036', ticket: found.ticket, accountId, documentType: 'passport', profileVersion: found.profile!.version }, meta);
    assert.equal(result, 'profile_changed');
    assert.equal((await id.accounts.findById(id.db, accountId))!.assuranceLevel, 'C');
  });
});
