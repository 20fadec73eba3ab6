import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../../test/helpers/test-database.ts';
import { csrfTokenOf, form, HTML, htmlClass, htmlLang, keepCookies, titleOf, type CookieJar } from './page-helpers.ts';

const FORM = { ...HTML, 'content-type': 'application/x-www-form-urlencoded' };

describe('display and language preferences', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('the language switch should make the next pages English when lang=en is chosen', async () => {
    const jar: CookieJar = {};
    const res = await t.app.inject({ url: '/preferences/language?lang=en&return=/', headers: HTML });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/');
    keepCookies(jar, res);
    assert.equal(jar.tsn_lang, 'en');
    const setCookie = String(res.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    const home = await t.app.inject({ url: '/', headers: HTML, cookies: jar });
    assert.equal(htmlLang(home.body), 'en');
    assert.match(home.body, /Koriyama City/);
    assert.equal(titleOf(home.body), 'Municipalities in the prefecture | Tsunagu');
  });

  it('the language switch should return to the page it was used on when return is a local path', async () => {
    const res = await t.app.inject({ url: '/preferences/language?lang=ja&return=%2Fmunicipalities%2F072036', headers: HTML });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/municipalities/072036');
  });

  it('the language switch should redirect to / when return points to another site', async () => {
    for (const target of ['//evil.example', '//evil.example/path', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const res = await t.app.inject({ url: `/preferences/language?lang=en&return=${encodeURIComponent(target)}`, headers: HTML });
      assert.equal(res.statusCode, 303, target);
      assert.equal(res.headers.location, '/', target);
    }
  });

  it('the language switch should keep the language when lang is not one we offer', async () => {
    const res = await t.app.inject({ url: '/preferences/language?lang=fr&return=/', headers: HTML });
    assert.equal(res.statusCode, 303);
    assert.equal(res.cookies.length, 0);
  });

  it('POST /preferences should answer a 403 page when the form has no CSRF token', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/preferences', headers: FORM, payload: form({ textSize: 'x-large', return: '/' }) });
    assert.equal(res.statusCode, 403);
    assert.match(res.headers['content-type'] as string, /^text\/html/);
    assert.match(titleOf(res.body) ?? '', /^エラー：/);
    assert.ok(!res.cookies.some((c: { name: string }) => c.name === 'tsn_text'), 'no preference is saved');
  });

  it('POST /preferences should save x-large text and redirect back when the CSRF token is valid', async () => {
    const jar: CookieJar = {};
    const page = await t.app.inject({ url: '/preferences', headers: HTML });
    assert.equal(page.statusCode, 200);
    keepCookies(jar, page);
    assert.ok(jar._csrf, 'the page sets the CSRF secret cookie');
    const token = csrfTokenOf(page.body);

    const res = await t.app.inject({
      method: 'POST',
      url: '/preferences',
      headers: FORM,
      cookies: jar,
      payload: form({ _csrf: token, textSize: 'x-large', return: '/municipalities/072036' }),
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/municipalities/072036');
    keepCookies(jar, res);
    assert.equal(jar.tsn_text, 'x-large');

    const next = await t.app.inject({ url: '/municipalities/072036', headers: HTML, cookies: jar });
    assert.ok(htmlClass(next.body).includes('text-x-large'));
    assert.match(next.body, /<button type="submit" name="textSize" value="x-large" aria-pressed="true">特大<\/button>/);
  });

  it('POST /preferences should save high contrast from the preferences page form when it is a first visit', async () => {
    const jar: CookieJar = {};
    const page = await t.app.inject({ url: '/preferences', headers: HTML });
    keepCookies(jar, page);
    // The preferences page's own form is the second one on the page (the header's is first). On
    // a first visit both must carry a token for the one secret cookie the page sets.
    const tokens = [...page.body.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(tokens.length, 2);
    assert.equal(page.cookies.filter((c: { name: string }) => c.name === '_csrf').length, 1, 'one CSRF secret per page');
    const res = await t.app.inject({
      method: 'POST',
      url: '/preferences',
      headers: FORM,
      cookies: jar,
      payload: form({ _csrf: tokens[1]!, textSize: 'standard', contrast: 'high', return: '/preferences' }),
    });
    assert.equal(res.statusCode, 303);
    keepCookies(jar, res);
    const after = await t.app.inject({ url: '/preferences', headers: HTML, cookies: jar });
    assert.ok(htmlClass(after.body).includes('contrast-high'));
    assert.match(after.body, /<input [^>]*name="contrast" type="radio" value="high" checked/);
  });

  it('POST /preferences should ignore values it does not offer when the token is valid', async () => {
    const jar: CookieJar = {};
    const page = await t.app.inject({ url: '/preferences', headers: HTML });
    keepCookies(jar, page);
    const res = await t.app.inject({
      method: 'POST',
      url: '/preferences',
      headers: FORM,
      cookies: jar,
      payload: form({ _csrf: csrfTokenOf(page.body), textSize: 'gigantic', return: '//evil.example' }),
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/');
    assert.ok(!res.cookies.some((c: { name: string }) => c.name === 'tsn_text'));
  });

  it('a page should ignore a preference cookie with an unknown value when rendering', async () => {
    const res = await t.app.inject({ url: '/', headers: HTML, cookies: { tsn_text: '"><script>', tsn_contrast: 'neon', tsn_lang: 'xx' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(htmlClass(res.body), ['text-standard', 'contrast-standard']);
    assert.equal(htmlLang(res.body), 'ja');
  });
});
