import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTsunagu } from '../../src/app.ts';
import { testConfig } from '../helpers/test-database.ts';
import { createCliTarget, runCli, runCliProcess, type CliTarget } from '../helpers/cli.ts';

describe('tsunagu commands', () => {
  let target: CliTarget;
  before(async () => {
    target = await createCliTarget();
  });
  after(() => target.cleanup());

  // The real binary, as an operator runs it: exit codes and output of the process itself.
  it('migrate should list the migrations it applied, then say the database is up to date', async () => {
    // Before it: reading commands ask for a migration rather than failing with a stack trace.
    for (const args of [['audit', 'verify'], ['backup', `${target.workDir}/early.gz`]]) {
      const early = await runCliProcess(target, args);
      assert.equal(early.code, 2, args.join(' '));
      assert.equal(early.stderr, 'tsunagu: the database has not been set up yet; run "tsunagu migrate" first\n');
    }
    const first = await runCliProcess(target, ['migrate']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Applied \d+ migration\(s\):\n {2}2026-11-23T1200-platform-tenancy\n/);
    assert.match(first.stdout, /2026-11-23T1203-platform-jobs/);
    const second = await runCli(target, ['migrate']);
    assert.equal(second.code, 0);
    assert.equal(second.stdout, 'The database is up to date.\n');
  });

  it('should exit 2 with the usage when the command is unknown or incomplete', async () => {
    for (const args of [['frobnicate'], ['tenants'], ['tenants', 'export', 'x.csv'], ['audit'], ['backup'], ['restore'], ['tokens', 'issue']]) {
      const result = await runCli(target, args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /^tsunagu: .+\n\nUsage: tsunagu <command>/, args.join(' '));
      assert.doesNotMatch(result.stderr, /\n\s+at /, `${args.join(' ')}: no stack trace`);
    }
    const none = await runCliProcess(target, []);
    assert.equal(none.code, 2);
    assert.match(none.stdout, /^Usage: tsunagu <command>/);
    const help = await runCli(target, ['help']);
    assert.equal(help.code, 0);
  });

  it('tokens issue should refuse bad options with exit 2 and the usage', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['tokens', 'issue', '--name', 'x', '--colour', 'red'], /Unknown option '--colour'/],
      [['tokens', 'issue', '--name'], /argument missing/],
      [['tokens', 'issue', '--name', 'x', '--role', 'municipal_admin'], /--role needs --prefecture/],
      [['tokens', 'issue', '--name', 'x', '--days', '0'], /--days must be a whole number from 1/],
      [['tokens', 'issue', '--name', 'x', '--role', 'auditor', '--prefecture', '070009', '--zone', 'aizu', '--municipality', '072028'], /not both/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(target, args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, message, args.join(' '));
    }
  });

  it('tokens issue should print a token that authenticates with its role', async () => {
    assert.equal((await runCli(target, ['seed'])).code, 0);
    const result = await runCli(target, ['tokens', 'issue', '--name', 'Aizuwakamatsu admin', '--role', 'municipal_admin', '--prefecture', '070009', '--municipality', '072028']);
    assert.equal(result.code, 0, result.stderr);
    const token = result.stdout.trim().split('\n').at(-1)!;
    assert.match(token, /^tsn_[A-Za-z0-9_-]{43}$/);
    assert.match(result.stdout, /Token for "Aizuwakamatsu admin" \(principal token:[0-9a-f-]{36}, valid 90 days\)/);

    const database = await target.open();
    try {
      const tsunagu = await buildTsunagu({ config: testConfig(), database, logger: false });
      try {
        const me = await tsunagu.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
        assert.equal(me.statusCode, 200, me.body);
        const body = me.json();
        assert.equal(body.name, 'Aizuwakamatsu admin');
        assert.deepEqual(
          body.roles.map((r: { role: string; scope: unknown }) => [r.role, r.scope]),
          [['municipal_admin', { level: 'municipality', prefectureCode: '070009', zoneId: null, lgCode: '072028' }]],
        );
        const wrong = await tsunagu.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}x` } });
        assert.equal(wrong.statusCode, 401);
      } finally {
        await tsunagu.close();
      }
    } finally {
      await database.close();
    }
  });

  it('tokens issue should exit 2 and leave no usable token when the role cannot be granted', async () => {
    // 131016 (千代田区) is a valid code but not a municipality of this prefecture here.
    const result = await runCli(target, ['tokens', 'issue', '--name', 'stray', '--role', 'municipal_admin', '--prefecture', '070009', '--municipality', '131016']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^tsunagu: TSN_PLATFORM_VALIDATION: The municipality is not a tenant in this prefecture/);
    assert.doesNotMatch(result.stdout, /tsn_/);
    const database = await target.open();
    try {
      const tokens = await database.db.selectFrom('platform_api_tokens').select(['name', 'revoked_at']).where('name', '=', 'stray').execute();
      assert.equal(tokens.length, 1);
      assert.ok(tokens[0]!.revoked_at, 'the token that was never shown is revoked');
    } finally {
      await database.close();
    }
    assert.equal((await runCli(target, ['audit', 'verify'])).code, 0);
  });
});
