// A form definition (申請様式) as staff build it and residents fill it: pages of fields, each
// field with a type, labels and help in Japanese and English, rules (required, length, pattern,
// ranges) and an optional condition (show it when an earlier field has a value). A field may
// name an entry of the common field dictionary (共通項目辞書), so a bulk application (一括申請)
// can ask 氏名 or 住所 once and fill every form that uses it (003B P3.1).
//
// Drafts are stored as sent; publishing checks the definition (definition-validator.ts), resolves
// the dictionary references into a self-contained snapshot (resolveDefinition) and freezes it as
// a version, so a later dictionary change never alters what a resident is filling in.
import type { Localized } from '../../platform/errors.ts';

export const FIELD_TYPES = ['text', 'kana', 'number', 'date', 'address', 'phone', 'email', 'select', 'radio', 'checkbox', 'file', 'group', 'declaration'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Show a field or page only when an earlier field has a value (one of `equals`, or any value). */
export interface Condition {
  field: string;
  /** One value or several (any matches); absent: shown when the field has any value. */
  equals?: string | string[];
}

export interface FieldOption {
  value: string;
  label: Localized;
  hint?: Localized;
}

export interface FormField {
  key: string;
  /** Absent when `dictionary` gives it. */
  type?: string;
  /** A key of the common field dictionary; its type, labels and rules apply unless set here. */
  dictionary?: string;
  label?: Localized;
  hint?: Localized;
  required?: boolean;
  /** Text-like fields: characters after normalisation. */
  minLength?: number;
  maxLength?: number;
  /** Text-like fields: an ECMAScript pattern the whole value must match (checked for safety). */
  pattern?: string;
  patternMessage?: Localized;
  /** number: the value; date: ISO dates or 'today'. */
  min?: number | string;
  max?: number | string;
  /** number: whole numbers only. */
  integer?: boolean;
  /** text: a multi-line box. */
  multiline?: boolean;
  /** select, radio, checkbox. */
  options?: FieldOption[];
  /** file: accepted extensions (「pdf」「jpg」) and the largest size in bytes. */
  accept?: string[];
  maxBytes?: number;
  /** group: the repeated fields and how many items (e.g. household members). */
  fields?: FormField[];
  minItems?: number;
  maxItems?: number;
  /** group: what one item is called (「世帯員」), for headings and the add button. */
  itemLabel?: Localized;
  showIf?: Condition;
}

export interface FormPage {
  id: string;
  title?: Localized;
  fields: FormField[];
  showIf?: Condition;
}

export interface FormDefinition {
  title: Localized;
  intro?: Localized;
  pages: FormPage[];
}

/** A field after its dictionary entry is applied: everything the renderer and engine need. */
export type ResolvedField = Omit<FormField, 'type' | 'label' | 'fields'> & { type: FieldType; label: Localized; fields?: ResolvedField[] };
export interface ResolvedPage extends Omit<FormPage, 'fields'> {
  fields: ResolvedField[];
}
export interface ResolvedDefinition extends Omit<FormDefinition, 'pages'> {
  pages: ResolvedPage[];
}

/** An entry of the common field dictionary: a field template without its key. */
export interface DictionaryEntry {
  key: string;
  field: Omit<FormField, 'key' | 'dictionary'> & { type: FieldType; label: Localized };
}
export type Dictionary = ReadonlyMap<string, DictionaryEntry>;

export const FIELD_KEY = '^[a-z][a-zA-Z0-9]{0,40}$';
export const PAGE_ID = '^[a-z][a-z0-9-]{0,40}$';
export const LIMITS = { pages: 100, fieldsPerPage: 30, options: 100, groupItems: 50, patternLength: 200, textLength: 10_000, fileBytes: 20 * 1024 * 1024 } as const;

const text = (max: number) =>
  ({ type: 'object', additionalProperties: false, required: ['ja', 'en'], properties: { ja: { type: 'string', minLength: 1, maxLength: max }, en: { type: 'string', minLength: 1, maxLength: max } } }) as const;
const condition = {
  type: 'object',
  additionalProperties: false,
  required: ['field'],
  properties: { field: { type: 'string', maxLength: 41 }, equals: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 200 } }] } },
} as const;
const bound = { anyOf: [{ type: 'number' }, { type: 'string', maxLength: 10 }] } as const;

// The JSON shape only: the field type is any short string here so that an unknown type gets the
// validator's message naming the field, not a bare schema error.
function fieldSchema(depth: number): object {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['key'],
    properties: {
      key: { type: 'string', maxLength: 41 },
      type: { type: 'string', maxLength: 30 },
      dictionary: { type: 'string', maxLength: 60 },
      label: text(300),
      hint: text(2000),
      required: { type: 'boolean' },
      minLength: { type: 'integer', minimum: 0, maximum: LIMITS.textLength },
      maxLength: { type: 'integer', minimum: 1, maximum: LIMITS.textLength },
      pattern: { type: 'string', minLength: 1, maxLength: 500 },
      patternMessage: text(300),
      min: bound,
      max: bound,
      integer: { type: 'boolean' },
      multiline: { type: 'boolean' },
      options: { type: 'array', maxItems: LIMITS.options, items: { type: 'object', additionalProperties: false, required: ['value', 'label'], properties: { value: { type: 'string', minLength: 1, maxLength: 100 }, label: text(300), hint: text(500) } } },
      accept: { type: 'array', maxItems: 20, items: { type: 'string', pattern: '^[a-z0-9]{1,10}$' } },
      maxBytes: { type: 'integer', minimum: 1, maximum: LIMITS.fileBytes },
      // Deep enough to report "nested too deep" with the validator's message, not the schema's.
      fields: depth < 3 ? { type: 'array', maxItems: LIMITS.fieldsPerPage, items: fieldSchema(depth + 1) } : { type: 'array', maxItems: 0 },
      minItems: { type: 'integer', minimum: 0, maximum: LIMITS.groupItems },
      maxItems: { type: 'integer', minimum: 1, maximum: LIMITS.groupItems },
      itemLabel: text(100),
      showIf: condition,
    },
  };
}

export const formDefinitionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'pages'],
  properties: {
    title: text(200),
    intro: text(2000),
    pages: {
      type: 'array',
      maxItems: LIMITS.pages,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'fields'],
        properties: { id: { type: 'string', maxLength: 41 }, title: text(300), fields: { type: 'array', maxItems: LIMITS.fieldsPerPage, items: fieldSchema(0) }, showIf: condition },
      },
    },
  },
} as const;

export const isFieldType = (type: unknown): type is FieldType => typeof type === 'string' && (FIELD_TYPES as readonly string[]).includes(type);

/** A field with its dictionary entry applied (the field's own settings win). */
export function resolveField(field: FormField, dictionary: Dictionary): ResolvedField {
  const entry = field.dictionary ? dictionary.get(field.dictionary) : undefined;
  const { fields: inner, ...merged } = { ...(entry?.field ?? {}), ...field } as FormField;
  const fields = inner?.map((f) => resolveField(f, dictionary));
  return { ...merged, type: merged.type as FieldType, label: merged.label ?? { ja: field.key, en: field.key }, ...(fields ? { fields } : {}) };
}

/** The self-contained definition a version freezes: dictionary references applied. */
export function resolveDefinition(definition: FormDefinition, dictionary: Dictionary): ResolvedDefinition {
  return { ...definition, pages: definition.pages.map((p) => ({ ...p, fields: p.fields.map((f) => resolveField(f, dictionary)) })) };
}

/** Every field in page order, with its page, for lookups by key. */
export function fieldsInOrder(definition: ResolvedDefinition): Array<{ field: ResolvedField; page: ResolvedPage }> {
  return definition.pages.flatMap((page) => page.fields.map((field) => ({ field, page })));
}
