// Lays out an issued document as an A4 PDF in Japanese. The font is Noto Sans JP (OFL-1.1), the
// TrueType build in the @expo-google-fonts/noto-sans-jp npm package, which covers JIS X 0213 (髙,
// 﨑, 𠮷…). The whole font is embedded (about 3 MB per document): @pdf-lib/fontkit's subsetter
// drops most CJK glyphs of this font (and writes CFF subsets of the .otf builds that poppler
// rejects), which we saw rendering with pdftoppm. docs/documents.md notes it as work to do.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import QRCode from 'qrcode';
import { englishDate, seirekiDate, warekiDate } from './japanese-dates.ts';

export interface DocumentContent {
  /** e.g. 会津若松市 */
  municipality: string;
  /** The head's title, who issues in the municipality's name: 会津若松市長 */
  issuerTitle: string;
  /** e.g. 受理証明書 */
  title: string;
  number: string;
  issuedAt: Date;
  recipientName: string;
  /** The sentence that says what is certified. */
  statement: string;
  fields: Array<{ label: string; value: string }>;
  verificationCode: string;
  verificationUrl: string;
}

const require = createRequire(import.meta.url);
let fontCache: Uint8Array | undefined;

/** The font files, read once, from beside the package's entry point. */
export function japaneseFont(): Uint8Array {
  if (!fontCache) {
    const dir = path.dirname(require.resolve('@expo-google-fonts/noto-sans-jp/package.json'));
    fontCache = fs.readFileSync(path.join(dir, '400Regular', 'NotoSansJP_400Regular.ttf'));
  }
  return fontCache;
}

const A4 = [595.28, 841.89] as const;
const margin = 64;
const ink = rgb(0.1, 0.1, 0.1);
const grey = rgb(0.4, 0.4, 0.4);

/** Breaks text into lines that fit `width`, character by character (Japanese has no spaces). */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const ch of paragraph) {
      if (line && font.widthOfTextAtSize(line + ch, size) > width) {
        lines.push(line);
        line = '';
      }
      line += ch;
    }
    lines.push(line);
  }
  return lines;
}

function textRight(page: PDFPage, text: string, y: number, font: PDFFont, size: number) {
  page.drawText(text, { x: A4[0] - margin - font.widthOfTextAtSize(text, size), y, size, font, color: ink });
}

/** An unsigned PDF of the document (the signature is added by sign-pdf.ts). */
export async function renderDocument(content: DocumentContent): Promise<PDFDocument> {
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit);
  // One weight only: each embedded weight adds its whole font file.
  const regular = await pdf.embedFont(japaneseFont(), { subset: false });
  const bold = regular;
  pdf.setTitle(`${content.title} ${content.number}`);
  pdf.setAuthor(content.issuerTitle);
  pdf.setCreator('Tsunagu');
  pdf.setLanguage('ja-JP');
  pdf.setCreationDate(content.issuedAt);
  pdf.setModificationDate(content.issuedAt);
  const page = pdf.addPage([...A4]);
  const width = A4[0] - 2 * margin;
  let y = A4[1] - margin;

  textRight(page, `${content.number}`, y, regular, 10.5);
  y -= 16;
  textRight(page, `${warekiDate(content.issuedAt)}（${seirekiDate(content.issuedAt)}）`, y, regular, 10.5);
  y -= 56;
  const titleSize = 22;
  page.drawText(content.title, { x: (A4[0] - bold.widthOfTextAtSize(content.title, titleSize)) / 2, y, size: titleSize, font: bold, color: ink });
  y -= 56;
  page.drawText(`${content.recipientName}　様`, { x: margin, y, size: 14, font: regular, color: ink });
  y -= 40;
  for (const line of wrap(content.statement, regular, 11.5, width)) {
    page.drawText(line, { x: margin, y, size: 11.5, font: regular, color: ink });
    y -= 19;
  }
  y -= 14;
  const labelWidth = 150;
  for (const field of content.fields) {
    const lines = wrap(field.value, regular, 11, width - labelWidth - 12);
    const height = Math.max(1, lines.length) * 17 + 10;
    page.drawRectangle({ x: margin, y: y - height + 14, width, height, borderColor: grey, borderWidth: 0.5 });
    page.drawText(field.label, { x: margin + 8, y: y, size: 11, font: bold, color: ink });
    lines.forEach((line, i) => page.drawText(line, { x: margin + labelWidth, y: y - i * 17, size: 11, font: regular, color: ink }));
    y -= height;
  }
  y -= 40;
  textRight(page, content.issuerTitle, y, bold, 15);
  y -= 18;
  textRight(page, '（職責署名による電子署名付き / digitally signed by the office holder）', y, regular, 8.5);

  // The verification box: anyone can check the document on the public page, by file or by code.
  const qr = await QRCode.toBuffer(`${content.verificationUrl}?code=${encodeURIComponent(content.verificationCode)}`, { type: 'png', margin: 1, width: 240, errorCorrectionLevel: 'M' });
  const image = await pdf.embedPng(qr);
  const boxTop = margin + 110;
  page.drawRectangle({ x: margin, y: margin, width, height: 110, borderColor: grey, borderWidth: 0.75 });
  page.drawImage(image, { x: margin + 10, y: margin + 10, width: 90, height: 90 });
  const tx = margin + 115;
  page.drawText('真正性の確認 / Verify this document', { x: tx, y: boxTop - 22, size: 11, font: bold, color: ink });
  page.drawText(`確認コード Verification code: ${content.verificationCode}`, { x: tx, y: boxTop - 44, size: 10.5, font: regular, color: ink });
  page.drawText(content.verificationUrl, { x: tx, y: boxTop - 62, size: 10, font: regular, color: ink });
  page.drawText('このPDFファイルを上記ページに提出すると、発行元と改ざんの有無を確認できます。', { x: tx, y: boxTop - 82, size: 8.5, font: regular, color: grey });
  page.drawText(`Issued ${englishDate(content.issuedAt)}. Upload this file there to check who issued it and that it is unaltered.`, { x: tx, y: boxTop - 96, size: 7, font: regular, color: grey });
  return pdf;
}
