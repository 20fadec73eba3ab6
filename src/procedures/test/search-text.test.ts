// Folding for search: what a resident types and what is stored meet in one form.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldForSearch, searchTerms } from '../catalog/search-text.ts';

describe('search text folding', () => {
  it('foldForSearch should make hiragana, katakana and half-width katakana the same', () => {
    assert.equal(foldForSearch('テンニュウ'), 'てんにゅう');
    assert.equal(foldForSearch('ﾃﾝﾆｭｳ'), 'てんにゅう');
    assert.equal(foldForSearch('ｶﾞｸ'), 'がく', 'a separate half-width voiced mark joins its kana');
    assert.equal(foldForSearch('ＢＩＲＴＨ　Ｒｅｇ'), 'birth reg', 'full-width letters and space');
    assert.equal(foldForSearch('転入届'), '転入届', 'kanji are kept');
  });

  it('searchTerms should split on any space and keep within the documented limits', () => {
    assert.deepEqual(searchTerms(' 転入　てんにゅう '), ['転入', 'てんにゅう']);
    assert.deepEqual(searchTerms('a b c d e f g'), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(searchTerms('あ'.repeat(300))[0]!.length, 50);
    assert.deepEqual(searchTerms('   '), []);
  });
});
