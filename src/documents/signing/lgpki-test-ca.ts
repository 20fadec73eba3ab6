// A TEST certificate authority standing in for LGPKI's 職責証明書 CA (the one that certifies a
// municipality's head as office holder), so issuance runs end to end without the real one. Its
// name says what it is. It lives in the database, its private key sealed (ctx.sealer), and is
// created on first use; each municipality gets a signing key and certificate from it, also on
// first use. Nothing it issues is trusted anywhere but here. Built like identity/jpki/test-ca.ts.
import { createTestCa, generateRsaKeys, randomSerialNumber } from '../../identity/jpki/index.ts';
import { cardSignatureAlgorithm, subtle, toHex, x509 } from '../../identity/jpki/pki.ts';
import type { AppContext } from '../../platform/module.ts';
import { documentsDb } from '../db/schema.ts';

export const lgpkiTestCaName = 'TEST LGPKI 職責証明書 CA — not for real use';
const caId = 'test-lgpki';
const year = 365 * 24 * 60 * 60_000;

export interface SigningIdentity {
  lgCode: string;
  certificate: x509.X509Certificate;
  privateKey: CryptoKey;
  fingerprint: string;
}

async function importKey(pkcs8Pem: string): Promise<CryptoKey> {
  return subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(pkcs8Pem), cardSignatureAlgorithm, false, ['sign']);
}

async function exportKey(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

export async function fingerprintOf(certificate: x509.X509Certificate): Promise<string> {
  return toHex(await subtle.digest('SHA-256', certificate.rawData));
}

/** The stand-in CA: created and stored on first use; concurrent first uses agree on one. */
export async function ensureLgpkiTestCa(app: AppContext): Promise<{ certificate: x509.X509Certificate; privateKey: CryptoKey }> {
  const db = documentsDb(app.db);
  let row = await db.selectFrom('documents_signing_ca').selectAll().where('id', '=', caId).executeTakeFirst();
  if (!row) {
    const ca = await createTestCa({ commonName: lgpkiTestCaName });
    const extractable = ca.privateKey;
    await db
      .insertInto('documents_signing_ca')
      .values({ id: caId, certificate_pem: ca.certificate.toString('pem'), private_key_sealed: app.sealer.seal(await exportKey(extractable), 'documents.ca') })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    row = await db.selectFrom('documents_signing_ca').selectAll().where('id', '=', caId).executeTakeFirstOrThrow();
  }
  return { certificate: new x509.X509Certificate(row.certificate_pem), privateKey: await importKey(app.sealer.open(row.private_key_sealed, 'documents.ca')) };
}

/** The certificates a signature must chain to: the stand-in CA (production would configure LGPKI's). */
export async function trustedSigningCas(app: AppContext): Promise<x509.X509Certificate[]> {
  const row = await documentsDb(app.db).selectFrom('documents_signing_ca').select('certificate_pem').where('id', '=', caId).executeTakeFirst();
  return row ? [new x509.X509Certificate(row.certificate_pem)] : [];
}

/** Issues an office-holder certificate for `headTitle` of the municipality, signed by `ca`. */
export async function issueSignerCertificate(
  ca: { certificate: x509.X509Certificate; privateKey: CryptoKey },
  subject: { lgCode: string; municipality: string; headTitle: string },
  now = new Date(),
): Promise<{ certificate: x509.X509Certificate; keys: CryptoKeyPair }> {
  const keys = await generateRsaKeys();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ C: ['JP'] }, { O: [subject.municipality] }, { OU: [`lg ${subject.lgCode}`] }, { CN: [subject.headTitle] }],
    issuer: ca.certificate.subjectName,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 5 * year),
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: cardSignatureAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey),
    ],
  });
  return { certificate, keys };
}

/** The municipality's current signing identity, created on first use. */
export async function signingIdentityOf(app: AppContext, subject: { lgCode: string; municipality: string; headTitle: string }): Promise<SigningIdentity> {
  const db = documentsDb(app.db);
  const now = new Date();
  const current = async () =>
    db.selectFrom('documents_signers').selectAll().where('lg_code', '=', subject.lgCode).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  let row = await current();
  if (!row || new x509.X509Certificate(row.certificate_pem).notAfter.getTime() < now.getTime() + 30 * 24 * 60 * 60_000) {
    const ca = await ensureLgpkiTestCa(app);
    const { certificate, keys } = await issueSignerCertificate(ca, subject, now);
    const fingerprint = await fingerprintOf(certificate);
    await db
      .insertInto('documents_signers')
      .values({ lg_code: subject.lgCode, fingerprint, certificate_pem: certificate.toString('pem'), private_key_sealed: app.sealer.seal(await exportKey(keys.privateKey), `documents.signer:${subject.lgCode}:${fingerprint}`) })
      .execute();
    row = (await current())!;
  }
  return {
    lgCode: subject.lgCode,
    certificate: new x509.X509Certificate(row.certificate_pem),
    privateKey: await importKey(app.sealer.open(row.private_key_sealed, `documents.signer:${subject.lgCode}:${row.fingerprint}`)),
    fingerprint: row.fingerprint,
  };
}
