// How the broker keeps an entity in the database (table broker_entities). Names are stored
// expanded (full IRIs) so that two clients with different @contexts see the same data, and so
// compaction on read needs only a term-map lookup. Attribute values are kept verbatim (the keys
// inside a compound Property value are not expanded: see docs/broker.md).
//
//   broker_entities(tenant text, id text, types text[], scopes text[] | null,
//                   attrs jsonb, created_at timestamptz, modified_at timestamptz)
//
// `attrs` maps an expanded attribute IRI to the list of its instances (more than one only for
// multi-attributes, each with its own datasetId; at most one instance has no datasetId).

export type AttributeKind =
  | 'Property'
  | 'Relationship'
  | 'GeoProperty'
  | 'LanguageProperty'
  | 'VocabProperty'
  | 'JsonProperty'
  | 'ListProperty'
  | 'ListRelationship';

export interface StoredAttribute {
  type: AttributeKind;
  /** Property, GeoProperty (a GeoJSON geometry object). */
  value?: unknown;
  /** Relationship: the target entity id (a URI). */
  object?: string | string[];
  /** LanguageProperty: language tag → string. */
  languageMap?: Record<string, string | string[]>;
  /** VocabProperty: expanded IRI(s). */
  vocab?: string | string[];
  /** JsonProperty: any JSON, never expanded. */
  json?: unknown;
  /** ListProperty / ListRelationship. */
  valueList?: unknown[];
  objectList?: string[];
  /** Relationship: the expanded type of the target. */
  objectType?: string;
  datasetId?: string;
  observedAt?: string;
  unitCode?: string;
  createdAt: string;
  modifiedAt: string;
  /** Sub-attributes (properties of this attribute), by expanded IRI; one instance each. */
  sub?: Record<string, StoredAttribute>;
}

export type StoredAttributes = Record<string, StoredAttribute[]>;

export interface StoredEntity {
  tenant: string;
  id: string;
  /** Expanded type IRIs (an entity may have several). */
  types: string[];
  /** Scopes such as "/Madrid/Gardens" (clause 4.18); null when none. */
  scopes: string[] | null;
  attrs: StoredAttributes;
  createdAt: string;
  modifiedAt: string;
}
