// An index-friendly companion to compileQ (q-sql.ts): for the equality terms of a q, a condition
// that the GIN index on broker_entities.attrs (jsonb_path_ops) can answer, ANDed with the exact
// jsonb_path_exists predicate. jsonb_path_exists itself can use no index, so without this a
// selective q (name=="sensor 4242") reads every entity of the tenant; with it, the planner
// fetches the few candidates from the index and the exact predicate rechecks them.
//
// The condition must be implied by the exact one (never drop a true match), so it covers every
// place q-sql.ts looks for an equality target value, as jsonb containment (@>) of the instance
// array under the attribute's IRI:
//   value, object, objectList, json, valueList, vocab: the scalar itself, or inside an array, or
//     inside an array inside an array (jsonpath's lax mode unwraps one array level when it reads
//     the member and one more when it compares, so [[x]] can match x);
//   languageMap.*: containment cannot name "any language", so every LanguageProperty instance of
//     the attribute stays a candidate (languageMap only ever appears on LanguageProperty
//     instances: entity-input.ts and entity-changes.ts keep type and main member together).
// vocab compares with the value expanded by the @context, as q-sql.ts does.
//
// Only plain equality on a top-level attribute gets a condition (==, and lists of values): no
// dotted sub-attributes, core members ([…] paths, observedAt, …), dates or regular expressions;
// `!=` and the others are left to the exact predicate. In `a;b` each side with a condition
// narrows; in `a|b` both sides need one.
import { sql, type RawBuilder } from 'kysely';
import type { QExpression, QScalar, QTerm } from './q-language.ts';

export interface QIndexOptions {
  /** The jsonb attrs column, e.g. 'e.attrs'. */
  attrs: string;
  expand: (term: string) => string;
  /** expandValues (clause 4.9): attributes whose string values are expanded before comparing. */
  expandValues?: readonly string[] | undefined;
}

const MEMBERS = ['value', 'object', 'objectList', 'json', 'valueList'] as const;

/** A condition implied by the q that the attrs GIN index answers, or undefined when there is none. */
export function qIndexCondition(ast: QExpression, options: QIndexOptions): RawBuilder<boolean> | undefined {
  const documents = containments(ast, options);
  if (!documents) return undefined;
  const attrs = sql.ref(options.attrs);
  return sql<boolean>`(${sql.join(documents.map((d) => sql`${attrs} @> ${d}::jsonb`), sql` or `)})`;
}

/** In disjunctive form: the entity matches only if it contains one of these documents. */
function containments(ast: QExpression, options: QIndexOptions): string[] | undefined {
  if (ast.kind === 'term') return termContainments(ast, options);
  const parts = ast.operands.map((o) => containments(o, options));
  if (ast.kind === 'or') return parts.every((p) => p !== undefined) ? parts.flat() : undefined;
  // and: any one side that has a condition is enough; the most selective is unknown here, so
  // take the one with the fewest alternatives.
  return parts.filter((p) => p !== undefined).sort((a, b) => a.length - b.length)[0];
}

function termContainments(term: QTerm, options: QIndexOptions): string[] | undefined {
  if (term.operator !== '==' || !term.value || term.path.names.length !== 1 || term.path.members) return undefined;
  const scalars = term.value.type === 'list' ? term.value.values : term.value.type === 'range' || term.value.type === 'regex' ? undefined : [term.value];
  if (!scalars?.every((s) => s.type === 'string' || s.type === 'uri' || s.type === 'number' || s.type === 'boolean')) return undefined;
  const name = term.path.names[0]!;
  const iri = JSON.stringify(options.expand(name));
  const expandAll = options.expandValues?.includes(name) ?? false;
  const instance = (body: string) => `{${iri}:[${body}]}`;
  const out = [instance('{"type":"LanguageProperty"}')];
  for (const scalar of scalars) {
    const plain = json(scalar, expandAll ? options.expand : undefined);
    const expanded = json(scalar, options.expand);
    for (const [member, value] of [...MEMBERS.map((m) => [m, plain] as const), ['vocab', expanded] as const]) {
      for (const wrapped of [value, `[${value}]`, `[[${value}]]`]) out.push(instance(`{"${member}":${wrapped}}`));
    }
  }
  return [...new Set(out)];
}

/** The scalar as JSON text (numbers exactly as written), strings optionally expanded. */
function json(scalar: QScalar, expand: ((term: string) => string) | undefined): string {
  if (scalar.type === 'number') return scalar.text;
  if (scalar.type === 'boolean') return String(scalar.value);
  const text = scalar.value as string;
  return JSON.stringify(expand ? expand(text) : text);
}
