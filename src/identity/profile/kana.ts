// Furigana as residents type it: half-width katakana (ﾀﾅｶ), hiragana (たなか) or full-width
// katakana (タナカ) all become full-width katakana, the form Japanese registers use. Only the
// kana field is normalised; names in kanji are kept exactly as typed (see profile.ts).
const HIRAGANA_START = 0x3041;
const HIRAGANA_END = 0x3096;
const TO_KATAKANA = 0x60;

export function normaliseKana(input: string): string {
  // NFKC turns half-width katakana (and their separate voiced marks) into full-width katakana,
  // and an ideographic space into an ASCII one; then hiragana move to the katakana block.
  const widened = input.normalize('NFKC');
  let out = '';
  for (const char of widened) {
    const code = char.codePointAt(0)!;
    out += code >= HIRAGANA_START && code <= HIRAGANA_END ? String.fromCodePoint(code + TO_KATAKANA) : char;
  }
  return out.replace(/\s+/g, ' ').trim();
}

/** Katakana (with ー, ・, ヽヾ) and single spaces only, after normalising. */
export function isKatakana(value: string): boolean {
  return /^[\u30A1-\u30FA\u30FC-\u30FE・ー]+( [\u30A1-\u30FA\u30FC-\u30FE・ー]+)*$/.test(value);
}
