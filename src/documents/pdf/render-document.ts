// Lays out an issued document as an A4 PDF in Japanese. The font is Noto Sans JP (OFL-1.1), the
// TrueType build in the @expo-google-fonts/noto-sans-jp npm package, which covers JIS X 0213 (髙,
// 﨑, 𠮷…). Only the characters a document uses are embedded: HarfBuzz's subsetter (subset-font,
// WebAssembly) cuts the font first and pdf-lib embeds the result whole, so a document is tens of
// kilobytes. Not pdf-lib's own subsetting: @pdf-lib/fontkit dropped most CJK glyphs of this font
// (and wrote CFF subsets of the .otf builds that poppler rejects), as pdftoppm showed.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import QRCode from 'qrcode';
import subsetFont from 'subset-font';
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
let fontCache: { regular: Uint8Array; bold: Uint8Array } | undefined;

/** The font files, read once, from beside the package's entry point. */
export function japaneseFonts(): { regular: Uint8Array; bold: Uint8Array } {
  if (!fontCache) {
    const dir = path.dirname(require.resolve('@expo-google-fonts/noto-sans-jp/package.json'));
    fontCache = {
      regular: fs.readFileSync(path.join(dir, '400Regular', 'NotoSansJP_400Regular.ttf')),
      bold: fs.readFileSync(path.join(dir, '700Bold', 'NotoSansJP_700Bold.ttf')),
    };
  }
  return fontCache;
}

const A4 = [595.28, 841.89] as const;
// The fixed wording, in one place so the font subset is sure to hold its characters.
const fixedText = {
  honorific: '　様',
  signedNote: '（職責署名による電子署名付き / digitally signed by the office holder）',
  verifyHeading: '真正性の確認 / Verify this document',
  codeLabel: '確認コード Verification code: ',
  verifyHowJa: 'このPDFファイルを上記ページに提出すると、発行元と改ざんの有無を確認できます。',
  verifyHowEn: 'Issued . Upload this file there to check who issued it and that it is unaltered.',
  dateJoin: '（）',
};
const margin = 64;
const ink = rgb(0.1, 0.1, 0.1);
const grey = rgb(0.4, 0.4, 0.4);

// Characters map one to one onto glyphs: no ligatures ("fi" came out as one glyph and a gap).
export const noShaping = { liga: false, clig: false, calt: false, rlig: false, kern: false, frac: false, numr: false, dnom: false };

// fontkit guesses the script of each string; for Latin text this font's lookups replace the digits
// with glyphs that pdf-lib spaces as if full width ("3 0 0 0" in pdftoppm output). Laying out every
// string as Han keeps the plain glyphs, which is right for Japanese documents anyway.
export const hanScriptFontkit = {
  create(bytes: Uint8Array, name?: string) {
    const font = fontkit.create(bytes, name);
    // fontkit's layout takes the script as its third argument; @pdf-lib/fontkit's types omit it.
    const layout = font.layout.bind(font) as (text: string, features: unknown, script: string) => ReturnType<typeof font.layout>;
    font.layout = (text: string, features?: Parameters<typeof font.layout>[1]) => layout(text, features, 'hani');
    return font;
  },
} as typeof fontkit;

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
  pdf.registerFontkit(hanScriptFontkit);
  // Every character the page may draw: the content, the fixed wording below and printable ASCII.
  const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
  const used = [ascii, ...Object.values(fixedText), content.municipality, content.issuerTitle, content.title, content.number, warekiDate(content.issuedAt), seirekiDate(content.issuedAt), englishDate(content.issuedAt), content.recipientName, content.statement, content.verificationCode, content.verificationUrl, ...content.fields.flatMap((f) => [f.label, f.value])].join('');
  const fonts = japaneseFonts();
  const regular = await pdf.embedFont(await subsetFont(fonts.regular, used, { targetFormat: 'truetype' }), { subset: false, features: noShaping });
  const bold = await pdf.embedFont(await subsetFont(fonts.bold, used, { targetFormat: 'truetype' }), { subset: false, features: noShaping });
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
  page.drawText(`${content.recipientName}${fixedText.honorific}`, { x: margin, y, size: 14, font: regular, color: ink });
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
  textRight(page, fixedText.signedNote, y, regular, 8.5);

  // The verification box: anyone can check the document on the public page, by file or by code.
  const qr = await QRCode.toBuffer(`${content.verificationUrl}?code=${encodeURIComponent(content.verificationCode)}`, { type: 'png', margin: 1, width: 240, errorCorrectionLevel: 'M' });
  const image = await pdf.embedPng(qr);
  const boxTop = margin + 110;
  page.drawRectangle({ x: margin, y: margin, width, height: 110, borderColor: grey, borderWidth: 0.75 });
  page.drawImage(image, { x: margin + 10, y: margin + 10, width: 90, height: 90 });
  const tx = margin + 115;
  page.drawText(fixedText.verifyHeading, { x: tx, y: boxTop - 22, size: 11, font: bold, color: ink });
  page.drawText(`${fixedText.codeLabel}${content.verificationCode}`, { x: tx, y: boxTop - 44, size: 10.5, font: regular, color: ink });
  page.drawText(content.verificationUrl, { x: tx, y: boxTop - 62, size: 10, font: regular, color: ink });
  page.drawText(fixedText.verifyHowJa, { x: tx, y: boxTop - 82, size: 8.5, font: regular, color: grey });
  page.drawText(`Issued ${englishDate(content.issuedAt)}. Upload this file there to check who issued it and that it is unaltered.`, { x: tx, y: boxTop - 96, size: 7, font: regular, color: grey });
  return pdf;
}
