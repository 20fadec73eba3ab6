// CSV as spreadsheets read it (RFC 4180 quoting, CRLF lines). Text a resident typed may start
// with = + - @, which a spreadsheet would run as a formula: such text is written with a leading
// apostrophe. Numbers are written as they are.
export const BOM = '\uFEFF';

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export const csvRow = (values: unknown[]) => `${values.map(csvCell).join(',')}\r\n`;
