import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildTsunagu } from '../../src/app.ts';
import { lgCheckDigit } from '../../src/platform/tenancy/lg-code.ts';
import { testConfig } from '../helpers/test-database.ts';
import { createCliTarget, runCli, tableContents, type CliTarget } from '../helpers/cli.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const MIYAGI = path.join(fixtures, 'miyagi-municipalities.csv');

describe('tsunagu tenants import', () => {
  let target: CliTarget;
  before(async () => {
    target = await createCliTarget();
    assert.equal((await runCli(target, ['seed'])).code, 0);
  });
  after(() => target.cleanup());

  async function snapshot() {
    const database = await target.open();
    try {
      return await tableContents(database);
    } finally {
      await database.close();
    }
  }

  it('should add a second prefecture with its zones, served by the tenants API', async () => {
    const result = await runCli(target, ['tenants', 'import', MIYAGI]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Imported 3 municipalities in 2 living zone\(s\) of prefecture 040002\./);

    const database = await target.open();
    try {
      const tsunagu = await buildTsunagu({ config: testConfig(), database, logger: false });
      try {
        const res = await tsunagu.app.inject({ method: 'GET', url: '/api/v1/tenants' });
        assert.equal(res.statusCode, 200);
        const prefectures = res.json().prefectures as Array<{ lgCode: string; name: { ja: string }; zones: Array<{ id: string; name: { ja: string }; municipalities: Array<{ lgCode: string }> }> }>;
        assert.deepEqual(prefectures.map((p) => p.lgCode).sort(), ['040002', '070009']);
        const miyagi = prefectures.find((p) => p.lgCode === '040002')!;
        assert.equal(miyagi.name.ja, '宮城県');
        assert.deepEqual(
          miyagi.zones.map((z) => [z.id, z.name.ja, z.municipalities.map((m) => m.lgCode)]),
          [
            ['sendai', '仙台圏', ['041009', '042030']],
            ['ishinomaki', '石巻圏', ['042021']],
          ],
        );
        const sendai = await tsunagu.app.inject({ method: 'GET', url: '/api/v1/tenants/041009' });
        assert.equal(sendai.json().name.en, 'Sendai City');
      } finally {
        await tsunagu.close();
      }
      const audit = await database.db.selectFrom('platform_audit_events').select(['action', 'details']).execute();
      assert.deepEqual(audit.map((a) => a.action), ['tenancy.import']);
      assert.deepEqual(audit[0]!.details, { file: 'miyagi-municipalities.csv', prefectures: ['040002'], zones: 2, municipalities: 3 });
    } finally {
      await database.close();
    }
  });

  it('should change no tenant or zone when the same file is imported again', async () => {
    const before = await snapshot();
    const result = await runCli(target, ['tenants', 'import', MIYAGI]);
    assert.equal(result.code, 0, result.stderr);
    const after = await snapshot();
    assert.deepEqual(after.platform_tenants, before.platform_tenants, 'versions and updated_at unchanged');
    assert.deepEqual(after.platform_zones, before.platform_zones);
  });

  it('should list every problem by line and column, exit 2 and write nothing when the file is wrong', async () => {
    const before = await snapshot();
    const broken = await runCli(target, ['tenants', 'import', path.join(fixtures, 'miyagi-broken.csv')]);
    assert.equal(broken.code, 2);
    assert.equal(broken.stdout, '');
    const lines = broken.stderr.trim().split('\n');
    assert.equal(lines[0], 'tsunagu: The tenant file has 4 problem(s):');
    assert.match(lines[1]!, /^ {2}line 3, lg_code: "042022" has a wrong check digit$/);
    assert.match(lines[2]!, /^ {2}line 4, lg_code: "041009" appears twice$/);
    assert.match(lines[3]!, /^ {2}line 5, lg_code: "040002" is a prefecture's code; list municipalities only$/);
    assert.match(lines[4]!, /^ {2}line 7, zone_id: use lower-case letters, digits and "-" \(at most 40\)$/);

    const missing = await runCli(target, ['tenants', 'import', path.join(fixtures, 'miyagi-missing-column.csv')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /line 1, name_en: column is missing/);

    const absent = await runCli(target, ['tenants', 'import', path.join(fixtures, 'no-such-file.csv')]);
    assert.equal(absent.code, 2);
    assert.match(absent.stderr, /cannot read .*no-such-file\.csv: ENOENT/);

    assert.deepEqual(await snapshot(), before, 'nothing written, not even an audit record');
  });

  it('the Miyagi fixture should hold only codes whose check digit is right', () => {
    const codes = fs.readFileSync(MIYAGI, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]!);
    assert.deepEqual(codes, ['041009', '042030', '042021']);
    for (const code of codes) assert.equal(lgCheckDigit(code.slice(0, 5)), Number(code[5]), code);
  });
});
