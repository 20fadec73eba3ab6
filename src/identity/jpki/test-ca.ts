// A TEST certificate authority standing in for J-LIS's signature CA (署名用認証局), so the level A
// flow runs end to end without a real card. It issues card certificates shaped like JPKI signature
// certificates (basic four in subjectAltName, keyUsage digitalSignature + nonRepudiation, RSA 2048),
// revokes them and publishes signed CRLs. Nothing it issues is trusted unless its root is configured
// as the trust anchor, which only development and tests do. Never configure it in production.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber, id_ce_cRLNumber } from '@peculiar/asn1-x509';
import { basicFourExtension, type ResidentBasicFour } from './basic-four.ts';
import { cardSignatureAlgorithm, subtle, toBase64, x509 } from './pki.ts';

export const testCaCommonName = 'Tsunagu TEST JPKI CA — not J-LIS';

export interface RevokedCard {
  serialNumber: string;
  revokedAt: Date;
  reason?: x509.X509CrlReason;
}

export interface TestCa {
  certificate: x509.X509Certificate;
  privateKey: CryptoKey;
  /** Every card revoked so far; publishCrl lists them all. */
  revoked: RevokedCard[];
}

/** A card as the simulator holds it: the certificate and the key pair "inside the chip". */
export interface TestCard {
  certificate: x509.X509Certificate;
  keys: CryptoKeyPair;
}

/** A card in the form a browser can use: DER and PKCS#8, base64. */
export interface ExportedCard {
  certificate: string;
  /** PKCS#8; WebCrypto importKey('pkcs8', …, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, …, ['sign']). */
  privateKey: string;
}

const day = 24 * 60 * 60_000;
const year = 365 * day;

export async function generateRsaKeys(modulusLength: 2048 | 3072 = 2048): Promise<CryptoKeyPair> {
  const algorithm = { ...cardSignatureAlgorithm, modulusLength, publicExponent: new Uint8Array([1, 0, 1]) };
  return (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** A random positive 128-bit serial number, as lowercase hex without a leading zero byte. */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return bytes.toString('hex');
}

export interface CreateTestCaOptions {
  commonName?: string;
  modulusLength?: 2048 | 3072;
  notBefore?: Date;
  notAfter?: Date;
  /** Intermediates allowed below this CA. Default 0: it issues cards directly, as J-LIS's does. */
  pathLength?: number;
  /** Sign with this CA instead of self-signing (makes an intermediate CA). */
  parent?: TestCa;
  now?: Date;
}

export async function createTestCa(options: CreateTestCaOptions = {}): Promise<TestCa> {
  const now = options.now ?? new Date();
  const keys = await generateRsaKeys(options.modulusLength ?? 2048);
  const name: x509.JsonName = [{ C: ['JP'] }, { O: ['Tsunagu TEST'] }, { CN: [options.commonName ?? testCaCommonName] }];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, options.pathLength ?? 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const common = {
    serialNumber: randomSerialNumber(),
    // Long enough back that demo cards issued "years ago" (the expired one) still nest inside.
    notBefore: options.notBefore ?? new Date(now.getTime() - 6 * year),
    notAfter: options.notAfter ?? new Date(now.getTime() + 20 * year),
    signingAlgorithm: cardSignatureAlgorithm,
  };
  const parent = options.parent;
  const certificate = parent
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject: name,
        issuer: parent.certificate.subjectName,
        publicKey: keys.publicKey,
        signingKey: parent.privateKey,
        extensions: [...extensions, await x509.AuthorityKeyIdentifierExtension.create(parent.certificate.publicKey)],
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name, keys, extensions });
  return { certificate, privateKey: keys.privateKey, revoked: [] };
}

export interface IssueCardOptions {
  resident: ResidentBasicFour;
  notBefore: Date;
  notAfter: Date;
  /** The card's key pair; a fresh RSA 2048 pair by default. */
  keys?: CryptoKeyPair;
  serialNumber?: string;
  /** Default digitalSignature + nonRepudiation; null leaves keyUsage out (for refusal tests). */
  keyUsage?: x509.KeyUsageFlags | null;
  /** Default: the basic four of `resident`; null leaves it out (for refusal tests). */
  subjectAltName?: x509.Extension | null;
  extraExtensions?: x509.Extension[];
}

export async function issueCard(ca: TestCa, options: IssueCardOptions): Promise<TestCard> {
  const keys = options.keys ?? (await generateRsaKeys());
  const serialNumber = options.serialNumber ?? randomSerialNumber();
  const usage =
    options.keyUsage === undefined
      ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation
      : options.keyUsage;
  const subjectAltName = options.subjectAltName === undefined ? basicFourExtension(options.resident) : options.subjectAltName;
  const extensions: x509.Extension[] = [
    ...(usage === null ? [] : [new x509.KeyUsagesExtension(usage, true)]),
    ...(subjectAltName ? [subjectAltName] : []),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey),
    ...(options.extraExtensions ?? []),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber,
    // Like JPKI, the subject names no person: the basic four are only in subjectAltName.
    subject: [{ C: ['JP'] }, { O: ['Tsunagu TEST'] }, { CN: [`TEST card ${serialNumber}`] }],
    issuer: ca.certificate.subjectName,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: cardSignatureAlgorithm,
    extensions,
  });
  return { certificate, keys };
}

export function revokeCard(ca: TestCa, serialNumber: string, revokedAt: Date, reason?: x509.X509CrlReason): void {
  const serial = serialNumber.toLowerCase();
  if (ca.revoked.some((r) => r.serialNumber === serial)) return;
  ca.revoked.push({ serialNumber: serial, revokedAt, ...(reason === undefined ? {} : { reason }) });
}

/** A CRL listing every revoked card, signed by the CA, current from thisUpdate until nextUpdate. */
export async function publishCrl(ca: TestCa, window: { thisUpdate: Date; nextUpdate: Date }): Promise<x509.X509Crl> {
  // CRL numbers must grow; seconds since the epoch of thisUpdate do, without keeping a counter.
  const crlNumber = new x509.Extension(
    id_ce_cRLNumber,
    false,
    AsnConvert.serialize(new CRLNumber(Math.floor(window.thisUpdate.getTime() / 1000))),
  );
  return x509.X509CrlGenerator.create({
    issuer: ca.certificate.subjectName,
    thisUpdate: window.thisUpdate,
    nextUpdate: window.nextUpdate,
    entries: ca.revoked.map((r) => ({
      serialNumber: r.serialNumber,
      revocationDate: r.revokedAt,
      ...(r.reason === undefined ? {} : { reason: r.reason }),
    })),
    extensions: [crlNumber, await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey)],
    signingKey: ca.privateKey,
    signingAlgorithm: cardSignatureAlgorithm,
  });
}

export async function exportCard(card: TestCard): Promise<ExportedCard> {
  return {
    certificate: toBase64(card.certificate.rawData),
    privateKey: toBase64(await subtle.exportKey('pkcs8', card.keys.privateKey)),
  };
}

// On disk: the CA as PEM files and its revocations as JSON, in one directory.
const files = {
  certificate: 'ca-certificate.pem',
  privateKey: 'ca-private-key.pem',
  revoked: 'ca-revoked.json',
  crl: 'crl.pem',
};

async function writeAtomically(file: string, content: string, mode = 0o644): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, content, { mode });
  await fs.rename(temporary, file);
}

export async function saveTestCa(ca: TestCa, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const pkcs8 = await subtle.exportKey('pkcs8', ca.privateKey);
  await writeAtomically(path.join(dir, files.privateKey), x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), 0o600);
  await writeAtomically(path.join(dir, files.certificate), ca.certificate.toString('pem'));
  await writeAtomically(path.join(dir, files.revoked), `${JSON.stringify(ca.revoked, null, 2)}\n`);
}

/** The CA saved in `dir`, or null when there is none. */
export async function loadTestCa(dir: string): Promise<TestCa | null> {
  let certificatePem: string;
  try {
    certificatePem = await fs.readFile(path.join(dir, files.certificate), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const keyPem = await fs.readFile(path.join(dir, files.privateKey), 'utf8');
  const privateKey = await subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(keyPem), cardSignatureAlgorithm, true, [
    'sign',
  ]);
  const revokedJson = await fs.readFile(path.join(dir, files.revoked), 'utf8').catch(() => '[]');
  const revoked = (JSON.parse(revokedJson) as Array<{ serialNumber: string; revokedAt: string; reason?: number }>).map(
    (r) => ({ serialNumber: r.serialNumber, revokedAt: new Date(r.revokedAt), ...(r.reason === undefined ? {} : { reason: r.reason }) }),
  );
  return { certificate: new x509.X509Certificate(certificatePem), privateKey, revoked };
}

export function crlFile(dir: string): string {
  return path.join(dir, files.crl);
}

export async function writeCrl(dir: string, crl: x509.X509Crl): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeAtomically(crlFile(dir), crl.toString('pem'));
}
