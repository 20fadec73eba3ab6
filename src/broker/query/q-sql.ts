// Compiles a parsed NGSI-LD q (q-language.ts) to one PostgreSQL condition over the entity's
// `attrs` column (see entities/stored-entity.ts for its shape):
//
//   jsonb_path_exists(e.attrs, $1::jsonpath, $2::jsonb)
//
// The whole expression becomes one SQL/JSON path predicate `$ ? (…)`; every value the client
// wrote travels in the jsonpath variables ($2, as JSON), and the only client text inside the
// path itself is attribute IRIs, member names and regular expressions, each written as an
// escaped jsonpath string literal (jsonPathString). The path is a bind parameter too, so nothing
// the client writes ever becomes SQL text. Works on PostgreSQL 15+ and PGlite (17).
//
// Semantics (clause 4.9), per term:
// - The target element is every instance of the attribute (all datasetIds: a match on any
//   instance counts), then `.sub.<IRI>` for each further dotted name; a last name that is a core
//   member (observedAt, createdAt, modifiedAt, unitCode, datasetId, objectType) addresses that
//   member of the instance instead of a sub-attribute.
// - The target value of an instance is its value (Property, GeoProperty), object
//   (Relationship), objectList (ListRelationship), any languageMap value (LanguageProperty),
//   vocab (VocabProperty, compared with the query value expanded by the @context), json
//   (JsonProperty) or valueList (ListProperty). A trailing [a.b] path reads members of value /
//   json (or one language of a languageMap). Array targets match when any element matches.
// - ==, >, >=, <, <=, ~= : some instance has a target value item that satisfies the comparison.
//   Items of another type never match (comparing a number with a string is false, not an error).
//   Relationships only take part in == and != (other operators never match them).
// - != and !~= : some instance has the target element and none of its target value items
//   satisfies the positive comparison (so a value of another type counts as unequal, as the spec
//   says, an array must not contain the value, and an entity without the attribute never
//   matches). !~= further needs a string target value.
// - Strings compare by code point (jsonpath's order, independent of the database collation).
// - dateTime values compare as instants: the stored string is read with one of the ISO 8601
//   shapes …T hh:mm:ss[.ffffff] followed by Z, ±hh:mm or nothing (nothing = UTC), the query value
//   is normalised to UTC. date compares with yyyy-mm-dd values, time with hh:mm:ss[.ffffff][Z].
//   A stored string of another shape does not match (and counts as unequal for !=).
// - Regular expressions are PostgreSQL's (jsonpath like_regex, POSIX ARE); a pattern PostgreSQL
//   refuses raises SQLSTATE 2201B: map it with qSqlErrorToNgsi() (most are caught at parse time).
// - Terms are independent: temperature>20;temperature.datasetId=="urn:x" may be satisfied by
//   two different instances.
// - A linked-entity term (`sensor{humidity}==40`) is an EXISTS over the entities of the same
//   tenant whose id is an object (or objectList item) of the Relationship, of the hinted types
//   if any, that satisfy the inner term; the rest of the q stays one jsonpath predicate per
//   group of plain terms. It needs the tenant column (CompileQOptions.tenant).
import { sql, type RawBuilder } from 'kysely';
import { NgsiError } from '../errors.ts';
import { personalEntitySql } from '../personal/personal-types.ts';
import { qHasLinks, type QExpression, type QOperator, type QScalar, type QTerm, type QValue } from './q-language.ts';

export interface CompileQOptions {
  /** The jsonb attrs column (a name such as 'e.attrs', or any SQL expression). */
  attrs: RawBuilder<unknown> | string;
  /** Expands a short term (attribute name, vocab value) to its IRI with the requester's @context. */
  expand: (term: string) => string;
  /** expandValues (clause 4.9): attributes (short names) whose string values are expanded before comparing. */
  expandValues?: readonly string[] | undefined;
  /** The entity's tenant (e.g. 'e.tenant'), for linked-entity terms; without it they are refused. */
  tenant?: RawBuilder<unknown> | string | undefined;
  /** Linked entities must have one of these types (an anonymous open-data read), when given. */
  linkedTypes?: readonly string[] | undefined;
}

export interface QJsonPath {
  /** A jsonpath predicate query over attrs: `$ ? (…)`. */
  jsonpath: string;
  /** The jsonpath variables, as JSON text. */
  vars: string;
}

const CORE = 'https://uri.etsi.org/ngsi-ld/';
/** Upper bound on the compiled path (a long list of dateTimes grows it fastest). */
const MAX_JSONPATH_LENGTH = 256 * 1024;
/** Members of an attribute instance that a dotted name addresses directly. */
const MEMBERS = new Set(['observedAt', 'createdAt', 'modifiedAt', 'unitCode', 'datasetId', 'objectType']);

// Shapes of stored dateTimes (PostgreSQL to_timestamp templates), by what they produce.
const STORED_DATETIME_NO_ZONE = [
  'yyyy-mm-dd"T"HH24:MI:SS"Z"', 'yyyy-mm-dd"T"HH24:MI:SS.US"Z"',
  'yyyy-mm-dd"T"HH24:MI:SS', 'yyyy-mm-dd"T"HH24:MI:SS.US',
];
const STORED_DATETIME_ZONED = ['yyyy-mm-dd"T"HH24:MI:SSTZH:TZM', 'yyyy-mm-dd"T"HH24:MI:SS.USTZH:TZM'];
const QUERY_DATETIME = 'yyyy-mm-dd"T"HH24:MI:SS.US';
const QUERY_DATETIME_ZONED = 'yyyy-mm-dd"T"HH24:MI:SS.USTZH:TZM';
const STORED_TIME = ['HH24:MI:SS', 'HH24:MI:SS.US', 'HH24:MI:SS"Z"', 'HH24:MI:SS.US"Z"'];
const QUERY_TIME = 'HH24:MI:SS.US';
const DATE_TEMPLATE = 'yyyy-mm-dd';

/** A jsonpath string literal: "…" with \ " and control characters escaped. */
export function jsonPathString(text: string): string {
  return `"${text.replace(/[\\"\u0000-\u001f\u007f\u2028\u2029]/g, (c) => {
    if (c === '\\' || c === '"') return `\\${c}`;
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  })}"`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** A query dateTime as UTC "yyyy-mm-ddThh:mm:ss.ffffff" (no zone written means UTC). */
export function normaliseDateTime(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text);
  if (!m) throw new NgsiError('BadRequestData', `q: ${JSON.stringify(text)} is not a dateTime`);
  const date = new Date(0);
  date.setUTCFullYear(+m[1]!, +m[2]! - 1, +m[3]!);
  date.setUTCHours(+m[4]!, +m[5]!, +(m[6] ?? 0), 0);
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const minutes = +digits.slice(0, 2) * 60 + +(digits.slice(2) || 0);
    date.setTime(date.getTime() - sign * minutes * 60_000);
  }
  const micros = (m[7] ?? '').slice(0, 6).padEnd(6, '0');
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T`
    + `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${micros}`;
}

/** A query time as "hh:mm:ss.ffffff". */
function normaliseTime(text: string): string {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?Z?$/.exec(text);
  if (!m) throw new NgsiError('BadRequestData', `q: ${JSON.stringify(text)} is not a time`);
  return `${m[1]}:${m[2]}:${m[3] ?? '00'}.${(m[4] ?? '').slice(0, 6).padEnd(6, '0')}`;
}

type OperatorClass = 'equality' | 'order' | 'regex';

interface Candidate {
  /** A jsonpath relative to the instance (@). */
  path: string;
  /** Compare with the query's string values expanded by the @context (VocabProperty). */
  expandStrings?: boolean;
}

class Compiler {
  private readonly vars: string[] = [];

  constructor(private readonly options: CompileQOptions) {}

  compile(ast: QExpression): QJsonPath {
    const predicate = this.expression(ast);
    if (predicate.length > MAX_JSONPATH_LENGTH) {
      throw new NgsiError('TooComplexQuery', 'q: the query is too complex (too many terms or listed values); split it into simpler queries');
    }
    return { jsonpath: `$ ? (${predicate})`, vars: `{${this.vars.join(',')}}` };
  }

  private readonly names = new Map<string, string>();

  /** A jsonpath variable holding this JSON value (one variable per distinct value). */
  private variable(json: string): string {
    let name = this.names.get(json);
    if (!name) {
      name = `v${this.vars.length}`;
      this.names.set(json, name);
      this.vars.push(`"${name}":${json}`);
    }
    return `$${name}`;
  }

  private expression(ast: QExpression): string {
    if (ast.kind === 'term') return this.term(ast);
    const parts = ast.operands.map((o) => this.expression(o));
    return `(${parts.join(ast.kind === 'and' ? ' && ' : ' || ')})`;
  }

  private term(term: QTerm): string {
    if (term.path.link) throw new NgsiError('InternalError', 'q: a linked entity term reached the jsonpath compiler');
    const { names, members } = term.path;
    const expand = this.options.expand;
    let instance = `$.${jsonPathString(expand(names[0]!))}[*]`;
    let member: string | undefined;
    for (let i = 1; i < names.length; i++) {
      const name = names[i]!;
      const iri = expand(name);
      const core = MEMBERS.has(name) ? name : iri.startsWith(CORE) && MEMBERS.has(iri.slice(CORE.length)) ? iri.slice(CORE.length) : undefined;
      if (core) {
        if (i !== names.length - 1) {
          throw new NgsiError('BadRequestData', `q: ${core} is a member of ${names.slice(0, i).join('.')} and has no sub-attributes (position ${term.position})`);
        }
        member = core;
      } else {
        instance += `.sub.${jsonPathString(iri)}[*]`;
      }
    }
    const memberPath = members?.map((m) => (m === '*' ? '.*' : `.${jsonPathString(m)}`)).join('') ?? '';
    const operator = term.operator;
    const value = term.value;

    if (!operator || !value) {
      if (member) return `exists(${instance}.${jsonPathString(member)}${memberPath})`;
      if (!members) return `exists(${instance})`;
      const candidates = this.candidates(members, memberPath, members.length, 'equality', false);
      return `exists(${instance} ? (${candidates.map((c) => `exists(${c.path})`).join(' || ')}))`;
    }

    const positive: QOperator = operator === '!=' ? '==' : operator === '!~=' ? '~=' : operator;
    const opClass: OperatorClass = positive === '==' ? 'equality' : positive === '~=' ? 'regex' : 'order';
    const dateLike = scalarsOf(value).some((s) => s.type === 'dateTime' || s.type === 'date' || s.type === 'time');
    const candidates = member
      ? [{ path: `@.${jsonPathString(member)}${memberPath}` }]
      : this.candidates(members, memberPath, members?.length ?? 0, opClass, dateLike);
    const expandAll = this.options.expandValues?.includes(names[0]!) ?? false;
    const matches = candidates
      .map((c) => `exists(${c.path} ? (${this.item(positive, value, expandAll || !!c.expandStrings)}))`)
      .join(' || ');
    if (operator === positive) return `exists(${instance} ? (${matches}))`;
    const present = operator === '!~='
      ? candidates.map((c) => `exists(${c.path} ? (@.type() == "string"))`).join(' || ')
      : candidates.map((c) => `exists(${c.path})`).join(' || ');
    return `exists(${instance} ? ((${present}) && !(${matches})))`;
  }

  /** Where an instance keeps its target value, for this kind of comparison. */
  private candidates(
    members: string[] | undefined, memberPath: string, memberCount: number, opClass: OperatorClass, dateLike: boolean,
  ): Candidate[] {
    if (members) {
      const out: Candidate[] = [{ path: `@.value${memberPath}` }, { path: `@.json${memberPath}` }];
      if (memberCount === 1) out.push({ path: `@.languageMap${memberPath}` });
      return out;
    }
    const out: Candidate[] = [{ path: '@.value' }];
    if (dateLike) out.push({ path: '@.value."@value"' });
    if (opClass === 'equality') out.push({ path: '@.object' }, { path: '@.objectList' });
    out.push({ path: '@.languageMap.*' });
    if (opClass !== 'order') out.push({ path: '@.vocab', expandStrings: opClass === 'equality' });
    out.push({ path: '@.json' }, { path: '@.valueList' });
    return out;
  }

  /** A predicate on one target value item (@). */
  private item(operator: QOperator, value: QValue, expandStrings: boolean): string {
    switch (value.type) {
      case 'regex':
        return `@ like_regex ${jsonPathString(value.pattern)}`;
      case 'range':
        return `(${this.compare('>=', value.min, expandStrings)} && ${this.compare('<=', value.max, expandStrings)})`;
      case 'list':
        return `(${value.values.map((v) => this.compare('==', v, expandStrings)).join(' || ')})`;
      default:
        return this.compare(operator, value, expandStrings);
    }
  }

  private compare(operator: QOperator, scalar: QScalar, expandStrings: boolean): string {
    const op = operator === '~=' || operator === '!~=' || operator === '!=' ? '==' : operator;
    switch (scalar.type) {
      case 'number':
        return `@ ${op} ${this.variable(scalar.text)}`;
      case 'boolean':
        return `@ ${op} ${this.variable(String(scalar.value))}`;
      case 'string':
      case 'uri': {
        const text = expandStrings ? this.options.expand(scalar.value) : scalar.value;
        return `@ ${op} ${this.variable(JSON.stringify(text))}`;
      }
      case 'dateTime': {
        const utc = normaliseDateTime(scalar.value);
        const plain = `${this.variable(JSON.stringify(utc))}.datetime(${jsonPathString(QUERY_DATETIME)})`;
        const zoned = `${this.variable(JSON.stringify(`${utc}+00:00`))}.datetime(${jsonPathString(QUERY_DATETIME_ZONED)})`;
        const parts = [
          ...STORED_DATETIME_NO_ZONE.map((t) => `@.datetime(${jsonPathString(t)}) ${op} ${plain}`),
          ...STORED_DATETIME_ZONED.map((t) => `@.datetime(${jsonPathString(t)}) ${op} ${zoned}`),
        ];
        return `(${parts.join(' || ')})`;
      }
      case 'date': {
        const v = `${this.variable(JSON.stringify(scalar.value))}.datetime(${jsonPathString(DATE_TEMPLATE)})`;
        return `@.datetime(${jsonPathString(DATE_TEMPLATE)}) ${op} ${v}`;
      }
      case 'time': {
        const v = `${this.variable(JSON.stringify(normaliseTime(scalar.value)))}.datetime(${jsonPathString(QUERY_TIME)})`;
        return `(${STORED_TIME.map((t) => `@.datetime(${jsonPathString(t)}) ${op} ${v}`).join(' || ')})`;
      }
    }
  }
}

function scalarsOf(value: QValue): QScalar[] {
  switch (value.type) {
    case 'range': return [value.min, value.max];
    case 'list': return value.values;
    case 'regex': return [];
    default: return [value];
  }
}

/** The jsonpath and variables compileQ() sends (for tests, EXPLAIN and debugging). */
export function qToJsonPath(ast: QExpression, options: Omit<CompileQOptions, 'attrs'>): QJsonPath {
  return new Compiler({ ...options, attrs: '' }).compile(ast);
}

/** A boolean SQL condition, true for the entities whose attrs satisfy the q. */
export function compileQ(ast: QExpression, options: CompileQOptions): RawBuilder<boolean> {
  if (!qHasLinks(ast)) {
    const { jsonpath, vars } = qToJsonPath(ast, options);
    return sql<boolean>`jsonb_path_exists(${column(options.attrs)}, ${jsonpath}::jsonpath, ${vars}::jsonb)`;
  }
  if (options.tenant === undefined) throw new NgsiError('OperationNotSupported', 'q: linked entity paths (rel{attr}) are not supported here');
  return compileLinked(ast, options, 0);
}

function column(ref: RawBuilder<unknown> | string): RawBuilder<unknown> {
  return typeof ref === 'string' ? sql.ref(ref) : ref;
}

function compileLinked(ast: QExpression, options: CompileQOptions, depth: number): RawBuilder<boolean> {
  if (!qHasLinks(ast)) return compileQ(ast, options);
  if (ast.kind !== 'term') {
    const parts = ast.operands.map((o) => compileLinked(o, options, depth));
    return sql<boolean>`(${sql.join(parts, ast.kind === 'and' ? sql` and ` : sql` or `)})`;
  }
  const link = ast.path.link!;
  const alias = `linked_${depth}`;
  const relationship = `$.${jsonPathString(options.expand(ast.path.names[0]!))}[*]`;
  const attrs = column(options.attrs);
  // lax [*] reads a single object and an array of objects alike.
  const targets = sql`select jsonb_path_query(${attrs}, ${`${relationship}.object[*]`}::jsonpath) #>> '{}'
    union all select jsonb_path_query(${attrs}, ${`${relationship}.objectList[*]`}::jsonpath) #>> '{}'`;
  const types = link.types ? sql`and ${sql.ref(`${alias}.types`)} && ${sql.val(link.types.map(options.expand))}::text[]` : sql``;
  const open = options.linkedTypes ? sql`and ${sql.ref(`${alias}.types`)} && ${sql.val([...options.linkedTypes])}::text[]` : sql``;
  const inner = compileLinked({ ...ast, path: link.path }, { ...options, attrs: `${alias}.attrs`, tenant: `${alias}.tenant` }, depth + 1);
  return sql<boolean>`exists (select 1 from broker_entities ${sql.raw(alias)}
    where ${sql.ref(`${alias}.tenant`)} = ${column(options.tenant!)} and ${sql.ref(`${alias}.id`)} in (${targets}) ${types} ${open}
      and not ${personalEntitySql(alias)} and ${inner})`;
}

/**
 * Maps the SQL errors a q can still cause to NgsiError: a regular expression PostgreSQL refuses
 * (SQLSTATE 2201B, invalid_regular_expression) → BadRequestData. Anything else → undefined
 * (rethrow it). Works with node-postgres and PGlite errors (both carry `code`).
 */
export function qSqlErrorToNgsi(error: unknown): NgsiError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '2201B') {
    const message = (error as Error).message.replace(/^invalid regular expression: /, '');
    return new NgsiError('BadRequestData', `q: invalid regular expression: ${message}`);
  }
  return undefined;
}
