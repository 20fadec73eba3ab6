// The official signature as a real PDF signature: a signature field with a placeholder
// (@signpdf/placeholder-pdf-lib), then a detached CMS SignedData (pkijs) over the ByteRange, i.e.
// every byte of the file except the signature itself (@signpdf/signpdf), so a PDF reader shows it.
import { webcrypto } from 'node:crypto';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SignPdf } from '@signpdf/signpdf';
import { Signer } from '@signpdf/utils';
import * as asn1js from 'asn1js';
import type { PDFDocument } from 'pdf-lib';
import * as pkijs from 'pkijs';
import type { SigningIdentity } from './lgpki-test-ca.ts';

pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as Crypto }));

export const oids = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
};

// Room for the CMS in the file: an RSA 2048 signature and one certificate need about 2 KB.
const signatureLength = 8192;

class CmsSigner extends Signer {
  constructor(private readonly identity: SigningIdentity) {
    super();
  }

  override async sign(content: Buffer, signingTime?: Date): Promise<Buffer> {
    const digest = await webcrypto.subtle.digest('SHA-256', new Uint8Array(content));
    const certificate = pkijs.Certificate.fromBER(this.identity.certificate.rawData);
    const signedData = new pkijs.SignedData({
      version: 1,
      encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: oids.data }),
      certificates: [certificate],
      signerInfos: [
        new pkijs.SignerInfo({
          version: 1,
          sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
          signedAttrs: new pkijs.SignedAndUnsignedAttributes({
            type: 0,
            attributes: [
              new pkijs.Attribute({ type: oids.contentType, values: [new asn1js.ObjectIdentifier({ value: oids.data })] }),
              new pkijs.Attribute({ type: oids.messageDigest, values: [new asn1js.OctetString({ valueHex: digest })] }),
              new pkijs.Attribute({ type: oids.signingTime, values: [new asn1js.UTCTime({ valueDate: signingTime ?? new Date() })] }),
            ],
          }),
        }),
      ],
    });
    await signedData.sign(this.identity.privateKey, 0, 'SHA-256', new Uint8Array(content));
    const info = new pkijs.ContentInfo({ contentType: oids.signedData, content: signedData.toSchema(true) });
    return Buffer.from(info.toSchema().toBER(false));
  }
}

/** Adds the signature field, saves, and signs: the returned bytes are the finished document. */
export async function signPdf(pdf: PDFDocument, identity: SigningIdentity, details: { reason: string; location: string; name: string; signingTime: Date }): Promise<Buffer> {
  pdflibAddPlaceholder({ pdfDoc: pdf, reason: details.reason, contactInfo: '', name: details.name, location: details.location, signingTime: details.signingTime, signatureLength, appName: 'Tsunagu' });
  // Without object streams, so the placeholder is found as plain text in the file.
  const unsigned = Buffer.from(await pdf.save({ useObjectStreams: false }));
  return new SignPdf().sign(unsigned, new CmsSigner(identity), details.signingTime);
}
