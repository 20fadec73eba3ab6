// Japanese search without a morphological analyser: residents type 「てんにゅう」, 「テンニュウ」,
// 「ﾃﾝﾆｭｳ」 or 「転入」 and expect the same procedure. Both the stored text (titles, summaries
// and the kana reading) and the query are folded the same way: NFKC (full-width ASCII and
// half-width katakana to their usual forms), lower case, katakana to hiragana, single spaces.
// Kanji are found through the titles, readings through the kana field, and a partial word
// matches because the search is a substring test on the folded text.
const KATAKANA_START = 0x30a1;
const KATAKANA_END = 0x30f6;
const TO_HIRAGANA = 0x60;

export function foldForSearch(input: string): string {
  let out = '';
  for (const char of input.normalize('NFKC').toLowerCase()) {
    const code = char.codePointAt(0)!;
    out += code >= KATAKANA_START && code <= KATAKANA_END ? String.fromCodePoint(code - TO_HIRAGANA) : char;
  }
  return out.replace(/\s+/g, ' ').trim();
}

/** The words of a query, folded; at most 5 words of at most 50 characters (a documented limit). */
export function searchTerms(query: string): string[] {
  return foldForSearch(query.slice(0, 200))
    .split(' ')
    .filter((word) => word.length > 0)
    .slice(0, 5)
    .map((word) => [...word].slice(0, 50).join(''));
}

/** What is stored in procedures_procedures.search_text for a procedure. */
export function searchTextOf(parts: Array<string | null | undefined>): string {
  return parts
    .filter((part): part is string => typeof part === 'string' && part.length > 0)
    .map(foldForSearch)
    .join('\n'); // a query word never holds a newline, so it never spans two fields
}
