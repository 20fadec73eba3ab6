// `tsunagu staff invite`: how the first administrator gets an account.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCliTarget, runCli, type CliTarget } from '../helpers/cli.ts';

describe('tsunagu staff invite', () => {
  let target: CliTarget;
  before(async () => {
    target = await createCliTarget();
  });
  after(async () => target?.cleanup());

  it('should refuse a tenant that is not loaded yet, naming what to do', async () => {
    const result = await runCli(target, ['staff', 'invite', '--email', 'admin@pref.example.lg.jp', '--name', '県 太郎', '--lg-code', '070009', '--role', 'platform_admin']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /070009 is not a tenant here yet/);
  });

  it('should invite the first administrator with their role once the prefecture is loaded, and refuse a bad address', async () => {
    assert.equal((await runCli(target, ['seed'])).code, 0);
    const bad = await runCli(target, ['staff', 'invite', '--email', 'not-an-address', '--name', 'x', '--lg-code', '070009']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /valid --email/);
    const result = await runCli(target, ['staff', 'invite', '--email', 'admin@pref.example.lg.jp', '--name', '県 太郎', '--lg-code', '070009', '--role', 'platform_admin']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Invited 県 太郎 \(account:[0-9a-f-]{36}\)/);
    const database = await target.open();
    try {
      const roles = await database.db.selectFrom('platform_role_assignments').select(['principal_id', 'role']).where('role', '=', 'platform_admin').execute();
      assert.ok(roles.some((r) => r.principal_id.startsWith('account:')));
      const mail = await database.db.selectFrom('platform_jobs').select('topic').where('topic', '=', 'platform.mail').execute();
      assert.equal(mail.length, 1, 'the invitation waits in the queue for the server to send');
    } finally {
      await database.close();
    }
  });
});
