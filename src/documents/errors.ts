// The documents module's errors (TSN_DOCUMENTS_*), documented in docs/errors.md.
import { defineErrors } from '../platform/errors.ts';

export const DocumentsErrors = defineErrors('DOCUMENTS', {
  NOT_FOUND: { status: 404, ja: 'この発行文書は見つかりません', en: 'This issued document was not found' },
  UNKNOWN_TENANT: { status: 404, ja: 'この団体コードの自治体はありません', en: 'There is no local government with this code' },
  UNKNOWN_RECIPIENT: { status: 400, ja: '宛先の住民アカウントが見つかりません', en: 'The recipient is not a resident account' },
  RECIPIENT_NAME_REQUIRED: { status: 400, ja: '宛名（recipientName）を指定してください。この住民はマイナンバーカードで本人確認をしていません', en: 'Give recipientName: this resident has not verified their name with a My Number card' },
  BUSY: { status: 503, ja: '発行が混み合っています。しばらくしてからやり直してください', en: 'Too many documents are being issued at once; try again shortly' },
  NOT_A_PDF: { status: 400, ja: 'PDFファイルを選んでください', en: 'Choose a PDF file' },
  FILE_TOO_LARGE: { status: 413, ja: 'ファイルが大きすぎます（10 MB まで）', en: 'The file is too large (10 MB at most)' },
  NO_INPUT: { status: 400, ja: 'PDFファイルか確認コードのどちらかを指定してください', en: 'Give a PDF file or a verification code' },
});
