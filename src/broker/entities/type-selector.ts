// The entity type selection language of `type` (clause 4.17): names joined by `,` or `|` (or),
// `;` (and), with parentheses. "A,B" selects entities of type A or B; "(A;B)|C" those that
// have both A and B, or C. Compiled to array operators on broker_entities.types.
import { sql, type RawBuilder } from 'kysely';
import { NgsiError } from '../errors.ts';
import { assertName } from './entity-input.ts';

export type TypeSelector = { kind: 'type'; name: string } | { kind: 'and' | 'or'; items: TypeSelector[] };

export function parseTypeSelector(text: string): TypeSelector {
  let position = 0;
  const peek = () => text[position];
  const fail = (message: string): never => {
    throw new NgsiError('BadRequestData', `type: ${message} at position ${position + 1} of "${text}"`);
  };
  const parseOr = (): TypeSelector => {
    const items = [parseAnd()];
    while (peek() === ',' || peek() === '|') {
      position++;
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  };
  const parseAnd = (): TypeSelector => {
    const items = [parseTerm()];
    while (peek() === ';') {
      position++;
      items.push(parseTerm());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };
  const parseTerm = (): TypeSelector => {
    if (peek() === '(') {
      position++;
      const inner = parseOr();
      if (peek() !== ')') fail('expected ")"');
      position++;
      return inner;
    }
    const start = position;
    while (position < text.length && !',|;()'.includes(text[position]!)) position++;
    const name = text.slice(start, position).trim();
    if (name === '') fail('expected an entity type name');
    assertName(name, 'type');
    return { kind: 'type', name };
  };
  const selector = parseOr();
  if (position < text.length) fail(`unexpected "${peek()}"`);
  return selector;
}

export function expandTypeSelector(selector: TypeSelector, expand: (term: string) => string): TypeSelector {
  if (selector.kind === 'type') return { kind: 'type', name: expand(selector.name) };
  return { kind: selector.kind, items: selector.items.map((s) => expandTypeSelector(s, expand)) };
}

/** A query's `type` parameter, expanded; none, and "*" (every type, Table 6.18.3.2-1), select every type. */
export function queryTypes(type: string | undefined, expand: (term: string) => string): TypeSelector | undefined {
  return type && type !== '*' ? expandTypeSelector(parseTypeSelector(type), expand) : undefined;
}

/** SQL over `types text[]`; an or-list of plain names becomes one overlap test (GIN-indexed). */
export function typeSelectorSql(selector: TypeSelector, column: RawBuilder<unknown> = sql.ref('e.types')): RawBuilder<boolean> {
  if (selector.kind === 'type') return sql<boolean>`${column} @> ${sql.val([selector.name])}::text[]`;
  if (selector.kind === 'or' && selector.items.every((s) => s.kind === 'type')) {
    return sql<boolean>`${column} && ${sql.val(selector.items.map((s) => (s as { name: string }).name))}::text[]`;
  }
  if (selector.kind === 'and' && selector.items.every((s) => s.kind === 'type')) {
    return sql<boolean>`${column} @> ${sql.val(selector.items.map((s) => (s as { name: string }).name))}::text[]`;
  }
  const parts = selector.items.map((s) => typeSelectorSql(s, column));
  return sql<boolean>`(${sql.join(parts, selector.kind === 'and' ? sql` and ` : sql` or `)})`;
}

/** Plain type names in a selector (for discovery and subscriptions). */
export function typeNames(selector: TypeSelector): string[] {
  return selector.kind === 'type' ? [selector.name] : selector.items.flatMap(typeNames);
}

/** In-memory test, for subscriptions matching a changed entity. */
export function typesMatch(selector: TypeSelector, types: string[]): boolean {
  if (selector.kind === 'type') return types.includes(selector.name);
  return selector.kind === 'and' ? selector.items.every((s) => typesMatch(s, types)) : selector.items.some((s) => typesMatch(s, types));
}
