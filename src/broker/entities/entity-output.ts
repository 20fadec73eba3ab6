// Renders stored entities for a requester (clause 4.5): normalized, concise or simplified
// (keyValues) representation, names compacted with the requester's @context, attribute
// projection (attrs/pick/omit), system attributes on request, LanguageProperty resolved by
// `lang`, and GeoJSON (clause 4.5.16).
import type { TermMap } from './entity-input.ts';
import type { StoredAttribute, StoredEntity } from './stored-entity.ts';

export type Representation = 'normalized' | 'concise' | 'simplified';

export interface RenderOptions {
  terms: TermMap;
  representation: Representation;
  sysAttrs: boolean;
  /** Expanded attribute IRIs to keep (attrs/pick); undefined keeps all. */
  pick?: Set<string> | undefined;
  /** Expanded attribute IRIs to drop (omit). */
  omit?: Set<string> | undefined;
  /** The entity members kept by pick or omit; all when not given. */
  members?: { id: boolean; type: boolean; scope: boolean } | undefined;
  /** Language preference from `lang` (e.g. ["ja", "en"], or ["*"] for all). */
  lang?: string[] | undefined;
  /** `datasetId` (clause 4.5.5): only these instances ('' is the default one); an attribute left without any is not shown. */
  datasetIds?: string[] | undefined;
}

type Json = Record<string, unknown>;

export function renderEntity(entity: StoredEntity, options: RenderOptions): Json {
  const { terms } = options;
  const out: Json = {};
  const members = options.members ?? { id: true, type: true, scope: true };
  if (members.id) out.id = entity.id;
  const types = entity.types.map((t) => terms.compactIri(t));
  if (members.type) out.type = types.length === 1 ? types[0] : types;
  if (entity.scopes && members.scope) out.scope = entity.scopes.length === 1 ? entity.scopes[0] : entity.scopes;
  for (const [iri, instances] of Object.entries(entity.attrs)) {
    if (!attributeShown(iri, options)) continue;
    const name = terms.compactIri(iri);
    const selected = selectedInstances(instances, options);
    if (selected.length === 0) continue;
    const rendered = selected.map((instance) => renderInstance(instance, options));
    if (rendered.length === 1) out[name] = rendered[0];
    // A multi-attribute (clause 4.5.5): simplified, {"dataset": {datasetId or "@none": value}};
    // otherwise an array of its instances, where in concise the default one is normalized (with its
    // "type"), so that the array reads back as instances, not as one array value.
    else if (options.representation === 'simplified') out[name] = { dataset: Object.fromEntries(selected.map((i, k) => [i.datasetId ?? '@none', rendered[k]])) };
    else if (options.representation === 'concise') out[name] = selected.map((i, k) => (i.datasetId ? rendered[k] : renderInstance(i, { ...options, representation: 'normalized' })));
    else out[name] = rendered;
  }
  if (options.sysAttrs && options.representation !== 'simplified') {
    out.createdAt = entity.createdAt;
    out.modifiedAt = entity.modifiedAt;
  }
  return out;
}

/** Whether pick (or attrs) and omit let the attribute `iri` be shown. */
export function attributeShown(iri: string, options: Pick<RenderOptions, 'pick' | 'omit'>): boolean {
  return (!options.pick || options.pick.has(iri)) && !options.omit?.has(iri);
}

/** The instances of an attribute (stored, or deleted ones) that `datasetId` selects (all without it). */
export function selectedInstances<T extends { datasetId?: string | undefined }>(instances: T[], options: Pick<RenderOptions, 'datasetIds'>): T[] {
  return options.datasetIds ? instances.filter((i) => options.datasetIds!.includes(i.datasetId ?? '')) : instances;
}

export function renderInstance(instance: StoredAttribute, options: RenderOptions): unknown {
  const { terms } = options;
  const simplified = options.representation === 'simplified';
  const out: Json = {};
  // The main value, compacted where it holds IRIs.
  switch (instance.type) {
    case 'Property':
    case 'GeoProperty':
      if (simplified) return instance.value;
      out.value = instance.value;
      break;
    case 'Relationship':
      if (simplified) return instance.object;
      out.object = instance.object;
      if (instance.objectType) out.objectType = terms.compactIri(instance.objectType);
      break;
    case 'LanguageProperty': {
      const chosen = options.lang && !options.lang.includes('*') ? pickLanguage(instance.languageMap ?? {}, options.lang) : undefined;
      if (chosen) {
        // With `lang`, a LanguageProperty is shown as a Property in the chosen language.
        if (simplified) return chosen.text;
        out.type = 'Property';
        out.value = chosen.text;
        out.lang = chosen.tag;
      } else {
        if (simplified) return { languageMap: instance.languageMap };
        out.languageMap = instance.languageMap;
      }
      break;
    }
    case 'VocabProperty': {
      const vocab = Array.isArray(instance.vocab) ? instance.vocab.map((v) => terms.compactIri(v)) : terms.compactIri(instance.vocab ?? '');
      if (simplified) return { vocab };
      out.vocab = vocab;
      break;
    }
    case 'JsonProperty':
      if (simplified) return { json: instance.json };
      out.json = instance.json;
      break;
    case 'ListProperty':
      if (simplified) return instance.valueList;
      out.valueList = instance.valueList;
      break;
    case 'ListRelationship':
      if (simplified) return instance.objectList;
      out.objectList = instance.objectList;
      break;
  }
  if (options.representation === 'normalized' && out.type === undefined) out.type = instance.type;
  if (instance.datasetId) out.datasetId = instance.datasetId;
  if (instance.observedAt) out.observedAt = instance.observedAt;
  if (instance.unitCode) out.unitCode = instance.unitCode;
  for (const [iri, sub] of Object.entries(instance.sub ?? {})) {
    out[terms.compactIri(iri)] = renderInstance(sub, { ...options, pick: undefined, omit: undefined, members: undefined });
  }
  if (options.sysAttrs) {
    out.createdAt = instance.createdAt;
    out.modifiedAt = instance.modifiedAt;
  }
  if (options.representation === 'concise') {
    // Concise (clause 4.5.18): drop "type" where the members say it; a lone Property value or a
    // lone GeoProperty geometry stands for itself.
    const keys = Object.keys(out);
    if ((instance.type === 'Property' || instance.type === 'GeoProperty') && keys.length === 1 && keys[0] === 'value') {
      const value = out.value;
      // A bare JSON object would be read back as an attribute with members: keep {"value": …}.
      if (instance.type === 'GeoProperty' || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    }
  }
  return out;
}

/** The best language for a preference list; falls back to @none, then to any entry. */
function pickLanguage(map: Record<string, string | string[]>, preferences: string[]): { tag: string; text: string | string[] } | undefined {
  const tags = Object.keys(map);
  for (const preference of preferences) {
    const exact = tags.find((t) => t.toLowerCase() === preference.toLowerCase());
    if (exact) return { tag: exact, text: map[exact]! };
    const prefix = tags.find((t) => t.toLowerCase().split('-')[0] === preference.toLowerCase().split('-')[0]);
    if (prefix) return { tag: prefix, text: map[prefix]! };
  }
  if ('@none' in map) return { tag: '@none', text: map['@none']! };
  const first = tags[0];
  return first ? { tag: first, text: map[first]! } : undefined;
}

/** Parses `lang` (e.g. "ja,en;q=0.8", "*") into an ordered preference list. */
export function parseLang(value: string | undefined): string[] | undefined {
  if (value === undefined || value === '') return undefined;
  return value
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: (tag ?? '').trim(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((p) => p.tag !== '' && !Number.isNaN(p.q))
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((p) => p.tag);
}

/** GeoJSON Feature for one entity (clause 4.5.16): geometry from the chosen GeoProperty. */
export function renderFeature(entity: StoredEntity, options: RenderOptions, geometryIri: string, rendered: Json = renderEntity(entity, options)): Json {
  const { id, ...properties } = rendered;
  // The default instance, or with `datasetId` the first selected one (clause 5.2.29).
  const wanted = options.datasetIds ?? [''];
  const geo = entity.attrs[geometryIri]?.find((i) => i.type === 'GeoProperty' && wanted.includes(i.datasetId ?? '')) ?? (options.datasetIds ? undefined : entity.attrs[geometryIri]?.[0]);
  return { id, type: 'Feature', geometry: geo?.type === 'GeoProperty' ? geo.value ?? null : null, properties };
}
