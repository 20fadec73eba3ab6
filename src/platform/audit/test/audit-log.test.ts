import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase } from '../../../../test/helpers/test-database.ts';
import { closeTestDatabase } from '../../../../test/helpers/cli.ts';
import type { DatabaseHandle } from '../../db/database.ts';
import { appendAudit, GENESIS_HASH, verifyAuditChain } from '../audit-log.ts';

describe('audit log', () => {
  let database: DatabaseHandle;
  before(async () => {
    database = await createTestDatabase({ seeded: false });
  });
  after(() => closeTestDatabase(database));

  it('appendAudit should keep one unbroken chain when records come from concurrent transactions', async () => {
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        database.db.transaction().execute(async (trx) => {
          await appendAudit(trx, { actor: `user:${i}`, action: 'test.concurrent', lgCode: '072036', details: { i } });
        }),
      ),
    );
    const rows = await database.db.selectFrom('platform_audit_events').select(['seq', 'prev_hash', 'hash']).orderBy('seq').execute();
    assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: 24 }, (_, i) => i + 1));
    assert.equal(rows[0]!.prev_hash, GENESIS_HASH);
    rows.slice(1).forEach((row, i) => assert.equal(row.prev_hash, rows[i]!.hash));
    const result = await verifyAuditChain(database.db);
    assert.deepEqual(result, { ok: true, count: 24, lastHash: rows.at(-1)!.hash });
  });

  it('appendAudit should hash details as they are stored when they hold dates or undefined members', async () => {
    const record = await appendAudit(database.db, {
      actor: 'system',
      action: 'test.details',
      details: { at: new Date('2026-11-23T12:00:00.000Z'), gone: undefined, nested: { b: 2, a: [1, 'x', null] } },
    });
    assert.deepEqual(record.details, { at: '2026-11-23T12:00:00.000Z', nested: { b: 2, a: [1, 'x', null] } });
    const result = await verifyAuditChain(database.db, 5); // small batches cross page boundaries
    assert.equal(result.ok, true, JSON.stringify(result));
  });

  it('appendAudit should roll back with the change it records when that transaction fails', async () => {
    const before = await verifyAuditChain(database.db);
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await appendAudit(trx, { actor: 'system', action: 'test.rollback' });
        throw new Error('change failed');
      }),
    );
    assert.deepEqual(await verifyAuditChain(database.db), before);
  });

  it('the audit table should refuse UPDATE, DELETE and TRUNCATE', async () => {
    await assert.rejects(sql`update platform_audit_events set actor = 'mallory' where seq = 1`.execute(database.db), /append-only \(UPDATE refused\)/);
    await assert.rejects(sql`delete from platform_audit_events where seq = 1`.execute(database.db), /append-only \(DELETE refused\)/);
    await assert.rejects(sql`truncate platform_audit_events`.execute(database.db), /append-only \(TRUNCATE refused\)/);
  });

  it('verifyAuditChain should name the first broken record when a superuser rewrites, removes or forges records', async () => {
    const tamper = (statement: ReturnType<typeof sql>) =>
      database.db.transaction().execute(async (trx) => {
        await sql`alter table platform_audit_events disable trigger platform_audit_events_append_only`.execute(trx);
        await statement.execute(trx);
        await sql`alter table platform_audit_events enable trigger platform_audit_events_append_only`.execute(trx);
      });
    const original = await database.db.selectFrom('platform_audit_events').selectAll().where('seq', '=', 3).executeTakeFirstOrThrow();

    await tamper(sql`update platform_audit_events set details = '{"i": 999}' where seq = 3`);
    let result = await verifyAuditChain(database.db);
    assert.deepEqual(result, { ok: false, count: 2, brokenAt: 3, reason: 'record 3 was changed after it was written' });

    // Put it back exactly: the chain is whole again (the hash is over content, not row identity).
    await tamper(sql`update platform_audit_events set details = ${JSON.stringify(original.details)}::jsonb where seq = 3`);
    assert.equal((await verifyAuditChain(database.db)).ok, true);

    await tamper(sql`delete from platform_audit_events where seq = 7`);
    result = await verifyAuditChain(database.db);
    assert.deepEqual(result, { ok: false, count: 6, brokenAt: 7, reason: 'record 7 is missing' });
  });

  it('verifyAuditChain should detect removed last records and a removed head', async () => {
    const fresh = await createTestDatabase({ seeded: false });
    try {
      for (let i = 0; i < 4; i++) await appendAudit(fresh.db, { actor: 'system', action: 'test.tail', details: { i } });
      await fresh.db.transaction().execute(async (trx) => {
        await sql`alter table platform_audit_events disable trigger platform_audit_events_append_only`.execute(trx);
        await sql`delete from platform_audit_events where seq = 4`.execute(trx);
      });
      assert.deepEqual(await verifyAuditChain(fresh.db), { ok: false, count: 3, brokenAt: 4, reason: 'the log ends at record 3 but 4 were written' });
      // An attacker who also rewinds the head to record 3 is caught only if they forget the hash…
      await sql`update platform_audit_head set seq = 3`.execute(fresh.db);
      const result = await verifyAuditChain(fresh.db);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.brokenAt, 3);
      // …and removing the head row altogether is refused too.
      await sql`delete from platform_audit_head`.execute(fresh.db);
      assert.deepEqual(await verifyAuditChain(fresh.db), { ok: false, count: 3, brokenAt: 4, reason: 'the chain head row is missing' });
    } finally {
      await closeTestDatabase(fresh);
    }
  });
});
