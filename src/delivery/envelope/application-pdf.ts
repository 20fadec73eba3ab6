// The PDF copy (申請書の写し) that goes with each delivery: what the resident submitted, laid out
// on A4 pages in Japanese with the documents module's font and layout helpers (Noto Sans JP,
// subset to the characters used). It is a printable copy for the core system's staff; the
// signed JSON beside it is the record, and it carries this file's SHA-256.
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import subsetFont from 'subset-font';
import { hanScriptFontkit, japaneseFonts, noShaping, seirekiDate, warekiDate, wrap } from '../../documents/exports.ts';
import type { ApplicationRecord } from '../../procedures/exports.ts';

const A4 = [595.28, 841.89] as const;
const margin = 56;
const ink = rgb(0.1, 0.1, 0.1);
const grey = rgb(0.4, 0.4, 0.4);
const labelWidth = 160;

const JST_TIME = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' });

export interface CopyContent {
  municipality: string;
  record: ApplicationRecord;
  deliveryId: string;
}

const fixed = {
  suffix: '　申請書（写し）',
  receipt: '受付番号',
  submitted: '申請日時',
  department: '担当課',
  form: '申請様式',
  attachments: '添付ファイル',
  none: 'なし',
  note: 'この写しは、つなぐ（共通ポータル）で受け付けた申請の内容を基幹システムへ送信したときに作成したものです。',
  delivery: '配信ID',
  page: 'ページ',
};

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export async function renderApplicationCopy(content: CopyContent): Promise<Uint8Array> {
  const { record } = content;
  const title = `${record.procedure.title.ja}${fixed.suffix}`;
  const submitted = `${warekiDate(record.submittedAt)}（${seirekiDate(record.submittedAt)}）${JST_TIME.format(record.submittedAt)}`;
  const rows: Array<{ label: string; value: string }> = [
    { label: fixed.receipt, value: record.receiptNumber },
    { label: fixed.submitted, value: submitted },
    { label: fixed.department, value: `${content.municipality} ${record.procedure.department.name.ja}` },
    { label: fixed.form, value: `${record.form.code} 第${record.form.version}版` },
    ...record.readable.map((r) => ({ label: r.label, value: r.value })),
    {
      label: fixed.attachments,
      value: record.attachments.length ? record.attachments.map((a) => `${a.filename}（${formatBytes(a.bytes)}）\nSHA-256 ${a.sha256}`).join('\n') : fixed.none,
    },
  ];

  const pdf = await PDFDocument.create();
  pdf.registerFontkit(hanScriptFontkit);
  const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
  const used = [ascii, ...Object.values(fixed), title, content.municipality, content.deliveryId, ...rows.flatMap((r) => [r.label, r.value])].join('');
  const fonts = japaneseFonts();
  const regular = await pdf.embedFont(await subsetFont(fonts.regular, used, { targetFormat: 'truetype' }), { subset: false, features: noShaping });
  const bold = await pdf.embedFont(await subsetFont(fonts.bold, used, { targetFormat: 'truetype' }), { subset: false, features: noShaping });
  pdf.setTitle(`${title} ${record.receiptNumber}`);
  pdf.setAuthor(content.municipality);
  pdf.setCreator('Tsunagu');
  pdf.setLanguage('ja-JP');
  pdf.setCreationDate(record.submittedAt);
  pdf.setModificationDate(record.submittedAt);

  const width = A4[0] - 2 * margin;
  let page: PDFPage = pdf.addPage([...A4]);
  let y = A4[1] - margin;
  const text = (p: PDFPage, s: string, x: number, at: number, size: number, font: PDFFont, color = ink) => p.drawText(s, { x, y: at, size, font, color });

  const titleSize = title.length > 24 ? 15 : 18;
  for (const line of wrap(title, bold, titleSize, width)) {
    text(page, line, margin, y, titleSize, bold);
    y -= titleSize + 8;
  }
  text(page, content.municipality, margin, y, 11, regular, grey);
  y -= 28;

  for (const row of rows) {
    const lines = wrap(row.value, regular, 10.5, width - labelWidth - 12);
    const labelLines = wrap(row.label, bold, 10, labelWidth - 12);
    const height = Math.max(lines.length, labelLines.length) * 15 + 10;
    if (y - height < margin + 40) {
      page = pdf.addPage([...A4]);
      y = A4[1] - margin;
    }
    page.drawRectangle({ x: margin, y: y - height + 13, width, height, borderColor: grey, borderWidth: 0.5 });
    labelLines.forEach((line, i) => text(page, line, margin + 6, y - i * 15, 10, bold));
    lines.forEach((line, i) => text(page, line, margin + labelWidth, y - i * 15, 10.5, regular));
    y -= height;
  }

  const pages = pdf.getPages();
  pages.forEach((p, i) => {
    const footer = wrap(fixed.note, regular, 7.5, width);
    footer.forEach((line, k) => text(p, line, margin, margin - k * 10, 7.5, regular, grey));
    text(p, `${fixed.delivery} ${content.deliveryId}　${i + 1}/${pages.length}${fixed.page}`, margin, margin - footer.length * 10 - 2, 7.5, regular, grey);
  });
  return pdf.save({ useObjectStreams: false });
}
