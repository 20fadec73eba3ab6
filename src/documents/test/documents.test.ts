// Issuing, downloading and verifying a signed document against the real server (app.inject):
// genuine as issued; one changed byte is "altered"; a signer from another CA is "not genuine";
// revoked says so; the code works; a resident sees only their own; staff issue only for their
// own municipality; bad uploads get a clear 4xx.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { createTestCa } from '../../identity/jpki/index.ts';
import { registerResident } from '../../identity/test/identity-helpers.ts';
import { tokenWithRole } from '../../platform/authz/test/helpers.ts';
import fontkit from '@pdf-lib/fontkit';
import { decodePDFRawStream, PDFDict, PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { renderDocument } from '../pdf/render-document.ts';
import { issueSignerCertificate, fingerprintOf, lgpkiTestCaName } from '../signing/lgpki-test-ca.ts';
import { signPdf } from '../signing/sign-pdf.ts';
import { readSignature } from '../verification/read-signature.ts';

const AIZU = '072028';
const KORIYAMA = '072036';

describe('issued documents with an official signature', () => {
  let app: TestApp;
  let aizu: Record<string, string>;
  let koriyama: Record<string, string>;
  let hanako: { accountId: string; sessionToken: string };
  let taro: { accountId: string; sessionToken: string };
  let issued: { id: string; number: string; verificationCode: string; sha256: string };
  let pdf: Buffer;

  const inject = (options: InjectOptions): Promise<LightMyRequestResponse> => app.app.inject(options);
  const verifyJson = async (body: Buffer) => {
    const res = await inject({ method: 'POST', url: '/api/v1/document-verifications', headers: { 'content-type': 'application/pdf', accept: 'application/json' }, payload: body });
    return { status: res.statusCode, body: res.json() as { verdict: string; genuine: boolean; detail: string; document?: { number: string; lgCode: string } } };
  };
  const upload = async (fields: Record<string, string | Blob>) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) {
      if (typeof v === 'string') form.append(k, v);
      else form.append(k, v, 'document.pdf');
    }
    const request = new Request('http://x/verify', { method: 'POST', body: form });
    return inject({ method: 'POST', url: '/verify', headers: { 'content-type': request.headers.get('content-type')!, accept: 'text/html' }, payload: Buffer.from(await request.arrayBuffer()) });
  };
  const issue = (lgCode: string, headers: Record<string, string>, accountId: string) =>
    inject({
      method: 'POST',
      url: `/api/v1/documents/${lgCode}`,
      headers: { ...headers, accept: 'application/json' },
      payload: { accountId, kind: 'acceptance-certificate', title: '受理証明書', recipientName: '山﨑　花子', statement: '下記の届出を受理したことを証明します。', fields: [{ label: '届出の種類', value: '転入届' }, { label: '届出人', value: '髙橋　𠮷男' }] },
    });

  before(async () => {
    app = await createTestApp();
    aizu = (await tokenWithRole(app.ctx, 'aizu-admin', 'municipal_admin', { level: 'municipality', prefectureCode: '070009', lgCode: AIZU })).headers;
    koriyama = (await tokenWithRole(app.ctx, 'koriyama-admin', 'municipal_admin', { level: 'municipality', prefectureCode: '070009', lgCode: KORIYAMA })).headers;
    hanako = await registerResident(app, 'hanako@example.jp');
    taro = await registerResident(app, 'taro@example.jp');
    const res = await issue(AIZU, aizu, hanako.accountId);
    assert.equal(res.statusCode, 201, res.body);
    issued = res.json();
    const download = await inject({ method: 'GET', url: `/account/documents/${issued.id}/pdf`, headers: { cookie: `tsn_session=${hanako.sessionToken}` } });
    assert.equal(download.statusCode, 200);
    assert.equal(download.headers['content-type'], 'application/pdf');
    pdf = download.rawPayload;
  });
  after(async () => app?.close());

  it('verify should say genuine, with issuer and number, when the file is as issued', async () => {
    const { status, body } = await verifyJson(pdf);
    assert.equal(status, 200);
    assert.equal(body.verdict, 'genuine', body.detail);
    assert.equal(body.document?.number, issued.number);
    assert.equal(body.document?.lgCode, AIZU);
    const page = await upload({ file: new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }) });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /本物です：発行元の電子署名があり、改ざんされていません/);
    assert.match(page.body, /会津若松市/);
  });

  it('the PDF should be a signed PDF with the Japanese text and the font embedded', async () => {
    const text = pdf.toString('latin1');
    assert.match(text, /\/SubFilter \/adbe\.pkcs7\.detached/);
    assert.match(text, /\/FontFile2/, 'a TrueType font is embedded');
    assert.match(text, /NotoSansJP/);
    const reading = await readSignature(pdf);
    assert.ok(reading.ok);
    assert.match(reading.signer.subject, /CN=会津若松市長/);
    assert.match(reading.signer.issuer, /TEST LGPKI/);
    // The names with rare kanji are drawn with glyphs of the embedded font, and map back to
    // Unicode (so text can be copied and searched): read the font program and the ToUnicode maps.
    const doc = await PDFDocument.load(pdf);
    assert.equal(doc.getTitle(), `受理証明書 ${issued.number}`);
    const streams = [...doc.context.enumerateIndirectObjects()].map(([, o]) => o).filter((o): o is PDFRawStream => o instanceof PDFRawStream);
    const decoded = (s: PDFRawStream) => Buffer.from(decodePDFRawStream(s).decode());
    const descriptor = [...doc.context.enumerateIndirectObjects()].map(([, o]) => o).find((o): o is PDFDict => o instanceof PDFDict && o.has(PDFName.of('FontFile2')));
    const fontFile = descriptor && doc.context.lookup(descriptor.get(PDFName.of('FontFile2')));
    assert.ok(fontFile instanceof PDFRawStream, 'an embedded TrueType font program');
    const font = fontkit.create(decoded(fontFile));
    for (const ch of '山﨑花子髙橋𠮷男受理証明書会津若松市長令和') assert.ok(font.hasGlyphForCodePoint(ch.codePointAt(0)!), `glyph for ${ch}`);
    assert.ok(font.numGlyphs < 1000, `the font is a subset (${font.numGlyphs} glyphs)`);
    const cmaps = streams.map(decoded).map((b) => b.toString('latin1')).filter((t) => t.includes('begincmap')).join('\n');
    for (const hex of ['9AD9', 'FA11', 'D842DFB7']) assert.match(cmaps, new RegExp(`<${hex}>`, 'i'), `ToUnicode maps to U+${hex}`);
    assert.ok(pdf.length < 400_000, `a document is small (${pdf.length} bytes)`);
  });

  it('verify should say altered when one byte of the signed content is changed', async () => {
    const reading = await readSignature(pdf);
    assert.ok(reading.ok);
    const copy = Buffer.from(pdf);
    const at = Math.floor(pdf.indexOf('/ByteRange') / 2);
    copy[at] = copy[at]! ^ 0x01;
    assert.equal((await verifyJson(copy)).body.verdict, 'altered');
    // A byte in the signature's zero padding leaves the signature valid but not the file as issued.
    const padded = Buffer.from(pdf);
    const lastZeros = pdf.lastIndexOf('0000>');
    padded[lastZeros] = '1'.charCodeAt(0);
    assert.equal((await verifyJson(padded)).body.verdict, 'altered');
    // Appending after the signature (an incremental update) is outside the ByteRange.
    assert.equal((await verifyJson(Buffer.concat([pdf, Buffer.from('\n% more\n')]))).body.verdict, 'altered');
  });

  it('verify should say not genuine when the signer comes from another CA with the same name', async () => {
    const impostor = await createTestCa({ commonName: lgpkiTestCaName });
    const { certificate, keys } = await issueSignerCertificate(impostor, { lgCode: AIZU, municipality: '会津若松市', headTitle: '会津若松市長' });
    const forged = await renderDocument({ municipality: '会津若松市', issuerTitle: '会津若松市長', title: '受理証明書', number: issued.number, issuedAt: new Date(), recipientName: '偽　太郎', statement: '偽物', fields: [], verificationCode: issued.verificationCode, verificationUrl: 'http://localhost/verify' });
    const signed = await signPdf(forged, { lgCode: AIZU, certificate, privateKey: keys.privateKey, fingerprint: await fingerprintOf(certificate) }, { reason: 'x', location: 'x', name: 'x', signingTime: new Date() });
    const { body } = await verifyJson(signed);
    assert.equal(body.verdict, 'not_genuine', body.detail);
    const unsigned = Buffer.from(await (await renderDocument({ municipality: '会津若松市', issuerTitle: '会津若松市長', title: 'x', number: '1', issuedAt: new Date(), recipientName: 'x', statement: 'x', fields: [], verificationCode: 'x', verificationUrl: 'http://x' })).save());
    assert.equal((await verifyJson(unsigned)).body.verdict, 'not_signed');
  });

  it('verify by code should find the document, and a wrong code should say so', async () => {
    const res = await inject({ method: 'GET', url: `/api/v1/document-verifications?code=${encodeURIComponent(issued.verificationCode.toLowerCase().replace(/-/g, ''))}`, headers: { accept: 'application/json' } });
    assert.equal(res.json().verdict, 'genuine');
    const page = await inject({ method: 'GET', url: `/verify?code=${issued.verificationCode}`, headers: { accept: 'text/html' } });
    assert.match(page.body, new RegExp(issued.number));
    const wrong = await inject({ method: 'GET', url: '/api/v1/document-verifications?code=AAAA-BBBB-CCCC', headers: { accept: 'application/json' } });
    assert.equal(wrong.json().verdict, 'unknown_code');
  });

  it('a resident should see and download only their own documents', async () => {
    const list = await inject({ method: 'GET', url: '/account/documents', headers: { cookie: `tsn_session=${hanako.sessionToken}`, accept: 'text/html' } });
    assert.match(list.body, new RegExp(issued.number));
    const other = await inject({ method: 'GET', url: '/account/documents', headers: { cookie: `tsn_session=${taro.sessionToken}`, accept: 'text/html' } });
    assert.doesNotMatch(other.body, new RegExp(issued.number));
    for (const url of [`/account/documents/${issued.id}`, `/account/documents/${issued.id}/pdf`, '/account/documents/not-a-uuid/pdf']) {
      const res = await inject({ method: 'GET', url, headers: { cookie: `tsn_session=${taro.sessionToken}`, accept: 'text/html' } });
      assert.equal(res.statusCode, 404, url);
    }
    const anonymous = await inject({ method: 'GET', url: `/account/documents/${issued.id}/pdf` });
    assert.equal(anonymous.statusCode, 303);
  });

  it('staff should issue only for their own municipality, and only for a resident', async () => {
    assert.equal((await issue(AIZU, koriyama, hanako.accountId)).statusCode, 403, '郡山市 cannot issue as 会津若松市');
    assert.equal((await issue(AIZU, {}, hanako.accountId)).statusCode, 401);
    assert.equal((await issue(AIZU, aizu, '00000000-0000-4000-8000-000000000000')).statusCode, 400);
    const revoke = await inject({ method: 'POST', url: `/api/v1/documents/${AIZU}/${issued.id}/revoke`, headers: { ...koriyama, accept: 'application/json' }, payload: { reason: 'x' } });
    assert.equal(revoke.statusCode, 403);
  });

  it('verify should say revoked once the issuer revokes the document, and the resident is told', async () => {
    const res = await inject({ method: 'POST', url: `/api/v1/documents/${AIZU}/${issued.id}/revoke`, headers: { ...aizu, accept: 'application/json' }, payload: { reason: '記載誤りのため再発行' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await verifyJson(pdf)).body.verdict, 'revoked');
    const page = await upload({ file: new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }) });
    assert.match(page.body, /取り消されています/);
    const notifications = await inject({ method: 'GET', url: '/account/notifications', headers: { cookie: `tsn_session=${hanako.sessionToken}`, accept: 'text/html' } });
    assert.match(notifications.body, /取り消されました/);
  });

  it('bad uploads should get a clear 4xx, never a 500', async () => {
    const text = await upload({ file: new Blob(['hello'], { type: 'application/pdf' }) });
    assert.equal(text.statusCode, 400);
    assert.match(text.body, /PDFファイルではありません/);
    const nothing = await upload({ code: '' });
    assert.equal(nothing.statusCode, 400);
    const big = await upload({ file: new Blob([Buffer.alloc(10 * 1024 * 1024 + 1, 0x20)], { type: 'application/pdf' }) });
    assert.equal(big.statusCode, 413);
    assert.match(big.body, /ファイルが大きすぎます/);
    const apiBig = await verifyJson(Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(10 * 1024 * 1024)]));
    assert.equal(apiBig.status, 413);
    const apiText = await verifyJson(Buffer.from('not a pdf'));
    assert.equal(apiText.status, 400);
    const json = await inject({ method: 'POST', url: '/api/v1/document-verifications', headers: { 'content-type': 'application/json', accept: 'application/json' }, payload: '{}' });
    assert.equal(json.statusCode, 415);
    const garbage = await verifyJson(Buffer.from('%PDF-1.7\n/ByteRange [0 10 20 5]\n<zz>'));
    assert.ok(garbage.status === 200 && !garbage.body.genuine, JSON.stringify(garbage.body));
  });
});
