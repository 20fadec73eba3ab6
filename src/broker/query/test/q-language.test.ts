// The q parser (clause 4.9) and the scopeQ parser (clause 4.19), without a database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NgsiError } from '../../errors.ts';
import { formatQ, parseQ, qAttributes, type QExpression, type QTerm } from '../q-language.ts';
import { matchesScopeQuery, parseScopeQuery, scopePatternRegex } from '../scope-query.ts';

function term(ast: QExpression): QTerm {
  assert.equal(ast.kind, 'term');
  return ast as QTerm;
}

function rejects(text: string, pattern: RegExp, type = 'BadRequestData', parse: (t: string) => unknown = parseQ): void {
  assert.throws(() => parse(text), (error: unknown) => {
    assert.ok(error instanceof NgsiError, `expected NgsiError for ${text}`);
    assert.equal(error.type, type, `${text}: ${error.message}`);
    assert.match(error.message, pattern, text);
    return true;
  });
}

describe('parseQ: terms', () => {
  it('parses an existence test (example 0)', () => {
    assert.deepEqual(parseQ('temperature'), { kind: 'term', path: { names: ['temperature'] }, position: 0 });
  });

  it('parses every operator', () => {
    for (const op of ['==', '!=', '>', '>=', '<', '<='] as const) {
      const t = term(parseQ(`speed${op}50`));
      assert.equal(t.operator, op);
      assert.deepEqual(t.value, { type: 'number', value: 50, text: '50' });
    }
    for (const op of ['~=', '!~='] as const) {
      const t = term(parseQ(`name${op}^Tok`));
      assert.equal(t.operator, op);
      assert.deepEqual(t.value, { type: 'regex', pattern: '^Tok' });
    }
  });

  it('reads numbers as JSON numbers, keeping the text', () => {
    assert.deepEqual(term(parseQ('a==-1.5e3')).value, { type: 'number', value: -1500, text: '-1.5e3' });
    assert.deepEqual(term(parseQ('a>0')).value, { type: 'number', value: 0, text: '0' });
    assert.deepEqual(term(parseQ('a<12345678901234567890')).value, { type: 'number', value: 12345678901234567890, text: '12345678901234567890' });
  });

  it('reads quoted strings with JSON escapes', () => {
    assert.deepEqual(term(parseQ('brandName!="Mercedes"')).value, { type: 'string', value: 'Mercedes' });
    assert.deepEqual(term(parseQ('a=="x\\"y\\\\z;|)"')).value, { type: 'string', value: 'x"y\\z;|)' });
    assert.deepEqual(term(parseQ('a=="\\u6771\\u4eac"')).value, { type: 'string', value: '東京' });
    assert.deepEqual(term(parseQ('a==""')).value, { type: 'string', value: '' });
  });

  it('reads true/false, dates, times, dateTimes and URIs', () => {
    assert.deepEqual(term(parseQ('a==true')).value, { type: 'boolean', value: true });
    assert.deepEqual(term(parseQ('a!=false')).value, { type: 'boolean', value: false });
    assert.deepEqual(term(parseQ('temperature.observedAt>=2017-12-24T12:00:00Z')).value, { type: 'dateTime', value: '2017-12-24T12:00:00Z' });
    assert.deepEqual(term(parseQ('a<2017-12-24T12:00:00.123+09:00')).value, { type: 'dateTime', value: '2017-12-24T12:00:00.123+09:00' });
    assert.deepEqual(term(parseQ('a>2024-02-29')).value, { type: 'date', value: '2024-02-29' });
    assert.deepEqual(term(parseQ('a<=12:30:00')).value, { type: 'time', value: '12:30:00' });
    assert.deepEqual(term(parseQ('isParked==urn:ngsi-ld:OffStreetParking:Downtown1')).value, { type: 'uri', value: 'urn:ngsi-ld:OffStreetParking:Downtown1' });
    assert.deepEqual(term(parseQ('color==http://example.com/red')).value, { type: 'uri', value: 'http://example.com/red' });
    // A ".." inside a URI does not make a range.
    assert.deepEqual(term(parseQ('a==http://x.org/a/../b')).value, { type: 'uri', value: 'http://x.org/a/../b' });
  });

  it('reads ranges and lists', () => {
    assert.deepEqual(term(parseQ('temperature==10..20')).value, {
      type: 'range', min: { type: 'number', value: 10, text: '10' }, max: { type: 'number', value: 20, text: '20' },
    });
    assert.deepEqual(term(parseQ('t!=-5.5..1e1')).value, {
      type: 'range', min: { type: 'number', value: -5.5, text: '-5.5' }, max: { type: 'number', value: 10, text: '1e1' },
    });
    assert.deepEqual(term(parseQ('t==2020-01-01T00:00:00Z..2021-01-01T00:00:00Z')).value, {
      type: 'range', min: { type: 'dateTime', value: '2020-01-01T00:00:00Z' }, max: { type: 'dateTime', value: '2021-01-01T00:00:00Z' },
    });
    assert.deepEqual(term(parseQ('name=="a".."m"')).value, {
      type: 'range', min: { type: 'string', value: 'a' }, max: { type: 'string', value: 'm' },
    });
    assert.deepEqual(term(parseQ('color=="black","red",3,true')).value, {
      type: 'list',
      values: [
        { type: 'string', value: 'black' }, { type: 'string', value: 'red' },
        { type: 'number', value: 3, text: '3' }, { type: 'boolean', value: true },
      ],
    });
    assert.deepEqual(term(parseQ('rel!=urn:a:1,urn:a:2')).value, {
      type: 'list', values: [{ type: 'uri', value: 'urn:a:1' }, { type: 'uri', value: 'urn:a:2' }],
    });
  });

  it('reads dotted paths and compound [member] paths', () => {
    assert.deepEqual(term(parseQ('temperature.observedAt')).path, { names: ['temperature', 'observedAt'] });
    assert.deepEqual(term(parseQ('address[city]=="Berlin"')).path, { names: ['address'], members: ['city'] });
    assert.deepEqual(term(parseQ('sensor.rawdata[airquality.particulate]==40')).path, {
      names: ['sensor', 'rawdata'], members: ['airquality', 'particulate'],
    });
    assert.deepEqual(term(parseQ('a[b][c]==1')).path, { names: ['a'], members: ['b', 'c'] });
    assert.deepEqual(term(parseQ('color[*]=="red"')).path, { names: ['color'], members: ['*'] });
    assert.deepEqual(term(parseQ('温度_1>20')).path, { names: ['温度_1'] });
    assert.deepEqual(term(parseQ('schema:name=="x"')).path, { names: ['schema:name'] });
  });

  it('reads unquoted regexes up to a top-level ; | ) and quoted ones verbatim', () => {
    const both = parseQ('name~=(?i)^tok(yo|io)[;|)]$;b');
    assert.equal(both.kind, 'and');
    assert.deepEqual(term((both as { operands: QExpression[] }).operands[0]!).value, { type: 'regex', pattern: '(?i)^tok(yo|io)[;|)]$' });
    const or = parseQ('name~=a|b');
    assert.equal(formatQ(or), 'name~="a"|b');
    assert.deepEqual(term(parseQ('name!~="a|b;c\\\\)"')).value, { type: 'regex', pattern: 'a|b;c\\)' });
    assert.equal(formatQ(parseQ('(x;name~=^a\\)b)')), 'x;name~="^a\\\\)b"');
  });

  it('ignores whitespace between tokens', () => {
    assert.equal(formatQ(parseQ(' ( a > 1 ; b == "x y" ) | c ')), '(a>1;b=="x y")|c');
  });
});

describe('parseQ: logic', () => {
  it('binds ; (and) tighter than | (or)', () => {
    assert.equal(formatQ(parseQ('a|b;c')), 'a|(b;c)');
    assert.equal(formatQ(parseQ('a;b|c')), '(a;b)|c');
    assert.equal(formatQ(parseQ('a;b|c;d|e')), '(a;b)|(c;d)|e');
    const ast = parseQ('a|b;c');
    assert.equal(ast.kind, 'or');
    assert.equal((ast as { operands: QExpression[] }).operands[1]!.kind, 'and');
  });

  it('lets parentheses override precedence, nested (examples 6 and 7)', () => {
    assert.equal(formatQ(parseQ('(a|b);c')), '(a|b);c');
    assert.equal(formatQ(parseQ('((speed>50|rpm>3000);brandName=="Mercedes")')), '(speed>50|rpm>3000);brandName=="Mercedes"');
    assert.equal(formatQ(parseQ('(temperature>=20;temperature<=25)|capacity<=10')), '(temperature>=20;temperature<=25)|capacity<=10');
    assert.equal(formatQ(parseQ('((((a))))')), 'a');
  });

  it('flattens chains of the same operator', () => {
    const ast = parseQ('a;b;(c;d)');
    assert.equal(ast.kind, 'and');
    assert.equal((ast as { operands: QExpression[] }).operands.length, 4);
  });

  it('formats to text that parses back to the same AST', () => {
    for (const q of [
      'a|b;c', 'temperature!=10..20;x==1,"two",true', 'name~="(?i)a|b"', 'address[city.zip]=="1\\"2"',
      'o.observedAt>=2017-12-24T12:00:00Z|d==2020-01-01|t<12:00:00', 'r==urn:x:1',
    ]) {
      const ast = parseQ(q);
      assert.deepEqual(stripPositions(parseQ(formatQ(ast))), stripPositions(ast), q);
    }
  });

  it('lists the attributes referenced (qAttributes)', () => {
    assert.deepEqual(qAttributes(parseQ('temperature.observedAt>0;(address[city]=="x"|temperature<3);isParked')), ['temperature', 'address', 'isParked']);
  });
});

function stripPositions(ast: QExpression): unknown {
  if (ast.kind === 'term') {
    const { position: _position, ...rest } = ast;
    return rest;
  }
  return { kind: ast.kind, operands: ast.operands.map(stripPositions) };
}

describe('parseQ: errors name the problem and the position', () => {
  it('rejects malformed queries with BadRequestData', () => {
    rejects('', /empty/);
    rejects('temperature 20', /expected an operator .* after "temperature" at position 12/);
    rejects('temperature=20', /"=" is not an operator \(use "=="\) after "temperature" at position 11/);
    rejects('temperature=>20', /"=" is not an operator .* at position 11/);
    rejects('==20', /expected an attribute name .* at position 0/);
    rejects('1abc==2', /expected an attribute name .* at position 0/);
    rejects('a;', /expected a query term at position 2/);
    rejects('a||b', /expected an attribute name .* at position 2/);
    rejects('(a;b', /"\(" at position 0 is never closed/);
    rejects('(a;b c', /expected an operator .* after "b" at position 5, found "c"/);
    rejects('a)', /unbalanced "\)" at position 1/);
    rejects('a.==1', /expected an attribute name after "\." .* at position 2/);
    rejects('a==', /expected a value after == at position 3/);
    rejects('a==;b', /expected a value after == at position 3/);
    rejects('a==2O', /"2O" at position 3 is not a valid number/);
    rejects('a==2026-13-01', /"2026-13-01" at position 3 is not a valid/);
    rejects('a==2026-02-30T00:00:00Z', /is not a valid/);
    rejects('a==01', /"01" at position 3 is not a valid number/);
    rejects("a=='x'", /double quotes .* position 3/);
    rejects('a=="x', /string starting at position 3 is never closed/);
    rejects('a=="\\q"', /invalid string .* at position 3/);
    rejects('a=="\\u0000"', /NUL/);
    rejects('a>true', /> needs a number, quoted string, date, time or dateTime; found boolean/);
    rejects('a<urn:x:1', /< needs a number/);
    rejects('a>1..2', /range .* only allowed with == and != \(position 2\)/);
    rejects('a>1,2', /list .* only allowed with == and != \(position 3\)/);
    rejects('a==1.."x"', /same type: number and string at position 6/);
    rejects('a==true..false', /range bounds must be numbers/);
    rejects('a==1..2,3', /range cannot be part of a list/);
    rejects('a==1 2', /unexpected "2" after the value of "a" at position 5/);
    rejects('a[b', /"\[" at position 1 is never closed/);
    rejects('a[]==1', /expected a member name at position 2/);
    rejects('a~=', /expected a regular expression after ~= at position 3/);
    rejects('a~=(', /invalid regular expression "\(" at position 3/);
    rejects('a~="[a-"', /invalid regular expression/);
    rejects('a!~=x{2,1}', /invalid regular expression/);
  });

  it('parses linked entity paths with and without an entity type hint, and formats them back', () => {
    const plain = term(parseQ('sensor{humidity}==40'));
    assert.deepEqual(plain.path, { names: ['sensor'], link: { path: { names: ['humidity'] } } });
    assert.equal(plain.operator, '==');
    const hinted = term(parseQ('sensor{Device,Probe:reading.observedAt}>2026-01-01T00:00:00Z'));
    assert.deepEqual(hinted.path, { names: ['sensor'], link: { types: ['Device', 'Probe'], path: { names: ['reading', 'observedAt'] } } });
    const nested = parseQ('building{owner{address[city]}}=="福島市";height>10');
    assert.equal(formatQ(nested), 'building{owner{address[city]}}=="福島市";height>10');
    assert.deepEqual(parseQ(formatQ(nested)), nested);
  });

  it('refuses malformed linked entity paths', () => {
    rejects('sensor{humidity==40', /"\{" at position 6/);
    rejects('a.b{c}==1', /one Relationship name/);
    rejects('a{b{c{d{e}}}}', /nest deeper than 3/, 'TooComplexQuery');
    rejects('a{}==1', /expected an attribute name \(starting with a letter\) at position 2/);
  });

  it('answers TooComplexQuery beyond the limits', () => {
    rejects('('.repeat(40) + 'a' + ')'.repeat(40), /nest deeper/, 'TooComplexQuery');
    rejects(Array.from({ length: 201 }, (_, i) => `a${i}`).join(';'), /more than 200 query terms/, 'TooComplexQuery');
    rejects(`a==${'x'.repeat(9000)}`, /longer than/, 'TooComplexQuery');
  });
});

describe('parseScopeQuery', () => {
  it('parses the examples of clause 4.19', () => {
    assert.deepEqual(parseScopeQuery('/Madrid'), { anyOf: [[{ levels: ['Madrid'], descendants: false }]] });
    assert.deepEqual(parseScopeQuery('/Madrid/Gardens/#'), { anyOf: [[{ levels: ['Madrid', 'Gardens'], descendants: true }]] });
    assert.deepEqual(parseScopeQuery('/Madrid/+/ParqueNorte'), { anyOf: [[{ levels: ['Madrid', '+', 'ParqueNorte'], descendants: false }]] });
    assert.deepEqual(parseScopeQuery('/#'), { anyOf: [[{ levels: [], descendants: true }]] });
    const conj = { anyOf: [[{ levels: ['Madrid', 'Districts'], descendants: false }, { levels: ['CompanyA'], descendants: false }], [{ levels: ['CompanyB'], descendants: false }]] };
    assert.deepEqual(parseScopeQuery('(/Madrid/Districts;/CompanyA)|/CompanyB'), conj);
    assert.deepEqual(parseScopeQuery('(/Madrid/Districts;/CompanyA),/CompanyB'), conj);
  });

  it('rejects malformed scope queries with the position', () => {
    const scope = (t: string) => parseScopeQuery(t);
    rejects('', /empty/, 'BadRequestData', scope);
    rejects('Madrid', /starting with "\/" at position 0/, 'BadRequestData', scope);
    rejects('(/Madrid/Districts;/CompanyA)|CompanyB', /starting with "\/" at position 30/, 'BadRequestData', scope);
    rejects('/Madrid/', /expected a scope level.* at position 8/, 'BadRequestData', scope);
    rejects('/Madrid/#/Gardens', /"#" must end the scope \(position 8\)/, 'BadRequestData', scope);
    rejects('/Mad+rid', /unexpected "\+" at position 4/, 'BadRequestData', scope);
    rejects('/a/+b', /"\+" must be a whole level/, 'BadRequestData', scope);
    rejects('(/a;/b', /close the "\(" at position 0/, 'BadRequestData', scope);
    rejects('/a;/b', /expected "\|" or "," .* at position 2/, 'BadRequestData', scope);
  });

  it('matches scopes in memory', () => {
    const m = (q: string, scopes: string[] | null) => matchesScopeQuery(parseScopeQuery(q), scopes);
    assert.equal(m('/Madrid/Gardens/#', ['/Madrid/Gardens']), true);
    assert.equal(m('/Madrid/Gardens/#', ['/Madrid/Gardens/ParqueNorte/Parterre1']), true);
    assert.equal(m('/Madrid/Gardens/#', ['/Madrid/GardensX']), false);
    assert.equal(m('/Madrid/+/ParqueNorte', ['/Madrid/Sights/ParqueNorte']), true);
    assert.equal(m('/Madrid/+/ParqueNorte', ['/Madrid/ParqueNorte']), false);
    assert.equal(m('/#', ['/x']), true);
    assert.equal(m('/#', null), false);
    assert.equal(m('(/A;/B)', ['/B', '/A']), true);
    assert.equal(m('(/A;/B)', ['/A']), false);
    assert.equal(m('/a.b', ['/axb']), false);
    assert.equal(scopePatternRegex({ levels: ['a.b', '+'], descendants: true }), '^/a\\.b/[^/]+(/.*)?$');
  });
});
