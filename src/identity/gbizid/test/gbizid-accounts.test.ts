// The business-account side of a GビズID login, with the issuer replaced by a stub that returns
// claims as if the callback had verified them: how claims are read, how accounts are found,
// made, refreshed and refused. (The protocol itself is tested against the stand-in process.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../../test/helpers/test-database.ts';
import { identityOf, meta } from '../../test/identity-helpers.ts';
import type { IdentityContext } from '../../identity-context.ts';
import { BusinessLinks } from '../business-links.ts';
import { readGbizidClaims } from '../gbizid-claims.ts';
import { GbizidError, type GbizidClient } from '../gbizid-client.ts';
import { finishGbizidLogin, type GbizidRuntime } from '../log-in-with-gbizid.ts';
import { PendingLogins } from '../pending-logins.ts';

const PRIME = { account_type: 2, corp_type: 1, corporate_number: '7999901000001', name: '株式会社あぶくま精工', user_last_nm: '阿武隈', user_first_nm: '太郎', email: 'Taro@Abukuma-Seiko.example' };

describe('reading GビズID claims', () => {
  it('readGbizidClaims should read a Prime holder of a corporation as its representative', () => {
    const read = readGbizidClaims('sub-1', PRIME);
    assert.ok(read.ok);
    assert.deepEqual(read.identity, {
      subject: 'sub-1',
      email: 'taro@abukuma-seiko.example',
      personName: '阿武隈 太郎',
      business: { accountType: 'prime', corpType: 'corporation', corporateNumber: '7999901000001', corporateName: '株式会社あぶくま精工', representative: true },
    });
  });

  it('readGbizidClaims should accept codes given as strings of the same digit', () => {
    const read = readGbizidClaims('sub-1', { ...PRIME, account_type: '3', corp_type: '1' });
    assert.ok(read.ok);
    assert.equal(read.identity.business.accountType, 'member');
    assert.equal(read.identity.business.representative, false);
  });

  it('readGbizidClaims should refuse what cannot be right', () => {
    const problem = (claims: Record<string, unknown>) => {
      const read = readGbizidClaims('sub-1', claims);
      return read.ok ? 'accepted' : read.problem;
    };
    assert.equal(problem({ ...PRIME, account_type: 4 }), 'account_type');
    assert.equal(problem({ ...PRIME, account_type: undefined }), 'account_type');
    assert.equal(problem({ ...PRIME, corp_type: 3 }), 'corp_type');
    assert.equal(problem({ ...PRIME, corporate_number: undefined }), 'corporate_number_missing');
    assert.equal(problem({ ...PRIME, corporate_number: 7999901000001 }), 'corporate_number_missing', 'a number is not the string GビズID sends');
    assert.equal(problem({ ...PRIME, corporate_number: '799990100000' }), 'corporate_number_format');
    assert.equal(problem({ ...PRIME, corporate_number: '8999901000001' }), 'corporate_number_check_digit');
    assert.equal(problem({ ...PRIME, name: '  ' }), 'business_name');
    assert.equal(problem({ ...PRIME, email: undefined }), 'email');
    assert.equal(problem({ ...PRIME, email: 'not an address' }), 'email');
  });

  it('readGbizidClaims should read a sole proprietor without a corporate number, named by trade name or else by the person', () => {
    const sole = { account_type: 2, corp_type: 2, corporate_number: 'X-123', user_last_nm: '会津', user_first_nm: '四郎', email: 'shiro@kobo-aizu.example' };
    const named = readGbizidClaims('s', { ...sole, name: '工房あいづ' });
    assert.ok(named.ok);
    assert.equal(named.identity.business.corporateNumber, null, 'GビズID\'s number for a sole proprietor is not a 法人番号');
    assert.equal(named.identity.business.corporateName, '工房あいづ');
    assert.equal(named.identity.business.representative, true);
    const unnamed = readGbizidClaims('s', sole);
    assert.ok(unnamed.ok);
    assert.equal(unnamed.identity.business.corporateName, '会津 四郎');
  });
});

describe('GビズID login: business accounts', () => {
  let app: TestApp;
  let ctx: IdentityContext;
  let next: () => Promise<{ subject: string; claims: Record<string, unknown> }>;
  let rt: GbizidRuntime;

  before(async () => {
    app = await createTestApp({ config: { smtpUrl: undefined } });
    ctx = identityOf(app);
    const client = { issuer: 'https://gbiz-id.stub.example/oauth/', finish: () => next(), authorizationUrl: async () => new URL('https://gbiz-id.stub.example/oauth/authorize') };
    rt = { client: client as unknown as GbizidClient, links: new BusinessLinks(app.ctx.sealer), pending: new PendingLogins(app.ctx.sealer) };
  });
  after(async () => app?.close());

  /** One login in which the issuer says `claims` about `subject`. */
  async function login(subject: string, claims: Record<string, unknown>) {
    next = async () => ({ subject, claims });
    const { state } = await rt.pending.create(ctx.db, '/');
    return finishGbizidLogin(ctx, rt, { stateFromBrowser: state, query: `code=stub&state=${state}` }, meta);
  }

  it('finishGbizidLogin should make one business account per subject, owned by the prefecture', async () => {
    const first = await login('sub-a', PRIME);
    assert.equal(first.outcome, 'signed_in');
    const account = (await ctx.accounts.findById(ctx.db, first.outcome === 'signed_in' ? first.accountId : ''))!;
    assert.equal(account.kind, 'business');
    assert.equal(account.lgCode, '070009');
    assert.equal(account.email, 'taro@abukuma-seiko.example');
    assert.equal(account.emailVerified, true);
    assert.equal(account.passwordHash, null, 'no password: only GビズID logs this account in');
    assert.equal(account.assuranceLevel, 'B');
    const again = await login('sub-a', { ...PRIME, email: 'taro.new@abukuma-seiko.example', user_first_nm: '太朗' });
    assert.equal(again.outcome === 'signed_in' && again.accountId, account.id);
    const updated = (await ctx.accounts.findById(ctx.db, account.id))!;
    assert.equal(updated.email, 'taro.new@abukuma-seiko.example', 'the address GビズID gives now');
    assert.equal(updated.displayName, '阿武隈 太朗');
  });

  it('finishGbizidLogin should move an address that GビズID moved to another account, without failing either login', async () => {
    const shared = 'desk@shinobu-foods.example';
    const first = await login('sub-old', { ...PRIME, corporate_number: '4999902000003', email: shared });
    const second = await login('sub-new', { ...PRIME, corporate_number: '4999902000003', account_type: 3, email: shared });
    assert.ok(first.outcome === 'signed_in' && second.outcome === 'signed_in');
    assert.notEqual(first.accountId, second.accountId);
    assert.equal((await ctx.accounts.findByEmail(ctx.db, 'business', shared))!.id, second.accountId);
    assert.equal((await ctx.accounts.findById(ctx.db, first.accountId))!.emailVerified, false, 'the old holder no longer has a confirmed address');
    const back = await login('sub-old', { ...PRIME, corporate_number: '4999902000003', email: 'owner@shinobu-foods.example' });
    assert.equal(back.outcome === 'signed_in' && back.accountId, first.accountId);
  });

  it('finishGbizidLogin should lower the level when a Prime account comes back as an Entry one', async () => {
    const prime = await login('sub-level', { ...PRIME, email: 'level@abukuma-seiko.example' });
    assert.ok(prime.outcome === 'signed_in');
    await login('sub-level', { ...PRIME, account_type: 1, email: 'level@abukuma-seiko.example' });
    assert.equal((await ctx.accounts.findById(ctx.db, prime.accountId))!.assuranceLevel, 'C');
    assert.equal((await rt.links.find(ctx.db, prime.accountId))!.representative, false);
  });

  it('finishGbizidLogin should refuse a disabled business account and start no session', async () => {
    const ok = await login('sub-disabled', { ...PRIME, email: 'disabled@abukuma-seiko.example' });
    assert.ok(ok.outcome === 'signed_in');
    await ctx.accounts.update(ctx.db, ok.accountId, { status: 'disabled' });
    const before = (await ctx.sessions.list(ctx.db, ok.accountId)).length;
    assert.equal((await login('sub-disabled', { ...PRIME, email: 'disabled@abukuma-seiko.example' })).outcome, 'disabled');
    assert.equal((await ctx.sessions.list(ctx.db, ok.accountId)).length, before);
  });

  it('finishGbizidLogin should say expired when the browser brought no state, and when the code was already redeemed', async () => {
    assert.equal((await finishGbizidLogin(ctx, rt, { stateFromBrowser: undefined, query: 'code=x&state=y' }, meta)).outcome, 'expired');
    next = async () => {
      throw new GbizidError('code_rejected', 'invalid_grant');
    };
    const { state } = await rt.pending.create(ctx.db, '/');
    assert.equal((await finishGbizidLogin(ctx, rt, { stateFromBrowser: state, query: `code=used&state=${state}` }, meta)).outcome, 'expired');
  });

  it('finishGbizidLogin should tell a cancellation from an error the issuer reports', async () => {
    const cancelled = await rt.pending.create(ctx.db, '/procedures');
    const result = await finishGbizidLogin(ctx, rt, { stateFromBrowser: cancelled.state, query: `error=access_denied&state=${cancelled.state}` }, meta);
    assert.deepEqual(result, { outcome: 'cancelled', returnTo: '/procedures' });
    const failed = await rt.pending.create(ctx.db, '/');
    assert.equal((await finishGbizidLogin(ctx, rt, { stateFromBrowser: failed.state, query: `error=server_error&state=${failed.state}` }, meta)).outcome, 'invalid_response');
  });
});
