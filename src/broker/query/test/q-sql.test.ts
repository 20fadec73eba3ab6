// q and scopeQ compiled to SQL, run against a real database (PGlite, or PostgreSQL with
// DATABASE_URL) over a fixture table shaped like broker_entities.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase } from '../../../../test/helpers/test-database.ts';
import type { DatabaseHandle } from '../../../platform/db/database.ts';
import { NgsiError } from '../../errors.ts';
import type { StoredAttribute, StoredAttributes } from '../../entities/stored-entity.ts';
import { parseQ } from '../q-language.ts';
import { compileQ, qSqlErrorToNgsi, qToJsonPath } from '../q-sql.ts';
import { qCandidateChoices, qCandidates } from '../q-candidates.ts';
import { TEXT_PREFIX, valueRows } from '../../entities/entity-values.ts';
import { compileScopeQuery, matchesScopeQuery, parseScopeQuery } from '../scope-query.ts';

const D = 'https://uri.etsi.org/ngsi-ld/default-context/';
const expand = (term: string): string => (term.includes(':') ? term : `${D}${term}`);
const T = '2026-01-01T00:00:00.000Z';

function p(value: unknown, extra: Partial<StoredAttribute> = {}): StoredAttribute {
  return { type: 'Property', value, createdAt: T, modifiedAt: T, ...extra };
}
function rel(object: string | string[]): StoredAttribute {
  return { type: 'Relationship', object, createdAt: T, modifiedAt: T };
}
function attrs(map: Record<string, StoredAttribute | StoredAttribute[]>): StoredAttributes {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [`${D}${k}`, Array.isArray(v) ? v : [v]]));
}

/** Longer than the value index keeps; it differs from LONG_OTHER after the kept prefix. */
const LONG = `${'た'.repeat(TEXT_PREFIX)}b`;
const LONG_OTHER = `${'た'.repeat(TEXT_PREFIX)}a`;

const INJECTED = 'a"b\\c$)\' || true';

// Entities 1–12; the ids sort in this order.
const fixtures: { n: number; scopes: string[] | null; attrs: StoredAttributes }[] = [
  {
    n: 1, scopes: ['/Madrid/Gardens/ParqueNorte'], attrs: attrs({
      temperature: p(21.5, {
        observedAt: '2026-01-01T10:00:00.000Z', unitCode: 'CEL', datasetId: undefined,
        sub: { [`${D}accuracy`]: p(0.5) },
      }),
      name: p('Tokyo Tower'),
      address: p({ city: 'Tokyo', street: 'Shiba', zip: { code: '105' } }),
      tags: p(['red', 'blue']),
      active: p(true),
    }),
  },
  {
    n: 2, scopes: ['/Madrid/Sights/ParqueNorte'], attrs: attrs({
      temperature: p(15, { observedAt: '2026-01-01T12:00:00+09:00' }),
      name: p('osaka castle'),
      address: p({ city: 'Osaka' }),
      tags: p(['green']),
      active: p(false),
    }),
  },
  { n: 3, scopes: ['/Madrid/Gardens'], attrs: attrs({ temperature: p('hot') }) },
  {
    n: 4, scopes: ['/Madrid/Districts', '/CompanyA'], attrs: attrs({
      temperature: [p(10), p(30, { datasetId: 'urn:ds:sensor2' })],
    }),
  },
  {
    n: 5, scopes: ['/CompanyB'], attrs: attrs({
      isParked: rel('urn:ngsi-ld:OffStreetParking:Downtown1'),
      owners: rel(['urn:p:1', 'urn:p:2']),
    }),
  },
  {
    n: 6, scopes: ['/Madrid'], attrs: attrs({
      label: { type: 'LanguageProperty', languageMap: { ja: '東京', en: 'Tokyo', fr: ['Tokyo', 'la capitale'] }, createdAt: T, modifiedAt: T },
    }),
  },
  {
    n: 7, scopes: ['/Madrid/Gardens/ParqueNorte/Parterre1'], attrs: attrs({
      gender: { type: 'VocabProperty', vocab: `${D}Male`, createdAt: T, modifiedAt: T },
      tickets: { type: 'JsonProperty', json: { id: '85a6', value: 'Overstay 60 minutes' }, createdAt: T, modifiedAt: T },
    }),
  },
  {
    n: 8, scopes: ['/Fukushima/Aizu-Wakamatsu'], attrs: attrs({
      readings: { type: 'ListProperty', valueList: [1, 5, 9], createdAt: T, modifiedAt: T },
      neighbours: { type: 'ListRelationship', objectList: ['urn:e:01', 'urn:e:02'], createdAt: T, modifiedAt: T },
    }),
  },
  {
    n: 9, scopes: ['/a.b'], attrs: attrs({
      name: p(INJECTED),
      odd: p({ 'we"ird$)': 1 }),
    }),
  },
  { n: 10, scopes: ['/axb'], attrs: {} },
  {
    n: 11, scopes: null, attrs: attrs({
      temperature: p(25, { observedAt: '2025-06-01T00:00:00Z' }),
      birth: p('2000-02-29'),
      opens: p('09:30:00'),
      updated: p({ '@type': 'DateTime', '@value': '2026-03-01T00:00:00Z' }),
    }),
  },
  { n: 12, scopes: null, attrs: attrs({ temperature: p([18, 40]) }) },
  // Values the value index keeps only in part: a string longer than its prefix, nested arrays.
  { n: 13, scopes: null, attrs: attrs({ motto: p(LONG), matrix: p([[1, 2], [3, [4]]]), mixed: p([5, 'five']) }) },
];

const id = (n: number): string => `urn:e:${String(n).padStart(2, '0')}`;

let handle: DatabaseHandle;
const FIXTURE_TENANT = 'q-fixture';

async function ids(q: string): Promise<number[]> {
  const where = compileQ(parseQ(q), { attrs: 'f.attrs', expand });
  const result = await sql<{ id: string }>`select f.id from q_fixture f where ${where} order by f.id`.execute(handle.db);
  return result.rows.map((r) => Number(r.id.slice('urn:e:'.length)));
}

/** ids(q) narrowed to each of the value index's candidate sets (q-candidates.ts); [] when q has none. */
async function indexedIds(q: string): Promise<number[][]> {
  const ast = parseQ(q);
  const out: number[][] = [];
  for (const candidates of qCandidateChoices(ast, { tenant: FIXTURE_TENANT, expand })) {
    const where = sql.join([sql`f.id in (${candidates})`, compileQ(ast, { attrs: 'f.attrs', expand })], sql` and `);
    const result = await sql<{ id: string }>`select f.id from q_fixture f where ${where} order by f.id`.execute(handle.db);
    out.push(result.rows.map((r) => Number(r.id.slice('urn:e:'.length))));
  }
  return out;
}

async function scopeIds(q: string): Promise<number[]> {
  const where = compileScopeQuery(parseScopeQuery(q), 'f.scopes');
  const result = await sql<{ id: string }>`select f.id from q_fixture f where ${where} order by f.id`.execute(handle.db);
  return result.rows.map((r) => Number(r.id.slice('urn:e:'.length)));
}

before(async () => {
  handle = await createTestDatabase({ seeded: false });
  await sql`create table q_fixture (id text primary key, types text[] not null, scopes text[],
    attrs jsonb not null, created_at timestamptz not null default now(), modified_at timestamptz not null default now())`.execute(handle.db);
  for (const f of fixtures) {
    await sql`insert into q_fixture (id, types, scopes, attrs) values (${id(f.n)}, ${sql.val([`${D}Thing`])}::text[],
      ${f.scopes === null ? null : sql.val(f.scopes)}::text[], ${JSON.stringify(f.attrs)}::jsonb)`.execute(handle.db);
    for (const row of valueRows(f)) {
      await sql`insert into broker_entity_values (tenant, entity_id, attr, num, txt)
        values (${FIXTURE_TENANT}, ${id(f.n)}, ${row.attr}, ${row.num ?? null}, ${row.txt ?? null})`.execute(handle.db);
    }
  }
});

after(async () => {
  await handle?.close();
});

// [q, the entities it selects]
const cases: Record<string, [string, number[]][]> = {
  'existence': [
    ['temperature', [1, 2, 3, 4, 11, 12]],
    ['isParked', [5]],
    ['label', [6]],
    ['nothing', []],
    ['temperature.accuracy', [1]],
    ['temperature.observedAt', [1, 2, 11]],
    ['address[city]', [1, 2]],
    ['address[zip.code]', [1]],
    ['address[country]', []],
  ],
  'numbers: every operator': [
    ['temperature==21.5', [1]],
    ['temperature==15', [2]],
    ['temperature==15.0', [2]],
    ['temperature==1.5e1', [2]],
    ['temperature>20', [1, 4, 11, 12]],
    ['temperature>=21.5', [1, 4, 11, 12]],
    ['temperature<15', [4]],
    ['temperature<=15', [2, 4]],
    ['temperature==30', [4]],
    ['temperature>100', []],
  ],
  'inequality (any instance; other types are unequal; no attribute, no match)': [
    ['temperature!=15', [1, 3, 4, 11, 12]],
    ['temperature!=10', [1, 2, 3, 4, 11, 12]],
    ['temperature!="hot"', [1, 2, 4, 11, 12]],
    ['nothing!=5', []],
    ['tags!="red"', [2]],
    ['active!=true', [2]],
  ],
  'ranges': [
    ['temperature==10..20', [2, 4, 12]],
    ['temperature!=10..20', [1, 3, 4, 11]],
    ['temperature=="a".."i"', [3]],
    ['temperature.observedAt==2026-01-01T00:00:00Z..2026-01-01T05:00:00Z', [2]],
  ],
  'lists': [
    ['temperature==15,25', [2, 11]],
    ['temperature!=15,25', [1, 3, 4, 12]],
    ['tags=="red","green"', [1, 2]],
    ['tags=="purple","pink"', []],
    ['temperature==15,"hot"', [2, 3]],
  ],
  'strings, booleans and type mismatches': [
    ['temperature=="hot"', [3]],
    ['temperature>"a"', [3]],
    ['temperature<"a"', []],
    ['temperature=="21.5"', []],
    ['tags=="red"', [1]],
    ['active==true', [1]],
    ['active==false', [2]],
    ['address=="Tokyo"', []],
    ['name>="osaka"', [2]],
  ],
  'regular expressions': [
    ['name~=Tokyo', [1]],
    ['name~=^Tok', [1]],
    ['name~=(?i)^OSAKA', [2]],
    ['name~="Tower|castle"', [1, 2]],
    ['name!~=Tokyo', [2, 9]],
    ['label~=東', [6]],
    ['temperature~=1', []],
    ['temperature!~=1', [3]],
    ['nothing!~=x', []],
    ['address[city]~=^O', [2]],
  ],
  'dateTimes compare as instants': [
    ['temperature.observedAt>=2026-01-01T05:00:00Z', [1]],
    ['temperature.observedAt<2026-01-01T05:00:00Z', [2, 11]],
    ['temperature.observedAt==2026-01-01T12:00:00+09:00', [2]],
    ['temperature.observedAt==2026-01-01T03:00:00Z', [2]],
    ['temperature.observedAt==2026-01-01T10:00:00Z', [1]],
    ['temperature.observedAt==2026-01-01T10:00:00.000001Z', []],
    ['temperature.observedAt>2026-01-01T18:00:00+09:00', [1]],
    ['temperature.observedAt>2026-01-01T19:00:00+09:00', []],
    ['temperature.observedAt!=2026-01-01T10:00:00Z', [2, 11]],
    ['updated>2026-02-01T00:00:00Z', [11]],
    ['updated<2026-02-01T00:00:00Z', []],
    ['temperature.observedAt=="2026-01-01T10:00:00.000Z"', [1]],
  ],
  'dates and times': [
    ['birth==2000-02-29', [11]],
    ['birth>2000-01-01', [11]],
    ['birth<2000-01-01', []],
    ['opens<10:00:00', [11]],
    ['opens>10:00:00', []],
    ['opens==09:30:00Z', [11]],
  ],
  'sub-attributes and meta members': [
    ['temperature.accuracy<1', [1]],
    ['temperature.accuracy>1', []],
    ['temperature.unitCode=="CEL"', [1]],
    ['temperature.unitCode=="FAH"', []],
    ['temperature.datasetId=="urn:ds:sensor2"', [4]],
    ['temperature.datasetId==urn:ds:sensor2', [4]],
    ['temperature.createdAt==2026-01-01T00:00:00Z', [1, 2, 3, 4, 11, 12]],
  ],
  'compound values [ ]': [
    ['address[city]=="Tokyo"', [1]],
    ['address[city]!="Tokyo"', [2]],
    ['address[zip.code]=="105"', [1]],
    ['address[zip][code]=="105"', [1]],
    ['address[street]=="Tokyo"', []],
    ['tickets[value]=="Overstay 60 minutes"', [7]],
  ],
  'relationships': [
    ['isParked=="urn:ngsi-ld:OffStreetParking:Downtown1"', [5]],
    ['isParked==urn:ngsi-ld:OffStreetParking:Downtown1', [5]],
    ['isParked!=urn:ngsi-ld:OffStreetParking:Downtown1', []],
    ['isParked!=urn:x:other', [5]],
    ['owners==urn:p:2', [5]],
    ['owners==urn:p:9,urn:p:1', [5]],
    ['owners!=urn:p:2', []],
    ['owners!=urn:p:3', [5]],
    ['isParked>"a"', []],
    ['isParked~=Downtown', []],
    ['neighbours==urn:e:01', [8]],
  ],
  'LanguageProperty, VocabProperty, ListProperty': [
    ['label=="Tokyo"', [6]],
    ['label=="東京"', [6]],
    ['label=="la capitale"', [6]],
    ['label!="Tokyo"', []],
    ['label!="Paris"', [6]],
    ['label[en]=="Tokyo"', [6]],
    ['label[ja]=="Tokyo"', []],
    ['label[*]=="東京"', [6]],
    ['label[fr]=="la capitale"', [6]],
    ['gender==Male', [7]],
    ['gender=="Male"', [7]],
    ['gender==Female', []],
    ['gender=="Ma".."Mz"', [7]],
    ['gender=="Fa".."Fz"', []],
    ['readings==5', [8]],
    ['readings>8', [8]],
    ['readings!=5', []],
  ],
  'logic and precedence': [
    ['temperature>20;name~=Tokyo', [1]],
    ['temperature>20|isParked', [1, 4, 5, 11, 12]],
    // and binds tighter: isParked | (temperature>20 ; temperature<25)
    ['isParked|temperature>20;temperature<25', [1, 4, 5, 12]],
    ['(isParked|temperature>20);temperature<25', [1, 4, 12]],
    ['temperature==10;temperature==30', [4]],
    ['((temperature>20|isParked);(name|owners))', [1, 5]],
    ['(temperature>=20;temperature<=25)|readings<=1', [1, 4, 8, 11, 12]],
  ],
  'values the index keeps in part': [
    [`motto==${JSON.stringify(LONG)}`, [13]],
    [`motto==${JSON.stringify(LONG_OTHER)}`, []],
    [`motto>${JSON.stringify(LONG_OTHER)}`, [13]],
    [`motto>=${JSON.stringify(LONG)}`, [13]],
    [`motto>${JSON.stringify(LONG)}`, []],
    [`motto<${JSON.stringify(LONG)}`, []],
    ['matrix==2', [13]],
    ['matrix==3', [13]],
    ['matrix>3.5', []],
    ['mixed==5', [13]],
    ['mixed=="five"', [13]],
    ['mixed==5,"five"', [13]],
    ['mixed=="five";matrix==1', [13]],
    ['mixed=="five";matrix==9', []],
    ['mixed==4..6', [13]],
    ['mixed=="a".."g"', [13]],
  ],
  'injection attempts stay data': [
    [`name==${JSON.stringify(INJECTED)}`, [9]],
    ['name=="a\\") || exists($) || (\\""', []],
    [`name~=${JSON.stringify(String.raw`^a"b\\c\$\)' \|\| true$`)}`, [9]],
    // Unescaped, this would become `@ like_regex "a" flag "i"` and match 2 and 9.
    [`name~=${JSON.stringify('a" flag "i')}`, []],
    [`name~=${JSON.stringify('a')}`, [2, 9]],
    ['odd[we"ird$)]==1', [9]],
    ['odd[we"ird$)]', [9]],
    ['odd[x")||exists($)||("]', []],
    ['name=="\'; drop table q_fixture; --"', []],
    ["name==urn:x:1'$", []],
  ],
};

describe('compileQ on the database', () => {
  for (const [group, list] of Object.entries(cases)) {
    describe(group, () => {
      for (const [q, expected] of list) {
        it(q, async () => {
          assert.deepEqual(await ids(q), expected);
          // The value index's candidates never drop a match (q-candidates.ts).
          for (const narrowed of await indexedIds(q)) assert.deepEqual(narrowed, expected, 'narrowed to a value index candidate set');
        });
      }
    });
  }

  it('narrows by the value index for comparisons of top-level values, and only for those', () => {
    const narrowed = (q: string) => qCandidates(parseQ(q), { tenant: FIXTURE_TENANT, expand }) !== undefined;
    for (const q of ['temperature==15', 'temperature>20', 'temperature<=15', 'temperature==10..20', 'tags=="red","green"',
      'name>="osaka"', 'isParked==urn:x:1', 'temperature>20;name~=Tokyo', 'temperature==15|name=="x"']) {
      assert.equal(narrowed(q), true, q);
    }
    for (const q of ['temperature', 'temperature!=15', 'name~=Tokyo', 'active==true', 'birth==2000-02-29',
      'temperature.accuracy<1', 'address[city]=="Tokyo"', 'temperature>20|isParked']) {
      assert.equal(narrowed(q), false, q);
    }
  });

  it('still has its fixture table after the injection attempts', async () => {
    assert.deepEqual(await ids('temperature'), [1, 2, 3, 4, 11, 12]);
  });

  it('keeps every value out of the SQL text', () => {
    const compiled = compileQ(parseQ(`name=="Mercedes";temperature>20;name~="x';--";odd[zz]==1`), { attrs: 'f.attrs', expand })
      .compile(handle.db);
    assert.equal(compiled.sql, 'jsonb_path_exists("f"."attrs", $1::jsonpath, $2::jsonb)');
    assert.equal(compiled.parameters.length, 2);
    assert.match(String(compiled.parameters[1]), /"Mercedes"/);
    assert.doesNotMatch(String(compiled.parameters[0]), /Mercedes|\b20\b/);
  });

  it('expands the values of attributes listed in expandValues', async () => {
    const where = compileQ(parseQ('gender=="Male"'), { attrs: 'f.attrs', expand, expandValues: ['gender'] });
    const rows = await sql<{ id: string }>`select f.id from q_fixture f where ${where}`.execute(handle.db);
    assert.deepEqual(rows.rows.map((r) => r.id), [id(7)]);
    // Without it, a Property value is compared as written.
    assert.match(qToJsonPath(parseQ('name=="Male"'), { expand }).vars, /"Male"/);
    assert.match(qToJsonPath(parseQ('name=="Male"'), { expand, expandValues: ['name'] }).vars, /default-context\/Male/);
  });

  it('turns a regular expression PostgreSQL refuses into BadRequestData (SQLSTATE 2201B)', async () => {
    // \p{L} passes the parser's JavaScript check but PostgreSQL's regex engine rejects it.
    const error = await ids('name~="\\\\p{L}"').then(() => undefined, (e: unknown) => e);
    assert.ok(error, 'expected the query to fail');
    const mapped = qSqlErrorToNgsi(error);
    assert.ok(mapped instanceof NgsiError);
    assert.equal(mapped.type, 'BadRequestData');
    assert.match(mapped.message, /^q: invalid regular expression/);
    assert.equal(qSqlErrorToNgsi(new Error('other')), undefined);
  });

  it('refuses a query whose compiled path would be huge (TooComplexQuery)', () => {
    const list = Array.from({ length: 200 }, (_, i) => `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`).join(',');
    assert.throws(() => qToJsonPath(parseQ(`a==${list}`), { expand }), (e: unknown) => e instanceof NgsiError && e.type === 'TooComplexQuery');
    assert.ok(qToJsonPath(parseQ(`a==${list.split(',').slice(0, 20).join(',')}`), { expand }).jsonpath.length > 0);
  });

  it('rejects a dotted name below a meta member', () => {
    assert.throws(() => qToJsonPath(parseQ('temperature.observedAt.x==1'), { expand }), /observedAt is a member of temperature/);
  });
});

const scopeCases: [string, number[]][] = [
  ['/Madrid', [6]],
  ['/Madrid/Gardens', [3]],
  ['/Madrid/Gardens/#', [1, 3, 7]],
  ['/Madrid/#', [1, 2, 3, 4, 6, 7]],
  ['/#', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
  ['/Madrid/+/ParqueNorte', [1, 2]],
  ['/Madrid/+', [3, 4]],
  ['/+', [4, 5, 6, 9, 10]],
  ['/+/#', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
  ['(/Madrid/Districts;/CompanyA)', [4]],
  ['(/Madrid/Districts;/CompanyB)', []],
  ['(/Madrid/Districts;/CompanyA)|/CompanyB', [4, 5]],
  ['(/Madrid/Districts;/CompanyA),/CompanyB', [4, 5]],
  ['/CompanyA,/Madrid', [4, 6]],
  ['/Fukushima/Aizu-Wakamatsu', [8]],
  ['/Fukushima/#', [8]],
  ['/a.b', [9]],
  ['/Nowhere/#', []],
];

describe('compileScopeQuery on the database', () => {
  for (const [q, expected] of scopeCases) {
    it(q, async () => {
      assert.deepEqual(await scopeIds(q), expected);
      // The in-memory matcher agrees with SQL.
      const inMemory = fixtures.filter((f) => matchesScopeQuery(parseScopeQuery(q), f.scopes)).map((f) => f.n);
      assert.deepEqual(inMemory, expected);
    });
  }
});
