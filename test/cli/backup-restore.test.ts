import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { appendAudit } from '../../src/platform/audit/audit-log.ts';
import { JobQueue } from '../../src/platform/queue/job-queue.ts';
import { EntityStore } from '../../src/broker/entities/entity-store.ts';
import { platformMigrations } from '../../src/platform/db/migrations/index.ts';
import { createCliTarget, runCli, tableContents, type CliTarget } from '../helpers/cli.ts';

const MIYAGI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/miyagi-municipalities.csv');

async function ok(target: CliTarget, args: string[]) {
  const result = await runCli(target, args);
  assert.equal(result.code, 0, `tsunagu ${args.join(' ')}: ${result.stderr}`);
  return result;
}

/** A database with data in every platform table: demo tenants, a token with a role, audit, jobs. */
async function populate(target: CliTarget) {
  await ok(target, ['seed']);
  await ok(target, ['tenants', 'import', MIYAGI]);
  await ok(target, ['tokens', 'issue', '--name', 'ops', '--role', 'municipal_admin', '--prefecture', '070009', '--municipality', '072036']);
  const database = await target.open();
  try {
    const queue = new JobQueue(database.db);
    await queue.enqueue(database.db, 'mail.send', { to: 'receipt:1', note: 'ユニコード "quoted"\n' }, { dedupeKey: 'receipt:1' });
    await queue.enqueue(database.db, 'mail.send', { to: 'receipt:2' }, { runAt: new Date('2030-01-01T00:00:00.123Z') });
    await appendAudit(database.db, { actor: 'system', action: 'test.backup', lgCode: '072036', ip: '192.0.2.1', details: { at: new Date(), n: 1.5 } });
    // Broker data: an entity with a geo-property (and its box) and a value, a subscription with a waiting notification.
    const store = new EntityStore(database.db);
    await store.transaction((trx) => store.write(trx, [{ tenant: '072036', before: null, after: {
      tenant: '072036', id: 'urn:ngsi-ld:Shelter:1', types: ['https://example.org/Shelter'], scopes: ['/Koriyama'], createdAt: '2026-11-23T00:00:00.000Z', modifiedAt: '2026-11-23T00:00:00.000Z',
      attrs: {
        'https://uri.etsi.org/ngsi-ld/location': [{ type: 'GeoProperty', value: { type: 'Point', coordinates: [140.36, 37.4] }, createdAt: '2026-11-23T00:00:00.000Z', modifiedAt: '2026-11-23T00:00:00.000Z' }],
        // A value, so the broker's value index (broker_entity_values) has rows to back up.
        'https://example.org/capacity': [{ type: 'Property', value: 120, createdAt: '2026-11-23T00:00:00.000Z', modifiedAt: '2026-11-23T00:00:00.000Z' }],
      },
    } }]));
    await sql`insert into broker_subscriptions (tenant, id, body) values ('072036', 'urn:ngsi-ld:Subscription:1', '{"id": "urn:ngsi-ld:Subscription:1"}')`.execute(database.db);
    await sql`insert into broker_notifications (tenant, subscription_id, trigger, entity) values ('072036', 'urn:ngsi-ld:Subscription:1', 'entityCreated', '{}')`.execute(database.db);
  } finally {
    await database.close();
  }
}

async function contents(target: CliTarget) {
  const database = await target.open();
  try {
    return await tableContents(database);
  } finally {
    await database.close();
  }
}

describe('tsunagu backup and restore', () => {
  let source: CliTarget;
  let file: string;
  let tableCount = 0;
  before(async () => {
    source = await createCliTarget();
    await populate(source);
    file = path.join(source.workDir, 'tsunagu.backup.gz');
    const backup = await ok(source, ['backup', file]);
    // Every table of every installed module (the platform's seven and the modules' own).
    assert.match(backup.stdout, /^Backed up \d+ row\(s\) from \d+ table\(s\) to /);
    tableCount = Number(/from (\d+) table/.exec(backup.stdout)![1]);
    assert.ok(tableCount > 7, backup.stdout);
  });
  after(() => source.cleanup());

  it('restore should reproduce every row of every table in an empty database, with a whole audit chain', async () => {
    const target = await createCliTarget();
    try {
      const restored = await ok(target, ['restore', file]);
      assert.match(restored.stdout, new RegExp(`^Restored \\d+ row\\(s\\) into ${tableCount} table\\(s\\) from `));
      const [expected, actual] = [await contents(source), await contents(target)];
      for (const table of ['platform_tenants', 'platform_zones', 'platform_role_assignments', 'platform_api_tokens', 'platform_audit_events', 'platform_jobs', 'broker_entities', 'broker_entity_geo', 'broker_subscriptions', 'broker_notifications']) {
        assert.ok(expected[table]!.length > 0, `${table} has rows to compare`);
      }
      assert.deepEqual(actual, expected);

      const verify = await ok(target, ['audit', 'verify']);
      const count = expected.platform_audit_events!.length;
      assert.match(verify.stdout, new RegExp(`intact: ${count} record\\(s\\)`));

      // Identity sequences continue after the restored rows; the audit chain continues too.
      const database = await target.open();
      try {
        const max = await database.db.selectFrom('platform_jobs').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
        const id = await new JobQueue(database.db).enqueue(database.db, 'mail.send', { to: 'receipt:3' });
        assert.equal(id, Number(max.id) + 1);
        const record = await appendAudit(database.db, { actor: 'system', action: 'test.after-restore' });
        assert.equal(record.seq, count + 1);
      } finally {
        await database.close();
      }
      assert.equal((await runCli(target, ['audit', 'verify'])).code, 0);

      // A second restore into the now non-empty database is refused, cleanly.
      const again = await runCli(target, ['restore', file]);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /^tsunagu: the database is not empty \(\w+ has rows\); restore only into an empty database/);
      assert.doesNotMatch(again.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      await target.cleanup();
    }
  });

  it('restore should refuse a non-empty database before migrating it down to an older backup', async () => {
    // A backup written before the jobs migration existed, restored into a current, populated
    // database: migrating down first would drop platform_jobs (and its rows) before refusing.
    const names = Object.keys(platformMigrations).slice(0, 3);
    const old = path.join(source.workDir, 'old.backup.gz');
    const header = { format: 'tsunagu-backup', version: 1, createdAt: new Date().toISOString(), migrations: names, tables: [] };
    fs.writeFileSync(old, zlib.gzipSync(`${JSON.stringify(header)}\n`));
    const before = await contents(source);
    const result = await runCli(source, ['restore', old]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /the database is not empty/);
    assert.deepEqual(await contents(source), before);
  });

  it('restore should refuse a file that is not a Tsunagu backup with a clear message and exit code 2', async () => {
    const target = await createCliTarget();
    try {
      const cases: Array<[string, Buffer | string, RegExp]> = [
        ['plain.txt', 'lg_code,name_ja\n', /cannot be read as a Tsunagu backup: incorrect header check/],
        ['other.json.gz', zlib.gzipSync('{"hello":"world"}\n'), /is not a Tsunagu backup/],
        ['truncated.gz', fs.readFileSync(file).subarray(0, 200), /cannot be read as a Tsunagu backup/],
        ['empty.gz', zlib.gzipSync(''), /is empty/],
      ];
      for (const [name, content, message] of cases) {
        const bad = path.join(target.workDir, name);
        fs.writeFileSync(bad, content);
        const result = await runCli(target, ['restore', bad]);
        assert.equal(result.code, 2, `${name}: ${result.stderr}`);
        assert.match(result.stderr, message, name);
        assert.doesNotMatch(result.stderr, /\n\s+at /, `${name}: no stack trace`);
      }
      const missing = await runCli(target, ['restore', path.join(target.workDir, 'nope.gz')]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /does not exist/);
      // The file is checked before the database is opened: no empty embedded database is created.
      if (target.dataDir) assert.equal(fs.existsSync(target.dataDir), false);
      // Nothing was loaded: a good backup still restores afterwards.
      await ok(target, ['restore', file]);
    } finally {
      await target.cleanup();
    }
  });

  it('restore should load a PGlite backup into PostgreSQL (the upgrade path)', async (t) => {
    if (!process.env.DATABASE_URL) {
      t.skip('needs PostgreSQL (DATABASE_URL)');
      return;
    }
    const embedded = await createCliTarget({ kind: 'pglite' });
    const server = await createCliTarget({ kind: 'postgres' });
    try {
      await populate(embedded);
      const dump = path.join(embedded.workDir, 'embedded.backup.gz');
      await ok(embedded, ['backup', dump]);
      await ok(server, ['restore', dump]);
      assert.deepEqual(await contents(server), await contents(embedded));
      assert.equal((await runCli(server, ['audit', 'verify'])).code, 0);
      const database = await server.open();
      try {
        const kinds = await sql<{ n: number }>`select count(*)::int as n from platform_tenants`.execute(database.db);
        assert.ok(kinds.rows[0]!.n > 59);
      } finally {
        await database.close();
      }
    } finally {
      await embedded.cleanup();
      await server.cleanup();
    }
  });
});
