// The candidates of a q from the value index (entities/entity-values.ts): a SELECT of entity ids
// that contains every entity the q matches, found by b-tree without reading entities. The exact
// predicate (q-sql.ts) still decides; this only narrows what it reads. So every lookup must be
// implied by the exact predicate, never drop a true match:
// - `==` with numbers and strings (a list: any of them): rows with that number, or with that
//   string's prefix or the prefix of the string expanded by the @context (vocab values are
//   compared expanded);
// - `>`, `>=`, `<`, `<=` and ranges, all numbers or all strings: rows in the range, strict bounds
//   read as non-strict (prefixes and float8 keep order but may tie); a string range with `==`
//   also in the range of the expanded bounds (vocab values again);
// - only for a plain top-level attribute: no dotted sub-attributes or members, no [..] paths,
//   no linked entities; booleans, dates, times, dateTimes, regular expressions and the negated
//   operators get no lookup (left to the exact predicate).
// In `a;b` one side with a lookup narrows (see qCandidateChoices); in `a|b` both sides need one.
import { sql, type RawBuilder } from 'kysely';
import { textPrefix, valueLookup } from '../entities/entity-values.ts';
import type { QExpression, QScalar, QTerm } from './q-language.ts';

export interface QCandidateOptions {
  /** The tenant whose entities are asked for. */
  tenant: string;
  expand: (term: string) => string;
  /** expandValues (clause 4.9), as compileQ takes it: attributes whose string values are expanded. */
  expandValues?: readonly string[] | undefined;
}

/** A SELECT of `entity_id` (possibly repeated) holding every match of the q, or undefined. */
export function qCandidates(ast: QExpression, options: QCandidateOptions): RawBuilder<unknown> | undefined {
  return qCandidateChoices(ast, options)[0];
}

/**
 * Every SELECT of `entity_id` that holds all matches of the q, best first: for `a;b` each side's
 * (equality terms first, as they are usually the narrower), for a term or `a|b` one. The query
 * takes the first that is short (entity-query.ts): the planner is not left to pick, since its
 * estimates for one attribute's values among all attributes' can be five times off, and a wrong
 * pick reads every row of a range (25,000 for pm25>150). The other sides are tested by the exact
 * predicate on the entity itself; testing them on the value rows (a lookup per candidate) read
 * more pages than the entities it spared.
 */
export function qCandidateChoices(ast: QExpression, options: QCandidateOptions): RawBuilder<unknown>[] {
  if (ast.kind === 'term') {
    const lookup = termLookup(ast, options);
    return lookup ? [sql.join(lookup.alternatives.map((alt) => sql`(${valueLookup(options.tenant, lookup.attr, alt)})`), sql` union all `)] : [];
  }
  if (ast.kind === 'or') {
    const parts = ast.operands.map((o) => qCandidates(o, options));
    if (parts.some((p) => p === undefined)) return [];
    return [sql.join(parts.map((p) => sql`(${p})`), sql` union all `)];
  }
  const isEquality = (o: QExpression) => o.kind === 'term' && o.operator === '==';
  const ordered = [...ast.operands.filter(isEquality), ...ast.operands.filter((o) => !isEquality(o))];
  return ordered.flatMap((o) => qCandidateChoices(o, options));
}

interface Lookup {
  /** The attribute's IRI. */
  attr: string;
  /** Conditions on a value row `v`, any of which it may meet (each one index range). */
  alternatives: RawBuilder<boolean>[];
}

function termLookup(term: QTerm, options: QCandidateOptions): Lookup | undefined {
  const { operator, value } = term;
  if (!operator || !value || term.path.names.length !== 1 || term.path.members || term.path.link) return undefined;
  const name = term.path.names[0]!;
  const expandAll = options.expandValues?.includes(name) ?? false;
  const attr = options.expand(name);
  const one = (condition: RawBuilder<boolean> | undefined) => (condition ? { attr, alternatives: [condition] } : undefined);
  if (value.type === 'regex') return undefined;
  if (operator === '==') {
    if (value.type === 'range') {
      const plain = range(value.min, value.max, expandAll);
      if (!plain || value.min.type === 'number') return one(plain);
      // A string range with == also compares vocab values, with the bounds expanded.
      const vocab = range(expandedScalar(value.min, options), expandedScalar(value.max, options), false);
      return vocab ? { attr, alternatives: [plain, vocab] } : undefined;
    }
    const numbers: number[] = [];
    const texts = new Set<string>();
    for (const scalar of value.type === 'list' ? value.values : [value]) {
      if (scalar.type === 'number') numbers.push(scalar.value);
      else if (scalar.type === 'string' || scalar.type === 'uri') {
        texts.add(textPrefix(expandAll ? options.expand(scalar.value) : scalar.value));
        texts.add(textPrefix(options.expand(scalar.value)));
      } else return undefined;
    }
    const alternatives: RawBuilder<boolean>[] = [];
    if (numbers.length) alternatives.push(sql<boolean>`v.num in (${sql.join(numbers.map((n) => sql`${n}::float8`))})`);
    if (texts.size) alternatives.push(sql<boolean>`v.txt in (${sql.join([...texts].map((t) => sql`${t}::text`))})`);
    return { attr, alternatives };
  }
  if (value.type === 'range' || value.type === 'list') return undefined;
  if (operator === '>' || operator === '>=') return one(range(value, undefined, expandAll));
  if (operator === '<' || operator === '<=') return one(range(undefined, value, expandAll));
  return undefined;
}

function expandedScalar(scalar: QScalar, options: QCandidateOptions): QScalar {
  return scalar.type === 'string' || scalar.type === 'uri' ? { ...scalar, value: options.expand(scalar.value) } : scalar;
}

/** Rows between min and max (either may be open), both numbers or both strings. */
function range(min: QScalar | undefined, max: QScalar | undefined, expandAll: boolean): RawBuilder<boolean> | undefined {
  const bounds = [min, max].filter((b) => b !== undefined);
  if (bounds.every((b) => b.type === 'number')) {
    return sql.join([
      ...(min?.type === 'number' ? [sql<boolean>`v.num >= ${min.value}::float8`] : []),
      ...(max?.type === 'number' ? [sql<boolean>`v.num <= ${max.value}::float8`] : []),
    ], sql` and `) as RawBuilder<boolean>;
  }
  // Strings the exact predicate would expand before comparing are left to it.
  if (expandAll || !bounds.every((b) => b.type === 'string' || b.type === 'uri')) return undefined;
  return sql.join([
    ...(min ? [sql<boolean>`v.txt >= ${textPrefix(min.value as string)}::text`] : []),
    ...(max ? [sql<boolean>`v.txt <= ${textPrefix(max.value as string)}::text`] : []),
  ], sql` and `) as RawBuilder<boolean>;
}
