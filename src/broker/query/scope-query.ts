// The NGSI-LD Scope Query Language (ETSI GS CIM 009 v1.9.1, clause 4.19): the `scopeQ`
// parameter, parsed and compiled to SQL over the `scopes text[]` column (null when none).
//
//   ScopesQ  = OrScopeQ *(orOp OrScopeQ) / "/#"
//   OrScopeQ = "(" ScopeQ *(";" ScopeQ) ")" / ScopeQ ["/#"]
//   ScopeQ   = "/" ScopeQLevel *("/" ScopeQLevel)          ScopeQLevel = name / "+"
//   orOp     = "|" / ","
//
// A scope pattern matches an entity when one of the entity's scopes matches it: levels compare
// literally, "+" matches exactly one level, a trailing "/#" matches the scope itself and every
// scope below it, and "/#" alone matches any entity that has a scope. A conjunction
// (/A;/B) needs every pattern matched (by the same or different scopes of the entity).
// Leniencies: "/#" may also appear as one alternative or inside a conjunction, and level names
// may hold any character an entity scope may hold (entity-input.ts: anything but / # + and
// whitespace), minus the query's own punctuation ; | , ( ).
import { sql, type RawBuilder } from 'kysely';
import { NgsiError } from '../errors.ts';

export interface ScopePattern {
  /** Levels, '+' for the single-level wildcard; empty with descendants = "/#" (any scope). */
  levels: string[];
  /** Ends in "/#": the scope and all scopes below it. */
  descendants: boolean;
}

/** A disjunction of conjunctions of scope patterns. */
export interface ScopeQuery {
  anyOf: ScopePattern[][];
}

export const SCOPE_Q_LIMITS = { maxLength: 4096, maxPatterns: 100 } as const;

function bad(detail: string): NgsiError {
  return new NgsiError('BadRequestData', `scopeQ: ${detail}`);
}

class ScopeParser {
  private pos = 0;
  private patterns = 0;

  constructor(private readonly text: string) {}

  private peek(): string {
    return this.text[this.pos] ?? '';
  }

  private found(): string {
    return this.pos >= this.text.length ? 'the end of the query' : JSON.stringify(this.peek());
  }

  parse(): ScopeQuery {
    if (this.text.trim() === '') throw bad('the query is empty');
    const anyOf: ScopePattern[][] = [this.alternative()];
    while (this.peek() === '|' || this.peek() === ',') {
      this.pos++;
      anyOf.push(this.alternative());
    }
    if (this.pos < this.text.length) {
      throw bad(`expected "|" or "," (or) or the end of the query at position ${this.pos}, found ${this.found()}`);
    }
    return { anyOf };
  }

  private alternative(): ScopePattern[] {
    if (this.peek() !== '(') return [this.pattern()];
    const open = this.pos;
    this.pos++;
    const all = [this.pattern()];
    while (this.peek() === ';') {
      this.pos++;
      all.push(this.pattern());
    }
    if (this.peek() !== ')') {
      throw bad(`expected ";" or ")" to close the "(" at position ${open}, found ${this.found()} at position ${this.pos}`);
    }
    this.pos++;
    return all;
  }

  private pattern(): ScopePattern {
    if (++this.patterns > SCOPE_Q_LIMITS.maxPatterns) {
      throw new NgsiError('TooComplexQuery', `scopeQ: more than ${SCOPE_Q_LIMITS.maxPatterns} scopes`);
    }
    if (this.peek() !== '/') throw bad(`expected a scope starting with "/" at position ${this.pos}, found ${this.found()}`);
    const levels: string[] = [];
    while (this.peek() === '/') {
      this.pos++;
      if (this.peek() === '#') {
        this.pos++;
        if (this.peek() !== '' && !';|,)'.includes(this.peek())) {
          throw bad(`"#" must end the scope (position ${this.pos - 1})`);
        }
        return { levels, descendants: true };
      }
      if (this.peek() === '+') {
        this.pos++;
        if (this.peek() !== '' && !'/;|,)'.includes(this.peek())) {
          throw bad(`"+" must be a whole level (position ${this.pos - 1})`);
        }
        levels.push('+');
        continue;
      }
      const start = this.pos;
      while (this.pos < this.text.length && !/[/#+\s;|,()]/.test(this.peek())) this.pos++;
      if (this.pos === start) throw bad(`expected a scope level, "+" or "#" at position ${start}, found ${this.found()}`);
      levels.push(this.text.slice(start, this.pos));
    }
    if (this.pos < this.text.length && !';|,)'.includes(this.peek())) {
      throw bad(`unexpected ${this.found()} at position ${this.pos}`);
    }
    return { levels, descendants: false };
  }
}

/** Parses a scopeQ. Throws NgsiError BadRequestData naming the problem and its (0-based) position. */
export function parseScopeQuery(text: string): ScopeQuery {
  if (text.length > SCOPE_Q_LIMITS.maxLength) {
    throw new NgsiError('TooComplexQuery', `scopeQ: longer than ${SCOPE_Q_LIMITS.maxLength} characters`);
  }
  return new ScopeParser(text).parse();
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** An anchored regular expression (valid for PostgreSQL and JavaScript) for one pattern. */
export function scopePatternRegex(pattern: ScopePattern): string {
  if (pattern.levels.length === 0) return '^/';
  const body = pattern.levels.map((l) => (l === '+' ? '/[^/]+' : `/${escapeRegex(l)}`)).join('');
  return `^${body}${pattern.descendants ? '(/.*)?' : ''}$`;
}

function isExact(pattern: ScopePattern): boolean {
  return !pattern.descendants && !pattern.levels.includes('+');
}

/** A boolean SQL condition over the scopes column (null, i.e. no scope, never matches). */
export function compileScopeQuery(query: ScopeQuery, scopes: RawBuilder<unknown> | string = 'e.scopes'): RawBuilder<boolean> {
  const column = typeof scopes === 'string' ? sql.ref(scopes) : scopes;
  const one = (p: ScopePattern): RawBuilder<boolean> => {
    if (p.levels.length === 0) return sql<boolean>`coalesce(cardinality(${column}) > 0, false)`;
    if (isExact(p)) return sql<boolean>`coalesce(${column} @> array[${`/${p.levels.join('/')}`}]::text[], false)`;
    return sql<boolean>`exists (select 1 from unnest(${column}) as s(scope) where s.scope ~ ${scopePatternRegex(p)})`;
  };
  const alternatives = query.anyOf.map((all) => sql<boolean>`(${sql.join(all.map(one), sql` and `)})`);
  return sql<boolean>`(${sql.join(alternatives, sql` or `)})`;
}

/** The same test in memory (subscriptions, notifications). */
export function matchesScopeQuery(query: ScopeQuery, scopes: readonly string[] | null | undefined): boolean {
  const list = scopes ?? [];
  return query.anyOf.some((all) => all.every((p) => {
    const re = new RegExp(scopePatternRegex(p), 'u');
    return list.some((s) => re.test(s));
  }));
}

/** Short aliases. */
export const parseScopeQ = parseScopeQuery;
export const compileScopeQ = compileScopeQuery;
