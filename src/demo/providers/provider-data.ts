// The demo providers' data: each provider's residents come from its own JSON file under data/,
// read by its own process, so none of it ever sits in the City OS database. A resident is found by
// the basic four attributes the My Number card verified (基本4情報); all four must agree.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The item codes are the records' top-level keys; their names and sensitivity are the City OS's
// to hold (its provider registry), not the provider's.
export const PROVIDERS = {
  'maternal-child-health': {
    name: { ja: '母子健康記録システム', en: 'Maternal and child health records' },
    operator: { lgCode: '072028', name: { ja: '会津若松市', en: 'Aizuwakamatsu City' } },
    items: ['pregnancy', 'checkups', 'vaccinations', 'growth', 'consultations'],
  },
  'residence-records': {
    name: { ja: '住民記録システム', en: 'Residence records' },
    operator: { lgCode: '072010', name: { ja: '福島市', en: 'Fukushima City' } },
    items: ['name', 'nameKana', 'dateOfBirth', 'address', 'household', 'movedInOn'],
  },
} as const;

export type ProviderId = keyof typeof PROVIDERS;

export function isProviderId(value: string): value is ProviderId {
  return Object.hasOwn(PROVIDERS, value);
}

export interface BasicFour {
  name: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  address: string;
  sex: 'male' | 'female' | 'unknown';
}

export interface ProviderResident {
  /** The provider's own id (宛名番号), never the City OS's. */
  residentId: string;
  basicFour: BasicFour;
  /** Top-level keys are item codes only: the gateway filters on them. */
  record: Record<string, unknown>;
}

const DATA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');

export function loadResidents(provider: ProviderId): ProviderResident[] {
  const file = JSON.parse(fs.readFileSync(path.join(DATA_DIR, `${provider}.json`), 'utf8')) as { residents: ProviderResident[] };
  const allowed = new Set<string>(PROVIDERS[provider].items);
  for (const resident of file.residents) {
    // A stray key would reach a service as if it were an item nobody consented to.
    const stray = Object.keys(resident.record).filter((key) => !allowed.has(key));
    if (stray.length) throw new Error(`${provider}.json: resident ${resident.residentId} has keys that are not items: ${stray.join(', ')}`);
  }
  return file.residents;
}

/**
 * Names are compared exactly as the card holds them (髙, 﨑 and 𠮷 are not 高, 崎 and 吉), except
 * for the space between family and given name, which sources write as U+3000 or U+0020.
 */
export function sameName(a: string, b: string): boolean {
  const strip = (s: string) => s.replace(/[\s\u3000]+/gu, '');
  return strip(a) === strip(b);
}

/** Addresses differ in full/half-width digits and spacing between sources, so NFKC them first. */
export function sameAddress(a: string, b: string): boolean {
  const fold = (s: string) => s.normalize('NFKC').replace(/\s+/gu, '');
  return fold(a) === fold(b);
}

export function matchResident(residents: ProviderResident[], query: BasicFour): ProviderResident | undefined {
  return residents.find(
    (r) =>
      r.basicFour.dateOfBirth === query.dateOfBirth &&
      r.basicFour.sex === query.sex &&
      sameName(r.basicFour.name, query.name) &&
      sameAddress(r.basicFour.address, query.address),
  );
}
