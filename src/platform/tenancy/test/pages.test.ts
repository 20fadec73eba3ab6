import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../../test/helpers/test-database.ts';
import { HTML, htmlLang, titleOf } from '../../ui/test/page-helpers.ts';

function zoneHeadings(html: string): string[] {
  return [...html.matchAll(/<section class="zone"[^>]*><h3[^>]*>([^<]+)/g)].map((m) => m[1]!);
}

function municipalityLinks(html: string): Array<{ code: string; name: string }> {
  return [...html.matchAll(/<a href="\/municipalities\/(\d{6})">([^<]+)<\/a>/g)].map((m) => ({ code: m[1]!, name: m[2]! }));
}

describe('tenancy pages', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('the home page should list the 7 living zones and 59 municipalities in Japanese when no language is chosen', async () => {
    const res = await t.app.inject({ url: '/', headers: HTML });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/html/);
    const html = res.body;
    assert.equal(htmlLang(html), 'ja');
    assert.equal(titleOf(html), '県内の市町村 | つなぐ');
    assert.deepEqual(zoneHeadings(html), ['県北', '県中', '県南', '会津', '南会津', '相双', 'いわき']);
    assert.match(html, /いわき<span class="count">1団体<\/span>/);
    const links = municipalityLinks(html);
    assert.equal(links.length, 59);
    assert.equal(new Set(links.map((l) => l.code)).size, 59);
    assert.ok(links.some((l) => l.code === '072036' && l.name === '郡山市'));
    assert.ok(links.some((l) => l.code === '072028' && l.name === '会津若松市'));
    // Every name is in Japanese (kanji or kana), not romanised.
    for (const link of links) assert.match(link.name, /[\u3040-\u30ff\u4e00-\u9fff]/, link.name);
  });

  it('the home page should offer a skip link to the main content and an English switch when shown in Japanese', async () => {
    const html = (await t.app.inject({ url: '/', headers: HTML })).body;
    assert.match(html, /<a class="skip-link" href="#main">本文へ移動<\/a>/);
    assert.match(html, /<main id="main"/);
    assert.match(html, /href="\/preferences\/language\?lang=en&amp;return=%2F"[^>]*lang="en"[^>]*>English<\/a>/);
  });

  it('the home page should be in English when the language cookie says en', async () => {
    const res = await t.app.inject({ url: '/', headers: HTML, cookies: { tsn_lang: 'en' } });
    assert.equal(htmlLang(res.body), 'en');
    assert.ok(municipalityLinks(res.body).some((l) => l.code === '072036' && l.name === 'Koriyama City'));
    assert.match(res.body, />日本語<\/a>/);
    assert.match(res.body, /Iwaki<span class="count">1 municipality<\/span>/);
    assert.match(res.body, /Kenchu<span class="count">12 municipalities<\/span>/);
  });

  it('a municipality page should show its names, code, prefecture and zone when the code is a tenant', async () => {
    const res = await t.app.inject({ url: '/municipalities/072036', headers: HTML });
    assert.equal(res.statusCode, 200);
    assert.equal(titleOf(res.body), '郡山市 | つなぐ');
    assert.match(res.body, /<h1>郡山市<span class="subtitle" lang="en">Koriyama City<\/span><\/h1>/);
    assert.match(res.body, /<dd>072036<\/dd>/);
    assert.match(res.body, /<dd>福島県<\/dd>/);
    assert.match(res.body, /<dd>県中<\/dd>/);
    assert.match(res.body, /<li aria-current="page">郡山市<\/li>/);
  });

  it('a municipality page should answer 400 with a page explaining the check digit when the 6th digit is wrong', async () => {
    const res = await t.app.inject({ url: '/municipalities/072037', headers: HTML });
    assert.equal(res.statusCode, 400);
    assert.match(res.headers['content-type'] as string, /^text\/html/);
    assert.equal(titleOf(res.body), 'エラー：地方公共団体コードが正しくありません | つなぐ');
    assert.match(res.body, /「072037」は検査数字（6桁目）が正しくありません/);
    assert.match(res.body, /6桁目は入力の誤りを見つけるための検査数字/);
    // The first five digits are Koriyama's, so the page offers it.
    assert.match(res.body, /<a href="\/municipalities\/072036">郡山市（072036）<\/a>/);
  });

  it('a municipality page should explain the check digit in English when the language cookie says en', async () => {
    const res = await t.app.inject({ url: '/municipalities/072037', headers: HTML, cookies: { tsn_lang: 'en' } });
    assert.equal(res.statusCode, 400);
    assert.equal(htmlLang(res.body), 'en');
    assert.match(res.body, /the sixth is a check digit/);
    assert.match(res.body, />Koriyama City \(072036\)<\/a>/);
  });

  it('a municipality page should answer 400 without a suggestion when the code is not six digits', async () => {
    const res = await t.app.inject({ url: '/municipalities/0720', headers: HTML });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /6桁の地方公共団体コードではありません/);
    assert.doesNotMatch(res.body, /こちらではありませんか/);
  });

  it('a municipality page should answer problem+json when the client does not accept HTML', async () => {
    const res = await t.app.inject({ url: '/municipalities/072037', headers: { accept: 'application/json' } });
    assert.equal(res.statusCode, 400);
    assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal(res.json().code, 'TSN_TENANCY_INVALID_LG_CODE');
  });

  it('a municipality page should answer a 404 page when a valid code is not a tenant here', async () => {
    const res = await t.app.inject({ url: '/municipalities/131016', headers: HTML });
    assert.equal(res.statusCode, 404);
    assert.equal(titleOf(res.body), 'エラー：この地方公共団体はここに登録されていません | つなぐ');
  });
});
