// The basic four attributes (基本4情報) as a JPKI signature certificate (署名用電子証明書) carries them:
// subjectAltName otherName entries under J-LIS's arc 1.2.392.200149.8.5.5, each value a UTF8String.
//   .1 name (氏名)            .2 name substitute-character positions (氏名代替文字の使用位置情報)
//   .3 sex (性別) 1/2/3       .4 date of birth (生年月日) "EYYYYMMDD", E = era code, YYYYMMDD Gregorian
//   .5 address (住所)         .6 address substitute-character positions (住所代替文字の使用位置情報)
// Sources and their disagreements are in docs/identity-jpki.md. Values are never normalised (no
// NFC/NFKC): a name read here is the exact UTF-8 the certificate holds, so 髙, 﨑 and 𠮷 round-trip.
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, OtherName, SubjectAlternativeName, id_ce_subjectAltName } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { x509 } from './pki.ts';

export const jpkiAttributeOids = {
  name: '1.2.392.200149.8.5.5.1',
  nameSubstitutes: '1.2.392.200149.8.5.5.2',
  sex: '1.2.392.200149.8.5.5.3',
  dateOfBirth: '1.2.392.200149.8.5.5.4',
  address: '1.2.392.200149.8.5.5.5',
  addressSubstitutes: '1.2.392.200149.8.5.5.6',
} as const;

export type Sex = 'male' | 'female' | 'unknown';
const sexCodes: Record<string, Sex> = { '1': 'male', '2': 'female', '3': 'unknown' };

/** What a CA puts into a card certificate (the test CA's input). */
export interface ResidentBasicFour {
  name: string;
  address: string;
  /** ISO 8601 calendar date, YYYY-MM-DD. */
  dateOfBirth: string;
  sex: Sex;
}

/** What a verified certificate says about its holder. */
export interface BasicFour {
  name: string;
  address: string;
  /** ISO 8601 date, or null where J-LIS records the date (partly) unknown. */
  dateOfBirth: string | null;
  sex: Sex;
  /** True when J-LIS replaced characters it cannot encode with substitutes (代替文字). */
  substituted: { name: boolean; address: boolean };
  /** The values exactly as recorded, for audit: "EYYYYMMDD", "1"/"2"/"3" and the position flags. */
  recorded: { dateOfBirth: string; sex: string; nameSubstitutes: string; addressSubstitutes: string };
}

// First day of each era in the Gregorian calendar, newest first (era codes as J-LIS numbers them).
const eras: Array<{ code: string; from: string }> = [
  { code: '5', from: '2019-05-01' }, // 令和
  { code: '4', from: '1989-01-08' }, // 平成
  { code: '3', from: '1926-12-25' }, // 昭和
  { code: '2', from: '1912-07-30' }, // 大正
  { code: '1', from: '1868-10-23' }, // 明治
];

function isCalendarDate(iso: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return false;
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === iso;
}

export function encodeDateOfBirth(iso: string): string {
  if (!isCalendarDate(iso)) throw new RangeError(`dateOfBirth must be YYYY-MM-DD, got ${JSON.stringify(iso)}`);
  const era = eras.find((e) => iso >= e.from)?.code ?? '0';
  return era + iso.replaceAll('-', '');
}

function codePointCount(text: string): number {
  return [...text].length;
}

function utf8OtherName(typeId: string, value: string): GeneralName {
  const encoded = new asn1js.Utf8String({ value }).toBER();
  return new GeneralName({ otherName: new OtherName({ typeId, value: encoded }) });
}

/** The subjectAltName extension holding the basic four, in the order a real card lists them. */
export function basicFourExtension(resident: ResidentBasicFour): x509.Extension {
  const sexCode = Object.entries(sexCodes).find(([, s]) => s === resident.sex)?.[0];
  if (!sexCode) throw new RangeError(`sex must be male, female or unknown`);
  const names = new SubjectAlternativeName([
    utf8OtherName(jpkiAttributeOids.name, resident.name),
    utf8OtherName(jpkiAttributeOids.dateOfBirth, encodeDateOfBirth(resident.dateOfBirth)),
    utf8OtherName(jpkiAttributeOids.sex, sexCode),
    utf8OtherName(jpkiAttributeOids.address, resident.address),
    // One flag per character; the test CA never substitutes, so all are "0".
    utf8OtherName(jpkiAttributeOids.nameSubstitutes, '0'.repeat(codePointCount(resident.name))),
    utf8OtherName(jpkiAttributeOids.addressSubstitutes, '0'.repeat(codePointCount(resident.address))),
  ]);
  return new x509.Extension(id_ce_subjectAltName, false, AsnConvert.serialize(names));
}

type Read<T> = { ok: true; value: T } | { ok: false; detail: string };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

// The value is [0] EXPLICIT ANY; for these OIDs it must be exactly one UTF8String. Its bytes are
// decoded strictly: invalid UTF-8 is refused rather than repaired with U+FFFD.
function readUtf8(value: ArrayBuffer): string | null {
  const parsed = asn1js.fromBER(value);
  if (parsed.offset !== value.byteLength || !(parsed.result instanceof asn1js.Utf8String)) return null;
  try {
    return strictUtf8.decode(parsed.result.valueBlock.valueHexView);
  } catch {
    return null;
  }
}

function collectOtherNames(cert: x509.X509Certificate): Read<Map<string, string>> {
  const extensions = cert.extensions.filter((e) => e.type === id_ce_subjectAltName);
  if (extensions.length !== 1) return { ok: false, detail: `expected one subjectAltName, found ${extensions.length}` };
  let names: SubjectAlternativeName;
  try {
    names = AsnConvert.parse(extensions[0]!.value, SubjectAlternativeName);
  } catch {
    return { ok: false, detail: 'subjectAltName does not parse' };
  }
  const wanted = new Set<string>(Object.values(jpkiAttributeOids));
  const values = new Map<string, string>();
  for (const general of names) {
    const other = general.otherName;
    if (!other || !wanted.has(other.typeId)) continue;
    if (values.has(other.typeId)) return { ok: false, detail: `${other.typeId} appears twice` };
    const text = readUtf8(other.value);
    if (text === null) return { ok: false, detail: `${other.typeId} is not a UTF8String` };
    values.set(other.typeId, text);
  }
  return { ok: true, value: values };
}

// C0 controls and DEL have no place in a name or address; refusing them keeps logs and pages safe.
const controlCharacters = /[\u0000-\u001f\u007f]/;

function parseDateOfBirth(recorded: string): Read<string | null> {
  if (!/^[0-5]\d{8}$/.test(recorded)) return { ok: false, detail: 'date of birth is not EYYYYMMDD' };
  const iso = `${recorded.slice(1, 5)}-${recorded.slice(5, 7)}-${recorded.slice(7, 9)}`;
  if (isCalendarDate(iso)) return { ok: true, value: iso };
  // J-LIS records unknown parts as era 0 or zero month/day; anything else is a broken date.
  if (recorded[0] === '0' || iso.endsWith('-00') || iso.slice(5, 7) === '00') return { ok: true, value: null };
  return { ok: false, detail: 'date of birth is not a calendar date' };
}

/** Reads the basic four from a certificate; a missing, doubled or malformed attribute is refused. */
export function readBasicFour(cert: x509.X509Certificate): Read<BasicFour> {
  const collected = collectOtherNames(cert);
  if (!collected.ok) return collected;
  const get = (oid: string) => collected.value.get(oid);
  const name = get(jpkiAttributeOids.name);
  const address = get(jpkiAttributeOids.address);
  const sexCode = get(jpkiAttributeOids.sex);
  const dateCode = get(jpkiAttributeOids.dateOfBirth);
  if (name === undefined || address === undefined || sexCode === undefined || dateCode === undefined) {
    return { ok: false, detail: 'one or more of the basic four attributes is absent' };
  }
  if (name.trim() === '' || address.trim() === '') return { ok: false, detail: 'name or address is empty' };
  if (controlCharacters.test(name) || controlCharacters.test(address)) {
    return { ok: false, detail: 'name or address holds control characters' };
  }
  const sex = sexCodes[sexCode];
  if (!sex) return { ok: false, detail: 'sex is not 1, 2 or 3' };
  const dateOfBirth = parseDateOfBirth(dateCode);
  if (!dateOfBirth.ok) return dateOfBirth;
  const nameSubstitutes = get(jpkiAttributeOids.nameSubstitutes) ?? '';
  const addressSubstitutes = get(jpkiAttributeOids.addressSubstitutes) ?? '';
  if (!/^[01]*$/.test(nameSubstitutes) || !/^[01]*$/.test(addressSubstitutes)) {
    return { ok: false, detail: 'substitute-character flags are not 0/1' };
  }
  return {
    ok: true,
    value: {
      name,
      address,
      dateOfBirth: dateOfBirth.value,
      sex,
      substituted: { name: nameSubstitutes.includes('1'), address: addressSubstitutes.includes('1') },
      recorded: { dateOfBirth: dateCode, sex: sexCode, nameSubstitutes, addressSubstitutes },
    },
  };
}
