// Japanese first, English second. Messages live in locale files per module (flat keys,
// "{name}" placeholders); a test fails on a key present in one language and missing in the
// other, or defined and never used.
import ja from './ja.json' with { type: 'json' };
import en from './en.json' with { type: 'json' };

export const locales = ['ja', 'en'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'ja';

export type Messages = Record<string, string>;
const catalogs: Record<Locale, Messages> = { ja: { ...ja }, en: { ...en } };

/** Modules add their own messages at start; a clash is a programming error. */
export function addMessages(messages: Record<Locale, Messages>): void {
  for (const locale of locales) {
    for (const [key, value] of Object.entries(messages[locale])) {
      if (key in catalogs[locale]) throw new Error(`Message key "${key}" is defined twice`);
      catalogs[locale][key] = value;
    }
  }
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

export type Translate = (key: string, params?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const catalog = catalogs[locale];
  return (key, params) => {
    const message = catalog[key];
    if (message === undefined) throw new Error(`Missing message "${key}" for ${locale}`);
    return params ? message.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`)) : message;
  };
}

export function catalog(locale: Locale): Readonly<Messages> {
  return catalogs[locale];
}
