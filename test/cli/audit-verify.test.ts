import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { appendAudit } from '../../src/platform/audit/audit-log.ts';
import { createCliTarget, runCli, type CliTarget } from '../helpers/cli.ts';

describe('tsunagu audit verify', () => {
  let target: CliTarget;
  before(async () => {
    target = await createCliTarget();
    assert.equal((await runCli(target, ['migrate'])).code, 0);
  });
  after(() => target.cleanup());

  /** Opens the CLI's database in this process (PGlite: only while no CLI runs), then closes it. */
  async function withDb(run: (db: Awaited<ReturnType<CliTarget['open']>>['db']) => Promise<void>) {
    const database = await target.open();
    try {
      await run(database.db);
    } finally {
      await database.close();
    }
  }

  it('should print intact with the count and exit 0 when the chain is whole, and exit 1 naming record 3 after a superuser edits it', async () => {
    await withDb(async (db) => {
      // Concurrent transactions: the head row lock keeps one chain.
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          db.transaction().execute((trx) => appendAudit(trx, { actor: 'system', action: 'test.cli', details: { i } })),
        ),
      );
    });
    const intact = await runCli(target, ['audit', 'verify']);
    assert.equal(intact.code, 0, intact.stderr);
    assert.match(intact.stdout, /The audit log is intact: 6 record\(s\), last hash [0-9a-f]{64}\./);

    await withDb(async (db) => {
      // The trigger refuses an ordinary UPDATE…
      await assert.rejects(
        sql`update platform_audit_events set details = '{"i": 42}' where seq = 3`.execute(db),
        /platform_audit_events is append-only \(UPDATE refused\)/,
      );
      // …so the attacker is a superuser who switches it off first.
      await sql`alter table platform_audit_events disable trigger platform_audit_events_append_only`.execute(db);
      await sql`update platform_audit_events set details = '{"i": 42}' where seq = 3`.execute(db);
    });
    const broken = await runCli(target, ['audit', 'verify']);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /The audit log is broken at record 3: record 3 was changed after it was written\. 2 record\(s\) before it are intact\./);
    assert.doesNotMatch(broken.stderr, /\n\s+at /, 'no stack trace');
  });

  it('should exit 1 with a head mismatch when the last record is deleted', async () => {
    await withDb(async (db) => {
      // Rewind past the edit of the previous test (the trigger is still off), head included.
      await sql`delete from platform_audit_events where seq >= 3`.execute(db);
      await sql`update platform_audit_head set seq = 2, hash = (select hash from platform_audit_events where seq = 2)`.execute(db);
      await sql`alter table platform_audit_events enable trigger platform_audit_events_append_only`.execute(db);
    });
    assert.equal((await runCli(target, ['audit', 'verify'])).code, 0, 'a consistent rewind to record 2 (head included) verifies');
    await withDb(async (db) => {
      await appendAudit(db, { actor: 'system', action: 'test.cli.tail' });
      await appendAudit(db, { actor: 'system', action: 'test.cli.tail' });
      await sql`alter table platform_audit_events disable trigger platform_audit_events_append_only`.execute(db);
      await sql`delete from platform_audit_events where seq = 4`.execute(db);
    });
    const result = await runCli(target, ['audit', 'verify']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /broken at record 4: the log ends at record 3 but 4 were written/);
  });
});
