// Shared by the JPKI tests: a TEST CA, cards issued around a fixed clock, and signing the way the
// card (or the browser card simulator) does. Times are fixed so no test depends on the wall clock.
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, OtherName, SubjectAlternativeName, id_ce_subjectAltName } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import type { ResidentBasicFour } from '../basic-four.ts';
import { StaticCrlSource } from '../crl-source.ts';
import { cardSignatureAlgorithm, subtle, toBase64, x509 } from '../pki.ts';
import { createTestCa, issueCard, publishCrl, type IssueCardOptions, type TestCa, type TestCard } from '../test-ca.ts';
import type { CardSignatureInput, JpkiTrust } from '../verify-signature.ts';

export const now = new Date('2026-06-01T03:00:00Z');
export const day = 24 * 60 * 60_000;
export const year = 365 * day;

export function at(offsetMs: number): Date {
  return new Date(now.getTime() + offsetMs);
}

/** Names that need JIS X 0213 / MJ characters: 髙 (U+9AD9), 𠮷 (U+20BB7, outside the BMP), 﨑 (U+FA11). */
export const takahashi: ResidentBasicFour = {
  name: '髙橋　𠮷男',
  // 神 here is U+FA19, a compatibility ideograph that NFC would turn into U+795E: it must survive.
  address: '福島県福島市\u{FA19}明町一丁目２番３号',
  dateOfBirth: '1985-04-12',
  sex: 'male',
};
export const yamazaki: ResidentBasicFour = {
  name: '山﨑　花子',
  address: '福島県会津若松市見本町四丁目５番６号',
  dateOfBirth: '2019-05-01',
  sex: 'female',
};

export const currentWindow = { notBefore: at(-30 * day), notAfter: at(5 * year) };

export function newChallenge(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(32));
}

export async function sign(privateKey: CryptoKey, challenge: Uint8Array<ArrayBuffer>): Promise<string> {
  return toBase64(await subtle.sign(cardSignatureAlgorithm, privateKey, challenge));
}

export async function signedInput(card: TestCard, challenge = newChallenge()): Promise<CardSignatureInput> {
  return { certificate: toBase64(card.certificate.rawData), signature: await sign(card.keys.privateKey, challenge), challenge };
}

export async function crlFor(ca: TestCa, thisUpdate = at(-day), nextUpdate = at(day)): Promise<x509.X509Crl> {
  return publishCrl(ca, { thisUpdate, nextUpdate });
}

export interface Fixture {
  ca: TestCa;
  trust: JpkiTrust;
  crlSource: StaticCrlSource;
  valid: TestCard;
  issue(options?: Partial<IssueCardOptions>): Promise<TestCard>;
  /** Publishes the CA's current revocations into the trust's CRL source. */
  republish(thisUpdate?: Date, nextUpdate?: Date): Promise<void>;
}

export async function makeFixture(): Promise<Fixture> {
  const ca = await createTestCa({ now });
  const crlSource = new StaticCrlSource(await crlFor(ca));
  const issue = (options: Partial<IssueCardOptions> = {}) => issueCard(ca, { resident: takahashi, ...currentWindow, ...options });
  return {
    ca,
    crlSource,
    trust: { anchors: [ca.certificate], intermediates: [], crls: [crlSource] },
    valid: await issue(),
    issue,
    async republish(thisUpdate = at(-day), nextUpdate = at(day)) {
      crlSource.crl = await crlFor(ca, thisUpdate, nextUpdate);
    },
  };
}

/** A subjectAltName with exactly these otherName entries, for malformed-attribute tests. */
export function subjectAltName(entries: Array<[oid: string, value: ArrayBuffer]>): x509.Extension {
  const names = entries.map(([typeId, value]) => new GeneralName({ otherName: new OtherName({ typeId, value }) }));
  return new x509.Extension(id_ce_subjectAltName, false, AsnConvert.serialize(new SubjectAlternativeName(names)));
}

export function utf8(value: string): ArrayBuffer {
  return new asn1js.Utf8String({ value }).toBER();
}
