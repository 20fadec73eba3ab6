// The bulk application's shape (一括申請, 003B P3.1): which answers are shared across the chosen
// forms and asked once, and how the shared answers are copied into each form. Pure: no database.
//
// A field is shared when it names a dictionary entry, sits directly on a page (not inside a
// group), has no condition of its own, and keeps the entry's label: 「子どもの氏名」 overriding
// 氏名 is a different question and stays in its form. The shared question is named after the
// entry (`full-name` → `fullName`) and copied into each form under that form's own key.
import type { FormValues } from '../../platform/ui/form-errors.ts';
import type { Dictionary, ResolvedDefinition, ResolvedField, ResolvedPage } from '../forms/form-definition.ts';

export interface SharedField {
  dictionary: string;
  /** The name the shared question posts (camelCase of the entry's key). */
  key: string;
  field: ResolvedField;
}

export const sharedKeyOf = (dictionaryKey: string) => dictionaryKey.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Whether a form field is asked in the shared section (see the header). */
export function isSharedField(field: ResolvedField, dictionary: Dictionary): boolean {
  if (!field.dictionary || field.showIf || field.type === 'file') return false;
  const entry = dictionary.get(field.dictionary);
  return !!entry && entry.field.label.ja === field.label.ja && entry.field.type === field.type;
}

/** The shared questions of the forms, in the order they first appear; required if any form requires it. */
export function sharedFields(definitions: ResolvedDefinition[], dictionary: Dictionary): SharedField[] {
  const found = new Map<string, SharedField>();
  for (const definition of definitions) {
    for (const page of definition.pages) {
      if (page.showIf) continue;
      for (const field of page.fields) {
        if (!isSharedField(field, dictionary)) continue;
        const known = found.get(field.dictionary!);
        if (known) known.field = { ...known.field, required: !!known.field.required || !!field.required };
        else found.set(field.dictionary!, { dictionary: field.dictionary!, key: sharedKeyOf(field.dictionary!), field: { ...field, key: sharedKeyOf(field.dictionary!) } });
      }
    }
  }
  return [...found.values()];
}

/** The shared section as a form of its own: one question per page, the page named after the entry. */
export function sharedDefinition(fields: SharedField[]): ResolvedDefinition {
  return {
    title: { ja: '共通の項目', en: 'About you' },
    pages: fields.map((s) => ({ id: s.dictionary, fields: [s.field] })),
  };
}

/** Whether a posted name belongs to a field (`key`, or `key-…` for dates, addresses, groups). */
export const belongsTo = (key: string, name: string) => name === key || name.startsWith(`${key}-`);

/** A form page without its shared fields (which the shared section asked). */
export function ownPage(page: ResolvedPage, dictionary: Dictionary): ResolvedPage {
  return page.showIf ? page : { ...page, fields: page.fields.filter((f) => !isSharedField(f, dictionary)) };
}

/** The form's values: its own answers plus the shared ones renamed to the form's keys. */
export function formValuesFor(definition: ResolvedDefinition, dictionary: Dictionary, shared: FormValues, own: FormValues): FormValues {
  const merged: FormValues = { ...own };
  for (const page of definition.pages) {
    if (page.showIf) continue;
    for (const field of page.fields) {
      if (!isSharedField(field, dictionary)) continue;
      const from = sharedKeyOf(field.dictionary!);
      for (const [name, value] of Object.entries(shared)) if (belongsTo(from, name)) merged[field.key + name.slice(from.length)] = value;
    }
  }
  return merged;
}

/** Only the names a page's fields own (what one step may change). */
export function valuesOfPage(page: ResolvedPage, values: FormValues): FormValues {
  return Object.fromEntries(Object.entries(values).filter(([name]) => page.fields.some((f) => belongsTo(f.key, name))));
}

/** `stored` with the page's names replaced by what the page posted (an unticked box is removed). */
export function replacePage(page: ResolvedPage, stored: FormValues, posted: FormValues): FormValues {
  const kept = Object.fromEntries(Object.entries(stored).filter(([name]) => !page.fields.some((f) => belongsTo(f.key, name))));
  return { ...kept, ...valuesOfPage(page, posted) };
}

/** The shared answers held in a form's values (the reverse of formValuesFor), for a copy. */
export function sharedValuesFrom(definition: ResolvedDefinition, dictionary: Dictionary, values: FormValues): FormValues {
  const shared: FormValues = {};
  for (const page of definition.pages) {
    if (page.showIf) continue;
    for (const field of page.fields) {
      if (!isSharedField(field, dictionary)) continue;
      const to = sharedKeyOf(field.dictionary!);
      for (const [name, value] of Object.entries(values)) if (belongsTo(field.key, name) && !(to + name.slice(field.key.length) in shared)) shared[to + name.slice(field.key.length)] = value;
    }
  }
  return shared;
}
