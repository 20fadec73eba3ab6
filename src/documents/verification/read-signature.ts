// Finds the one signature of an issued PDF and checks it cryptographically, without trusting
// anything in the file: the ByteRange must cover the whole file except exactly the /Contents hex
// string (so nothing was appended or slipped in after signing), the CMS must parse, and its
// signature must hold over the covered bytes. Who signed is judged by verify-document.ts.
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { x509 } from '../../identity/jpki/pki.ts';
import { oids } from '../signing/sign-pdf.ts';

export type SignatureReading =
  | { ok: true; signer: x509.X509Certificate; signingTime: Date | null; signedDigest: string }
  | { ok: false; problem: 'not_pdf' | 'no_signature' | 'several_signatures' | 'partial_coverage' | 'malformed_signature' | 'bad_signature'; detail: string };

const fail = (problem: Extract<SignatureReading, { ok: false }>['problem'], detail: string): SignatureReading => ({ ok: false, problem, detail });

export async function readSignature(file: Buffer): Promise<SignatureReading> {
  if (file.subarray(0, 5).toString('latin1') !== '%PDF-') return fail('not_pdf', 'the file does not start with %PDF-');
  const text = file.toString('latin1');
  const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  if (ranges.length === 0) return fail('no_signature', 'no signature (ByteRange) in the file');
  if (ranges.length > 1) return fail('several_signatures', 'more than one signature: not a document as issued');
  const [a, b, c, d] = ranges[0]!.slice(1, 5).map(Number) as [number, number, number, number];
  if (a !== 0 || b <= 0 || c <= b + 1 || c + d !== file.length) return fail('partial_coverage', 'the signature does not cover the whole file');
  if (file[b] !== 0x3c || file[c - 1] !== 0x3e) return fail('partial_coverage', 'the gap in the ByteRange is not the signature');
  const hex = file.subarray(b + 1, c - 1).toString('latin1');
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) return fail('malformed_signature', 'the signature is not hexadecimal');
  const signed = Buffer.concat([file.subarray(0, b), file.subarray(c, c + d)]);
  let signedData: pkijs.SignedData;
  try {
    // The placeholder is padded with zeros after the DER; asn1js reads the first object only.
    const der = Buffer.from(hex, 'hex');
    const parsed = asn1js.fromBER(new Uint8Array(der));
    if (parsed.offset === -1) return fail('malformed_signature', 'the signature is not DER');
    const info = new pkijs.ContentInfo({ schema: parsed.result });
    if (info.contentType !== oids.signedData) return fail('malformed_signature', 'not a CMS SignedData');
    signedData = new pkijs.SignedData({ schema: info.content });
  } catch {
    return fail('malformed_signature', 'the signature cannot be read');
  }
  const signerInfo = signedData.signerInfos[0];
  const certificate = signedData.certificates?.find((cert): cert is pkijs.Certificate => cert instanceof pkijs.Certificate);
  if (signedData.signerInfos.length !== 1 || !signerInfo || !certificate) return fail('malformed_signature', 'expected one signer with its certificate');
  let valid = false;
  try {
    valid = (await signedData.verify({ signer: 0, data: new Uint8Array(signed).buffer, checkChain: false, extendedMode: true })).signatureVerified === true;
  } catch {
    valid = false;
  }
  if (!valid) return fail('bad_signature', 'the signature does not match the file: it was changed after signing');
  const attribute = (type: string) => signerInfo.signedAttrs?.attributes.find((x) => x.type === type)?.values[0];
  const time = attribute(oids.signingTime);
  const signingTime = time instanceof asn1js.UTCTime || time instanceof asn1js.GeneralizedTime ? time.toDate() : null;
  return {
    ok: true,
    signer: new x509.X509Certificate(certificate.toSchema().toBER(false)),
    signingTime,
    signedDigest: createHash('sha256').update(signed).digest('hex'),
  };
}
