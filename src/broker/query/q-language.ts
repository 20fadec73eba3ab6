// The NGSI-LD Query Language (ETSI GS CIM 009 v1.9.1, clause 4.9): the `q` parameter of Query
// Entities and of subscriptions, parsed into an AST. q-sql.ts compiles the AST to SQL.
//
//   Query          = (QueryTerm / QueryTermAssoc) *(LogicalOp (QueryTerm / QueryTermAssoc))
//   QueryTermAssoc = "(" QueryTerm *(LogicalOp QueryTerm) ")"      (we allow any nesting)
//   QueryTerm      = Attribute [ Operator Value ]
//   Attribute      = AttrName *("." AttrName) [ "[" Member *("." Member) "]" ]
//                  / AttrName "{" [ EntityType *("," EntityType) ":" ] Attribute "}"
//   LogicalOp      = ";" (and) / "|" (or)         — and binds tighter than or (clause 4.9)
//
// Decisions the grammar leaves open:
// - Positions in messages are 0-based character offsets into the (already URL-decoded) q.
// - Whitespace between tokens is ignored; inside an unquoted value it ends the value.
// - Unquoted values end at ; | , ) or whitespace. A value containing those must be quoted.
// - An unquoted value starting with a digit or sign must be a valid number, date, time or
//   dateTime (so `temperature==2O` is an error, not a string). Other unquoted values (URIs such
//   as urn:ngsi-ld:Car:1, or bare terms such as `Male` for expandValues) are `uri` values and
//   compare as strings.
// - A regular expression (after ~= or !~=) is either a JSON string ("(?i)^tok.*|x") or unquoted;
//   an unquoted one ends at ; | or whitespace outside its own parentheses and brackets, or at an
//   unbalanced ")". Use the quoted form for a top-level alternation (a|b). The flavour is
//   PostgreSQL's (POSIX ARE; a leading (?i) makes it case-insensitive).
// - `attr[a][b]` is accepted as a synonym of `attr[a.b]`; `[*]` addresses any member (e.g. any
//   language of a LanguageProperty).
// - Linked-entity paths (`sensor{humidity}==40`, `sensor{Device:humidity}==40`): the
//   Relationship is a single name; inside the braces a leading `Type,Type:` is the entity type
//   hint of the grammar (so compact IRIs cannot start a linked path); at most
//   Q_LIMITS.maxLinkDepth nested braces.
import { NgsiError } from '../errors.ts';
import { assertName } from '../entities/entity-input.ts';

export type QOperator = '==' | '!=' | '>' | '>=' | '<' | '<=' | '~=' | '!~=';

export type QScalar =
  | { type: 'number'; value: number; /** The number as written (valid JSON), kept for exactness. */ text: string }
  | { type: 'string'; value: string }
  | { type: 'boolean'; value: boolean }
  /** `value` as written; compared as an instant (see q-sql.ts). */
  | { type: 'dateTime'; value: string }
  | { type: 'date'; value: string }
  | { type: 'time'; value: string }
  /** An unquoted URI or bare term: compared as a string (expanded when in expandValues). */
  | { type: 'uri'; value: string };

export type QValue =
  | QScalar
  | { type: 'range'; min: QScalar; max: QScalar }
  | { type: 'list'; values: QScalar[] }
  | { type: 'regex'; pattern: string };

export interface QAttributePath {
  /** The dotted names: names[0] is the attribute, the rest sub-attributes or meta members. */
  names: string[];
  /** The member path inside a compound value (the part in square brackets); '*' = any member. */
  members?: string[];
  /** `names[0]{…}`: the term applies to the entities the Relationship names[0] points to. */
  link?: { types?: string[]; path: QAttributePath };
}

export interface QTerm {
  kind: 'term';
  path: QAttributePath;
  /** Absent: an existence test. */
  operator?: QOperator;
  value?: QValue;
  /** 0-based offset of the term in the q text. */
  position: number;
}

export interface QLogical {
  kind: 'and' | 'or';
  operands: QExpression[];
}

export type QExpression = QTerm | QLogical;

/** Limits (TooComplexQuery beyond them). */
export const Q_LIMITS = { maxLength: 8192, maxTerms: 200, maxDepth: 32, maxListValues: 200, maxLinkDepth: 3 } as const;

const LETTER = /\p{L}/u;
const TERM_CHAR = /[\p{L}\p{N}_]/u;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?Z?$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function bad(detail: string): NgsiError {
  return new NgsiError('BadRequestData', `q: ${detail}`);
}

function show(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

class QParser {
  private pos = 0;
  private terms = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  parse(): QExpression {
    this.ws();
    if (this.eof()) throw bad('the query is empty');
    const expression = this.orExpr();
    this.ws();
    if (!this.eof()) {
      const c = this.peek();
      if (c === ')') throw bad(`unbalanced ")" at position ${this.pos}`);
      throw bad(`expected ";" (and), "|" (or) or the end of the query at position ${this.pos}, found ${show(c)}`);
    }
    return expression;
  }

  /** Just an attribute path (no linked entities), the whole text: e.g. an orderBy term. */
  path(): QAttributePath {
    const path = this.attributePath();
    if (!this.eof()) throw bad(`expected the end of the attribute path at position ${this.pos}, found ${show(this.peek())}`);
    return path;
  }

  private eof(): boolean {
    return this.pos >= this.text.length;
  }

  private peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  /** The character (code point) at the cursor. */
  private char(): string {
    const cp = this.text.codePointAt(this.pos);
    return cp === undefined ? '' : String.fromCodePoint(cp);
  }

  private ws(): void {
    while (!this.eof() && /\s/.test(this.peek())) this.pos++;
  }

  private orExpr(): QExpression {
    const operands = [this.andExpr()];
    for (;;) {
      this.ws();
      if (this.peek() !== '|') break;
      this.pos++;
      operands.push(this.andExpr());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands: flatten('or', operands) };
  }

  private andExpr(): QExpression {
    const operands = [this.primary()];
    for (;;) {
      this.ws();
      if (this.peek() !== ';') break;
      this.pos++;
      operands.push(this.primary());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands: flatten('and', operands) };
  }

  private primary(): QExpression {
    this.ws();
    if (this.eof()) throw bad(`expected a query term at position ${this.pos}, found the end of the query`);
    if (this.peek() === '(') {
      const open = this.pos;
      this.pos++;
      if (++this.depth > Q_LIMITS.maxDepth) {
        throw new NgsiError('TooComplexQuery', `q: parentheses nest deeper than ${Q_LIMITS.maxDepth} levels`);
      }
      const inner = this.orExpr();
      this.ws();
      if (this.peek() !== ')') {
        throw bad(this.eof()
          ? `the "(" at position ${open} is never closed`
          : `expected ")" to close the "(" at position ${open}, found ${show(this.peek())} at position ${this.pos}`);
      }
      this.pos++;
      this.depth--;
      return inner;
    }
    return this.term();
  }

  private term(): QTerm {
    const position = this.pos;
    if (++this.terms > Q_LIMITS.maxTerms) {
      throw new NgsiError('TooComplexQuery', `q: more than ${Q_LIMITS.maxTerms} query terms`);
    }
    const path = this.attributePath();
    const pathText = this.text.slice(position, this.pos);
    this.ws();
    if (this.eof() || ';|)'.includes(this.peek())) return { kind: 'term', path, position };
    const operatorAt = this.pos;
    const operator = this.operator();
    if (!operator) {
      if (this.peek() === '=' ) {
        throw bad(`"=" is not an operator (use "==") after ${show(pathText)} at position ${operatorAt}`);
      }
      throw bad(`expected an operator (== != > >= < <= ~= !~=), ";", "|" or ")" after ${show(pathText)} at position ${operatorAt}, found ${show(this.char())}`);
    }
    this.ws();
    const value = operator === '~=' || operator === '!~=' ? this.regex(operator) : this.value(operator);
    this.ws();
    if (!this.eof() && !';|)'.includes(this.peek())) {
      throw bad(`unexpected ${show(this.char())} after the value of ${show(pathText)} at position ${this.pos}`);
    }
    return { kind: 'term', path, operator, value, position };
  }

  private name(what: string): string {
    const start = this.pos;
    const first = this.char();
    if (!first || !LETTER.test(first)) {
      if (this.eof()) throw bad(`expected ${what} at position ${start}, found the end of the query`);
      throw bad(`expected ${what} (starting with a letter) at position ${start}, found ${show(first)}`);
    }
    this.pos += first.length;
    for (;;) {
      const c = this.char();
      if (c && TERM_CHAR.test(c)) {
        this.pos += c.length;
      } else if (c === ':' && LETTER.test(String.fromCodePoint(this.text.codePointAt(this.pos + 1) ?? 32))) {
        // A compact IRI (prefix:name), expanded by the @context like any term.
        this.pos++;
      } else {
        break;
      }
    }
    return this.text.slice(start, this.pos);
  }

  private attributePath(links = 0): QAttributePath {
    const names = [this.name('an attribute name')];
    while (this.peek() === '.') {
      this.pos++;
      names.push(this.name('an attribute name after "."'));
    }
    if (this.peek() === '{') return this.linkedPath(names, links);
    if (this.peek() !== '[') return { names };
    const members: string[] = [];
    while (this.peek() === '[') {
      const open = this.pos;
      this.pos++;
      for (;;) {
        const start = this.pos;
        while (!this.eof() && !'.[]'.includes(this.peek()) && !/[\s\u0000-\u001f]/.test(this.peek())) this.pos++;
        if (this.pos === start) {
          throw bad(`expected a member name at position ${start} in the "[" path opened at position ${open}`);
        }
        members.push(this.text.slice(start, this.pos));
        if (this.peek() === '.') {
          this.pos++;
          continue;
        }
        if (this.peek() === ']') {
          this.pos++;
          break;
        }
        throw bad(this.eof()
          ? `the "[" at position ${open} is never closed`
          : `expected "." or "]" at position ${this.pos}, found ${show(this.peek())}`);
      }
    }
    return { names, members };
  }

  /** `rel{[Type,Type:]path}` after the Relationship name (clause 4.9, LinkedEntityRelation). */
  private linkedPath(names: string[], links: number): QAttributePath {
    const open = this.pos;
    if (names.length !== 1) throw bad(`a linked entity path starts with one Relationship name, not ${show(names.join('.'))} (position ${open})`);
    if (links + 1 > Q_LIMITS.maxLinkDepth) throw new NgsiError('TooComplexQuery', `q: linked entity paths nest deeper than ${Q_LIMITS.maxLinkDepth} levels`);
    this.pos++;
    const hint = /^[\p{L}][\p{L}\p{N}_]*(?:,[\p{L}][\p{L}\p{N}_]*)*:/u.exec(this.text.slice(this.pos));
    let types: string[] | undefined;
    if (hint) {
      types = hint[0].slice(0, -1).split(',');
      this.pos += hint[0].length;
    }
    const path = this.attributePath(links + 1);
    if (this.peek() !== '}') {
      throw bad(this.eof() ? `the "{" at position ${open} is never closed` : `expected "}" to close the "{" at position ${open}, found ${show(this.peek())} at position ${this.pos}`);
    }
    this.pos++;
    return { names, link: { ...(types ? { types } : {}), path } };
  }

  private operator(): QOperator | undefined {
    for (const op of ['==', '!~=', '!=', '>=', '>', '<=', '<', '~='] as const) {
      if (this.text.startsWith(op, this.pos)) {
        this.pos += op.length;
        return op;
      }
    }
    return undefined;
  }

  private value(operator: QOperator): QValue {
    const equality = operator === '==' || operator === '!=';
    const start = this.pos;
    const first = this.scalar(operator);
    if (this.text.startsWith('..', this.pos)) {
      if (!equality) throw bad(`a range (a..b) is only allowed with == and != (position ${start})`);
      this.pos += 2;
      const maxAt = this.pos;
      const max = this.scalar(operator);
      if (!isComparable(first) || !isComparable(max)) {
        throw bad(`range bounds must be numbers, strings, dates, times or dateTimes (position ${start})`);
      }
      if (first.type !== max.type) {
        throw bad(`range bounds must have the same type: ${first.type} and ${max.type} at position ${maxAt}`);
      }
      if (this.peek() === ',') throw bad(`a range cannot be part of a list (position ${this.pos})`);
      return { type: 'range', min: first, max };
    }
    if (this.peek() === ',') {
      if (!equality) throw bad(`a list of values is only allowed with == and != (position ${this.pos})`);
      const values = [first];
      while (this.peek() === ',') {
        this.pos++;
        values.push(this.scalar(operator));
        if (values.length > Q_LIMITS.maxListValues) {
          throw new NgsiError('TooComplexQuery', `q: more than ${Q_LIMITS.maxListValues} values in a list`);
        }
        if (this.text.startsWith('..', this.pos)) throw bad(`a range cannot be part of a list (position ${this.pos})`);
      }
      return { type: 'list', values };
    }
    if (!equality && !isComparable(first)) {
      throw bad(`${operator} needs a number, quoted string, date, time or dateTime; found ${first.type} ${show(String(first.value))} at position ${start}`);
    }
    return first;
  }

  private scalar(operator: QOperator): QScalar {
    const start = this.pos;
    if (this.eof()) throw bad(`expected a value after ${operator} at position ${start}, found the end of the query`);
    if (this.peek() === '"') return { type: 'string', value: this.quoted() };
    // Unquoted: up to ; | , ) whitespace or a quote; a ".." between two values makes a range.
    while (!this.eof() && !/[;|,)\s"]/.test(this.peek())) this.pos++;
    let token = this.text.slice(start, this.pos);
    const dots = token.indexOf('..');
    if (dots > 0) {
      const left = classify(token.slice(0, dots));
      if (left && left.type !== 'uri') {
        this.pos = start + dots;
        token = token.slice(0, dots);
      }
    }
    if (token === '') throw bad(`expected a value after ${operator} at position ${start}, found ${show(this.char())}`);
    const scalar = classify(token);
    if (!scalar) {
      if (/^[-+\d]/.test(token)) throw bad(`${show(token)} at position ${start} is not a valid number, date, time or dateTime`);
      if (token.startsWith("'")) throw bad(`strings are quoted with double quotes ("…"), at position ${start}`);
      throw bad(`unexpected value ${show(token)} at position ${start}; quote strings ("…")`);
    }
    return scalar;
  }

  /** A JSON string at the cursor (RFC 8259 escapes). */
  private quoted(): string {
    const start = this.pos;
    let i = start + 1;
    for (; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === '\\') i++;
      else if (c === '"') break;
    }
    if (i >= this.text.length) throw bad(`the string starting at position ${start} is never closed`);
    const literal = this.text.slice(start, i + 1);
    let value: string;
    try {
      value = JSON.parse(literal) as string;
    } catch {
      throw bad(`invalid string ${show(literal)} at position ${start} (JSON string syntax: escape " and \\ with \\)`);
    }
    if (value.includes('\u0000')) throw bad(`the string at position ${start} contains a NUL character`);
    this.pos = i + 1;
    return value;
  }

  private regex(operator: QOperator): QValue {
    const start = this.pos;
    let pattern: string;
    if (this.peek() === '"') {
      pattern = this.quoted();
    } else {
      let depth = 0;
      let i = this.pos;
      scan: for (; i < this.text.length; i++) {
        const c = this.text[i]!;
        switch (c) {
          case '\\': i++; break;
          case '(': depth++; break;
          case ')': if (depth === 0) break scan; depth--; break;
          case '[': i = skipBracket(this.text, i) - 1; break;
          case ';': case '|': if (depth === 0) break scan; break;
          default: if (/\s/.test(c)) break scan;
        }
      }
      pattern = this.text.slice(this.pos, Math.min(i, this.text.length));
      this.pos = Math.min(i, this.text.length);
    }
    if (pattern === '') throw bad(`expected a regular expression after ${operator} at position ${start}`);
    checkRegex(pattern, start);
    return { type: 'regex', pattern };
  }
}

/** The index just after the bracket expression opened at text[i] === '['. */
function skipBracket(text: string, i: number): number {
  let j = i + 1;
  if (text[j] === '^') j++;
  if (text[j] === ']') j++;
  for (; j < text.length; j++) {
    const c = text[j];
    if (c === '[' && ':.='.includes(text[j + 1] ?? 'x')) {
      const close = text.indexOf(`${text[j + 1]}]`, j + 2);
      if (close < 0) return text.length;
      j = close + 1;
    } else if (c === ']') {
      return j + 1;
    }
  }
  return text.length;
}

/**
 * A cheap validity check, so that most bad patterns get a 400 naming the position here. The
 * dialect is PostgreSQL's (ARE): embedded options and comments are removed first, and the rest is
 * checked with JavaScript's (close enough) syntax. A pattern that passes here but that PostgreSQL
 * still refuses fails in SQL with SQLSTATE 2201B, which qSqlErrorToNgsi() (q-sql.ts) maps to
 * BadRequestData.
 */
function checkRegex(pattern: string, position: number): void {
  if (pattern.includes('\u0000')) throw bad(`the regular expression at position ${position} contains a NUL character`);
  if (pattern.startsWith('***=')) return; // literal
  const body = pattern
    .replace(/^\*\*\*:/, '')
    .replace(/^\(\?[bceimnpqstwx]+\)/, '')
    .replace(/\(\?#[^)]*\)/g, '');
  try {
    new RegExp(body);
  } catch (error) {
    const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw bad(`invalid regular expression ${show(pattern)} at position ${position}: ${reason}`);
  }
}

function isComparable(s: QScalar): boolean {
  return s.type === 'number' || s.type === 'string' || s.type === 'dateTime' || s.type === 'date' || s.type === 'time';
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

function validTime(h: number, min: number, s: number): boolean {
  return h <= 23 && min <= 59 && s <= 59;
}

/** Classifies an unquoted token, or undefined if it is no valid value. */
function classify(token: string): QScalar | undefined {
  if (token === 'true' || token === 'false') return { type: 'boolean', value: token === 'true' };
  if (NUMBER.test(token)) {
    const value = Number(token);
    return Number.isFinite(value) ? { type: 'number', value, text: token } : undefined;
  }
  let m = DATE_TIME.exec(token);
  if (m) {
    const [, y, mo, d, h, mi, s] = m;
    if (!validDate(+y!, +mo!, +d!) || !validTime(+h!, +mi!, +(s ?? 0))) return undefined;
    const zone = m[8];
    if (zone && zone !== 'Z') {
      const zh = +zone.slice(1, 3);
      const zm = +(zone.slice(3).replace(':', '') || 0);
      if (zh > 23 || zm > 59) return undefined;
    }
    return { type: 'dateTime', value: token };
  }
  m = DATE.exec(token);
  if (m) return validDate(+m[1]!, +m[2]!, +m[3]!) ? { type: 'date', value: token } : undefined;
  m = TIME.exec(token);
  if (m) return validTime(+m[1]!, +m[2]!, +(m[3] ?? 0)) ? { type: 'time', value: token } : undefined;
  if (/^[-+\d]/.test(token)) return undefined;
  if (!LETTER.test(String.fromCodePoint(token.codePointAt(0)!))) return undefined;
  if (/[\u0000-\u001f\u007f]/.test(token)) return undefined;
  return { type: 'uri', value: token };
}

function flatten(kind: 'and' | 'or', operands: QExpression[]): QExpression[] {
  return operands.flatMap((o) => (o.kind === kind ? (o as QLogical).operands : [o]));
}

/** Parses a q expression (already URL-decoded). Throws NgsiError BadRequestData with the position. */
export function parseQ(text: string): QExpression {
  if (text.length > Q_LIMITS.maxLength) {
    throw new NgsiError('TooComplexQuery', `q: longer than ${Q_LIMITS.maxLength} characters`);
  }
  return new QParser(text).parse();
}

/** An attribute path as q writes one (`name`, `name.observedAt`, `address[city]`), for `where`. */
export function parseAttributePath(text: string, where: string): QAttributePath {
  if (text.includes('{')) throw new NgsiError('BadRequestData', `${where}: linked entity paths (relationship{attribute}) cannot be used here, in "${text}"`);
  try {
    return new QParser(text).path();
  } catch (error) {
    if (error instanceof NgsiError) throw new NgsiError('BadRequestData', `${where}: ${error.message.replace(/^q: /, '')} in "${text}"`);
    throw error;
  }
}

/** Every term of the expression, left to right. */
export function qTerms(ast: QExpression): QTerm[] {
  return ast.kind === 'term' ? [ast] : ast.operands.flatMap(qTerms);
}

/**
 * The (short, as written) names of the top-level attributes a q refers to, without duplicates,
 * in order of appearance. `temperature.observedAt>0;address[city]=="x"` → temperature, address.
 */
export function qAttributes(ast: QExpression): string[] {
  return [...new Set(qTerms(ast).map((t) => t.path.names[0]!))];
}

function formatScalar(s: QScalar): string {
  switch (s.type) {
    case 'number': return s.text;
    case 'string': return JSON.stringify(s.value);
    case 'boolean': return String(s.value);
    default: return s.value;
  }
}

function formatValue(v: QValue): string {
  switch (v.type) {
    case 'range': return `${formatScalar(v.min)}..${formatScalar(v.max)}`;
    case 'list': return v.values.map(formatScalar).join(',');
    case 'regex': return JSON.stringify(v.pattern);
    default: return formatScalar(v);
  }
}

/** The path as q text: `a.b[c.d]`, `rel{Type:a.b}`. */
export function formatQPath(path: QAttributePath): string {
  if (path.link) return `${path.names[0]}{${path.link.types ? `${path.link.types.join(',')}:` : ''}${formatQPath(path.link.path)}}`;
  return path.names.join('.') + (path.members ? `[${path.members.join('.')}]` : '');
}

/** Whether any term follows a Relationship to linked entities (`rel{…}`). */
export function qHasLinks(ast: QExpression): boolean {
  return ast.kind === 'term' ? ast.path.link !== undefined : ast.operands.some(qHasLinks);
}

/**
 * A canonical q text for the expression (fully parenthesised below the top level), which parses
 * back to the same AST: `a|b;c` → `a|(b;c)`.
 */
export function formatQ(ast: QExpression, nested = false): string {
  if (ast.kind === 'term') {
    return formatQPath(ast.path) + (ast.operator && ast.value ? ast.operator + formatValue(ast.value) : '');
  }
  const text = ast.operands.map((o) => formatQ(o, true)).join(ast.kind === 'and' ? ';' : '|');
  return nested ? `(${text})` : text;
}

/**
 * `expandValues` and `jsonKeys` (clause 4.9; query parameters, Query and Subscription members):
 * comma-separated attribute names. The result is the attributes whose string values q compares
 * after expanding them with the requester's @context. JSON values are never expanded here, so
 * `jsonKeys` only takes its attributes out of `expandValues`.
 */
export function valueExpansion(expandValues: string | undefined, jsonKeys: string | undefined): string[] | undefined {
  const expand = attributeNameList(expandValues, 'expandValues');
  const json = new Set(attributeNameList(jsonKeys, 'jsonKeys'));
  return expand?.filter((n) => !json.has(n));
}

/** A comma-separated list of attribute names, each checked (BadRequestData naming `member`). */
export function attributeNameList(value: string | undefined, member: string): string[] | undefined {
  return value?.split(',').map((n) => {
    const name = n.trim();
    assertName(name, member);
    return name;
  });
}
