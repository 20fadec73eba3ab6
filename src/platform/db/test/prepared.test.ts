// Statements marked PREPARED: on PostgreSQL each pooled connection prepares them once and then
// only binds and executes them (unmarked statements stay unnamed); on PGlite the mark is a
// comment. Either way every execution answers for its own parameters.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { PREPARED, type DatabaseHandle } from '../database.ts';
import { createTestDatabase } from '../../../../test/helpers/test-database.ts';

describe('PREPARED statements', () => {
  let database: DatabaseHandle;
  before(async () => {
    database = await createTestDatabase({ seeded: false });
  });
  after(async () => {
    await database?.close();
  });

  it('should answer each execution with its own parameters, and be prepared once per connection on PostgreSQL', async () => {
    // One transaction: one connection, whose prepared statements pg_prepared_statements lists.
    await database.db.transaction().execute(async (trx) => {
      for (const n of [1, 2, 3, 2]) {
        const row = (await sql<{ doubled: number }>`${PREPARED}select ${n}::int * 2 as doubled`.execute(trx)).rows[0]!;
        assert.equal(row.doubled, n * 2);
      }
      await sql`select ${5}::int as unmarked`.execute(trx);
      if (database.kind !== 'postgres') return;
      const prepared = (await sql<{ statement: string }>`select statement from pg_prepared_statements where not from_sql`.execute(trx)).rows;
      assert.deepEqual(prepared.map((p) => p.statement), ['/* prepared */ select $1::int * 2 as doubled']);
    });
  });
});
