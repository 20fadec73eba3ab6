import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '../../../../test/helpers/test-database.ts';
import { closeTestDatabase } from '../../../../test/helpers/cli.ts';
import type { DatabaseHandle } from '../../db/database.ts';
import { appendAudit } from '../../audit/audit-log.ts';
import { importTenants, parseTenantCsv, TenantImportError } from '../import-tenants.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures');
const read = (name: string) => fs.readFileSync(path.join(fixtures, name), 'utf8');
const HEADER = 'lg_code,name_ja,name_en,zone_id,zone_name_ja,zone_name_en';

function problems(text: string) {
  try {
    parseTenantCsv(text);
  } catch (error) {
    assert.ok(error instanceof TenantImportError, String(error));
    return error.rowErrors.map((e) => `${e.line} ${e.column}: ${e.message}`);
  }
  assert.fail('the file was accepted');
}

describe('tenant CSV import', () => {
  let database: DatabaseHandle;
  before(async () => {
    database = await createTestDatabase({ seeded: true });
  });
  after(() => closeTestDatabase(database));

  it('parseTenantCsv should list every problem by line and column when rows are wrong', () => {
    const found = problems(read('miyagi-broken.csv'));
    assert.equal(found.length, 4, found.join('\n'));
    assert.match(found[0]!, /^3 lg_code: "042022" has a wrong check digit/);
    assert.match(found[1]!, /^4 lg_code: "041009" appears twice/);
    assert.match(found[2]!, /^5 lg_code: "040002" is a prefecture's code/);
    // Line 6 is blank: the bad zone id is on line 7 of the file.
    assert.match(found[3]!, /^7 zone_id: /);
  });

  it('parseTenantCsv should name the missing column when a required column is absent', () => {
    assert.deepEqual(problems(read('miyagi-missing-column.csv')), ['1 name_en: column is missing']);
  });

  it('parseTenantCsv should report rows with the wrong number of fields and empty files', () => {
    const found = problems(`${HEADER}\n041009,仙台市,Sendai City,sendai,仙台圏\n`);
    assert.ok(found.some((p) => /^2 file: has 5 field\(s\) but the header has 6/.test(p)), found.join('\n'));
    assert.ok(found.some((p) => /^2 zone_name_en: /.test(p)), found.join('\n'));
    assert.deepEqual(problems(''), ['1 file: no municipality rows']);
    assert.deepEqual(problems(`${HEADER}\n`), ['1 file: no municipality rows']);
  });

  it('parseTenantCsv should refuse a zone whose names differ between rows', () => {
    const found = problems(`${HEADER}\n041009,仙台市,Sendai City,sendai,仙台圏,Sendai Area\n042030,塩竈市,Shiogama City,sendai,仙台,Sendai\n`);
    assert.deepEqual(found, ['3 zone_name_ja: zone "sendai" has different names on different rows']);
  });

  it('importTenants should join the caller\'s transaction, so a failure after it rolls the import back', async () => {
    const rows = parseTenantCsv(read('miyagi-municipalities.csv'));
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await importTenants(trx, rows);
        await appendAudit(trx, { actor: 'system', action: 'tenancy.import' });
        throw new Error('abort');
      }),
      /abort/,
    );
    const miyagi = await database.db.selectFrom('platform_tenants').select('lg_code').where('prefecture_code', '=', '040002').execute();
    assert.deepEqual(miyagi, []);
  });

  it('importTenants should create the prefecture and zones, and change nothing when run twice', async () => {
    const rows = parseTenantCsv(read('miyagi-municipalities.csv'));
    assert.deepEqual(await importTenants(database.db, rows), { prefectures: ['040002'], zones: 2, municipalities: 3 });
    const snapshot = () =>
      database.db.selectFrom('platform_tenants').select(['lg_code', 'name_ja', 'zone_id', 'version', 'updated_at']).where('prefecture_code', '=', '040002').orderBy('lg_code').execute();
    const first = await snapshot();
    assert.deepEqual(first.map((t) => [t.lg_code, t.name_ja, t.zone_id, t.version]), [
      ['040002', '宮城県', null, 1],
      ['041009', '仙台市', 'sendai', 1],
      ['042021', '石巻市', 'ishinomaki', 1],
      ['042030', '塩竈市', 'sendai', 1],
    ]);
    await importTenants(database.db, rows);
    assert.deepEqual(await snapshot(), first);
    // A real change bumps the version of that row only.
    const renamed = rows.map((r) => (r.lgCode === '042030' ? { ...r, nameEn: 'Shiogama' } : r));
    await importTenants(database.db, renamed);
    const after = await snapshot();
    assert.deepEqual(after.map((t) => t.version), [1, 1, 1, 2]);
  });
});
