// Term maps: a processed @context flattened into plain Maps, so that expanding an attribute or type
// name and compacting it back is a Map lookup (plus, for undefined terms, one string concatenation)
// and never runs a JSON-LD algorithm per request. jsonld.js processes each context once (see
// resolver.ts); this file reads its result.
//
// Precedence (clauses 4.4, 5.5.7): the core @context is treated as if it were last and protected,
// so a core term always wins over a user term of the same name, wherever the user put the core
// context. The core's "@vocab" is a fallback (clause 4.4: "in case there is no other possible
// expansion"), so a user @vocab, when given, is used for undefined terms instead.
import type { JsonLdActiveContext } from 'jsonld';

export interface TermDefinition {
  /** The expanded IRI (or a keyword such as "@id" for aliases). */
  iri: string;
  /** "@id", "@vocab", "@json" or a datatype IRI, when the definition has a type mapping. */
  type?: string | undefined;
  container?: readonly string[] | undefined;
  /** Usable as the prefix of a compact IRI ("schema:name"). */
  prefix: boolean;
}

export interface TermMap {
  terms: ReadonlyMap<string, TermDefinition>;
  /** The context's @vocab, or null when it has none. */
  vocab: string | null;
}

/** Reads jsonld.js's active context into a TermMap. Reverse and null-mapped terms are left out. */
export function termMapFromActiveContext(active: JsonLdActiveContext): TermMap {
  const terms = new Map<string, TermDefinition>();
  for (const [term, mapping] of active.mappings) {
    if (!mapping || mapping.reverse || typeof mapping['@id'] !== 'string') continue;
    terms.set(term, {
      iri: mapping['@id'],
      type: mapping['@type'],
      container: mapping['@container'],
      prefix: mapping._prefix === true,
    });
  }
  return { terms, vocab: typeof active['@vocab'] === 'string' ? active['@vocab'] : null };
}

const MEMO_LIMIT = 10_000;

function memo(cache: Map<string, string>, key: string, value: string): string {
  if (cache.size >= MEMO_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * The combined view of a user @context and the core @context used per request. Build it once per
 * context (resolver.ts caches it); all methods are lookups.
 */
export class CombinedTermMap {
  private readonly terms: Map<string, TermDefinition>;
  private readonly reverse = new Map<string, string>();
  private readonly prefixes: Array<[term: string, iri: string]> = [];
  readonly vocab: string;
  private readonly expandMemo = new Map<string, string>();
  private readonly compactMemo = new Map<string, string>();

  constructor(core: TermMap, user: TermMap | undefined, defaultVocab: string) {
    // Core terms are set last so they overwrite user terms of the same name.
    this.terms = new Map(user?.terms ?? []);
    for (const [term, definition] of core.terms) this.terms.set(term, definition);
    this.vocab = user?.vocab ?? core.vocab ?? defaultVocab;

    // IRI → term: core terms first, then user terms; within each, shortest then least term (as in
    // JSON-LD's inverse context), and the first one for an IRI stays.
    const order = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
    const coreTerms = [...core.terms.keys()].sort(order);
    const userTerms = [...(user?.terms.keys() ?? [])].filter((t) => !core.terms.has(t)).sort(order);
    for (const term of [...coreTerms, ...userTerms]) {
      const definition = this.terms.get(term)!;
      if (!this.reverse.has(definition.iri)) this.reverse.set(definition.iri, term);
      if (definition.prefix) this.prefixes.push([term, definition.iri]);
    }
  }

  /** The definition of a term, if the context defines it. */
  definition(term: string): TermDefinition | undefined {
    return this.terms.get(term);
  }

  /**
   * A term (attribute name, entity type, VocabProperty value) to its IRI, as JSON-LD's vocab-relative
   * IRI expansion does: a defined term; else "prefix:suffix" with a defined prefix; else an absolute
   * IRI as is; else @vocab + term.
   */
  expandTerm(term: string): string {
    const defined = this.terms.get(term);
    if (defined) return defined.iri;
    const memoised = this.expandMemo.get(term);
    if (memoised !== undefined) return memoised;
    return memo(this.expandMemo, term, this.expandUndefined(term));
  }

  private expandUndefined(term: string): string {
    if (term.startsWith('@')) return term;
    const colon = term.indexOf(':');
    if (colon > 0) {
      const prefix = term.slice(0, colon);
      const suffix = term.slice(colon + 1);
      if (prefix === '_' || suffix.startsWith('//')) return term; // blank node or absolute IRI
      const definition = this.terms.get(prefix);
      if (definition?.prefix) return definition.iri + suffix;
      return term; // an absolute IRI such as urn:… or https:…
    }
    return this.vocab + term;
  }

  /**
   * An IRI back to the shortest name that expands to it again: a term; else relative to @vocab;
   * else a compact IRI with a prefix; else the IRI itself (clause 5.5.7: Fully Qualified Names).
   */
  compactIri(iri: string): string {
    const term = this.reverse.get(iri);
    if (term !== undefined) return term;
    const memoised = this.compactMemo.get(iri);
    if (memoised !== undefined) return memoised;
    return memo(this.compactMemo, iri, this.compactUndefined(iri));
  }

  private compactUndefined(iri: string): string {
    if (iri.length > this.vocab.length && iri.startsWith(this.vocab)) {
      const suffix = iri.slice(this.vocab.length);
      if (!this.terms.has(suffix) && !suffix.includes(':')) return suffix;
    }
    let best: string | undefined;
    for (const [prefix, prefixIri] of this.prefixes) {
      if (iri.length <= prefixIri.length || !iri.startsWith(prefixIri)) continue;
      const suffix = iri.slice(prefixIri.length);
      if (suffix.startsWith('//')) continue;
      const candidate = `${prefix}:${suffix}`;
      const clash = this.terms.get(candidate);
      if (clash && clash.iri !== iri) continue;
      if (best === undefined || candidate.length < best.length || (candidate.length === best.length && candidate < best)) {
        best = candidate;
      }
    }
    return best ?? iri;
  }

  /** A value of `term`: expanded like a term when the term's type is @vocab, else unchanged. */
  expandValue(term: string, value: string): string {
    return this.terms.get(term)?.type === '@vocab' ? this.expandTerm(value) : value;
  }

  /** The inverse of expandValue. */
  compactValue(term: string, value: string): string {
    return this.terms.get(term)?.type === '@vocab' ? this.compactIri(value) : value;
  }
}
