// An index-friendly companion to compileQ (q-sql.ts): for the equality terms of a q, conditions
// that the GIN index on broker_entities.attrs (jsonb_path_ops) can answer, ANDed with the exact
// jsonb_path_exists predicate. jsonb_path_exists itself can use no index, so without them a
// selective q (name=="sensor 4242") reads every entity of the tenant.
//
// Each condition is `attrs @? '<jsonpath>'` with the values written into the path as literals
// (the @? operator takes no variables; the path is still a bind parameter, and strings are
// escaped jsonpath literals, as q-sql.ts writes names). It must be implied by the exact
// predicate, never drop a true match, so it looks in every place q-sql.ts looks for an equality
// target value, with the same lax-mode reading (a value inside an array, or inside an array
// inside an array, matches):
//   $."<attribute IRI>"[*] ? (@.value[*] == v || @.object[*] == v || @.objectList[*] == v
//     || @.json[*] == v || @.valueList[*] == v || @.vocab[*] == <v expanded>
//     || @.type == "LanguageProperty")
// languageMap.* cannot be indexed ("any language"), so every LanguageProperty instance of the
// attribute stays a candidate: languageMap only ever appears on LanguageProperty instances
// (entity-input.ts and entity-changes.ts keep type and main member together).
//
// Only plain equality on a top-level attribute gets a condition (==, and lists of values): no
// dotted sub-attributes, core members ([…] paths, observedAt, …), dates or regular expressions;
// `!=` and the others are left to the exact predicate. In `a;b` every side with a condition
// narrows; in `a|b` both sides need one.
import { sql, type RawBuilder } from 'kysely';
import type { QExpression, QScalar, QTerm } from './q-language.ts';
import { jsonPathString } from './q-sql.ts';

export interface QIndexOptions {
  /** The jsonb attrs column, e.g. 'e.attrs'. */
  attrs: string;
  expand: (term: string) => string;
  /** expandValues (clause 4.9), as compileQ takes it: attributes whose string values are expanded. */
  expandValues?: readonly string[] | undefined;
}

/** RFC 8259 numbers, which are also jsonpath numeric literals; others are not written into a path. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const MEMBERS = ['value', 'object', 'objectList', 'json', 'valueList'] as const;

/** A condition implied by the q that the attrs GIN index answers, or undefined when there is none. */
export function qIndexCondition(ast: QExpression, options: QIndexOptions): RawBuilder<boolean> | undefined {
  if (ast.kind === 'term') {
    const path = termPath(ast, options);
    return path === undefined ? undefined : sql<boolean>`${sql.ref(options.attrs)} @? ${path}::jsonpath`;
  }
  const parts = ast.operands.map((o) => qIndexCondition(o, options));
  const present = parts.filter((p) => p !== undefined);
  if (ast.kind === 'or' ? present.length < parts.length : present.length === 0) return undefined;
  return sql<boolean>`(${sql.join(present, ast.kind === 'and' ? sql` and ` : sql` or `)})`;
}

function termPath(term: QTerm, options: QIndexOptions): string | undefined {
  // A linked term (rel{attr}==v) compares the linked entity's attribute, not rel's objects.
  if (term.operator !== '==' || !term.value || term.path.names.length !== 1 || term.path.members || term.path.link) return undefined;
  const value = term.value;
  const scalars = value.type === 'list' ? value.values : value.type === 'range' || value.type === 'regex' ? [] : [value];
  const name = term.path.names[0]!;
  const expandAll = options.expandValues?.includes(name) ?? false;
  const tests: string[] = [];
  for (const scalar of scalars) {
    const plain = literal(scalar, expandAll ? options.expand : undefined);
    const expanded = literal(scalar, options.expand);
    if (plain === undefined || expanded === undefined) return undefined;
    for (const member of MEMBERS) tests.push(`@.${member}[*] == ${plain}`);
    tests.push(`@.vocab[*] == ${expanded}`);
  }
  if (tests.length === 0) return undefined;
  tests.push('@.type == "LanguageProperty"');
  return `$.${jsonPathString(options.expand(name))}[*] ? (${tests.join(' || ')})`;
}

/** The scalar as a jsonpath literal (strings optionally expanded), or undefined if it has none. */
function literal(scalar: QScalar, expand: ((term: string) => string) | undefined): string | undefined {
  switch (scalar.type) {
    case 'number':
      return JSON_NUMBER.test(scalar.text) ? scalar.text : undefined;
    case 'boolean':
      return String(scalar.value);
    case 'string':
    case 'uri':
      return jsonPathString(expand ? expand(scalar.value) : scalar.value);
    default:
      return undefined;
  }
}
