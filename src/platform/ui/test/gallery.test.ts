// The component gallery and the example form, through the real app: the gallery lists every
// component, ids are unique, the example form follows the form pattern (422 with the summary
// first and the input kept; 303 on success), and none of it exists in production.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'node-html-parser';
import { createTestApp, type TestApp } from '../../../../test/helpers/test-database.ts';
import { galleryEntries } from '../gallery/gallery-page.tsx';
import { validateExampleForm } from '../gallery/example-form.tsx';
import { csrfTokenOf, form, HTML, keepCookies, titleOf, type CookieJar } from './page-helpers.ts';

const FORM = { ...HTML, 'content-type': 'application/x-www-form-urlencoded' };

describe('component gallery', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ seeded: false });
  });
  after(() => t.close());

  it('GET /dev/components should show every component with unique ids when not in production', async () => {
    const res = await t.app.inject({ url: '/dev/components', headers: HTML });
    assert.equal(res.statusCode, 200);
    const root = parse(res.body);
    for (const entry of galleryEntries) assert.ok(root.querySelector(`#${entry.name}-examples`), entry.name);
    const ids = root.querySelectorAll('[id]').map((e) => e.getAttribute('id')!);
    const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
    assert.deepEqual(duplicates, []);
    // Every summary link and aria reference points at an element on the page.
    for (const link of root.querySelectorAll('.error-summary a')) assert.ok(root.querySelector(link.getAttribute('href')!), link.getAttribute('href'));
    for (const el of root.querySelectorAll('[aria-describedby], [aria-labelledby], [aria-controls]')) {
      for (const attr of ['aria-describedby', 'aria-labelledby', 'aria-controls']) {
        for (const id of (el.getAttribute(attr) ?? '').split(/\s+/).filter(Boolean)) assert.ok(ids.includes(id), `${attr}="${id}"`);
      }
    }
    assert.match(res.body, /<script type="module" src="\/assets\/components\/enhance.js"><\/script>/);
  });

  it('the enhancement scripts should be served as JavaScript and nothing else under /assets/components', async () => {
    for (const url of ['/assets/components/enhance.js', '/assets/components/error-summary/error-summary.js', '/assets/components/date-input/wareki.js']) {
      const res = await t.app.inject(url);
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8', url);
    }
    for (const url of ['/assets/components/ui-text.ts', '/assets/components/date-input/wareki.d.ts', '/assets/components/../layout.tsx', '/assets/components/%2E%2E/render.tsx', '/assets/components/nope.js']) {
      const res = await t.app.inject({ url, headers: { accept: 'application/json' } });
      assert.equal(res.statusCode, 404, url);
    }
  });

  it('POST example form should answer 422 with the summary first in main and the input kept when fields are wrong', async () => {
    const jar: CookieJar = {};
    const page = await t.app.inject({ url: '/dev/components/example-form', headers: HTML });
    keepCookies(jar, page);
    const res = await t.app.inject({
      method: 'POST',
      url: '/dev/components/example-form',
      headers: FORM,
      cookies: jar,
      payload: form({ _csrf: csrfTokenOf(page.body), fullName: '<script>x</script>', 'birthDate-year': '1989', 'birthDate-month': '13', 'birthDate-day': '8' }),
    });
    assert.equal(res.statusCode, 422);
    assert.equal(titleOf(res.body), 'エラー：入力フォームの見本 | つなぐ');
    const main = parse(res.body).querySelector('main')!;
    assert.equal(main.childNodes.filter((n) => n.nodeType === 1)[0]!.toString().startsWith('<div class="error-summary"'), true);
    const links = main.querySelectorAll('.error-summary a').map((a) => [a.getAttribute('href'), a.text]);
    assert.deepEqual(links, [
      ['#birthDate-month', '生年月日を正しく入力してください（例：1990年4月1日）'],
      ['#contact', '連絡方法を選んでください'],
    ]);
    assert.equal(main.querySelector('#fullName')!.getAttribute('value'), '<script>x</script>');
    assert.ok(!res.body.includes('<script>x'), 'what was typed is escaped');
    assert.equal(main.querySelector('#birthDate-month')!.getAttribute('value'), '13');
    assert.equal(main.querySelector('#birthDate-wareki')!.text, '和暦：昭和64年または平成元年');
  });

  it('POST example form should redirect with 303 when everything is right', async () => {
    const jar: CookieJar = {};
    const page = await t.app.inject({ url: '/dev/components/example-form', headers: HTML });
    keepCookies(jar, page);
    const res = await t.app.inject({
      method: 'POST',
      url: '/dev/components/example-form',
      headers: FORM,
      cookies: jar,
      payload: form({ _csrf: csrfTokenOf(page.body), fullName: '福島 花子', 'birthDate-year': '1990', 'birthDate-month': '4', 'birthDate-day': '1', contact: 'phone' }),
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/dev/components/example-form/complete');
    const done = await t.app.inject({ url: '/dev/components/example-form/complete', headers: HTML });
    assert.match(done.body, /<h1 class="panel__title">送信しました（見本）<\/h1>/);
  });

  it('validateExampleForm should ask for the email only when email is the chosen contact', () => {
    const base = { fullName: 'a', 'birthDate-year': '1990', 'birthDate-month': '4', 'birthDate-day': '1' };
    assert.deepEqual(Object.keys(validateExampleForm({ ...base, contact: 'email', contactEmail: '' })), ['contactEmail']);
    assert.deepEqual(Object.keys(validateExampleForm({ ...base, contact: 'email', contactEmail: 'a@b.jp' })), []);
    const future = validateExampleForm({ ...base, 'birthDate-year': '2030', contact: 'none' }, new Date('2026-01-01T00:00:00Z'));
    assert.deepEqual(Object.keys(future), ['birthDate']);
  });
});

describe('component gallery in production', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ seeded: false, config: { production: true } });
  });
  after(() => t.close());

  it('GET /dev/components should be not found when NODE_ENV is production', async () => {
    for (const url of ['/dev/components', '/dev/components/example-form']) {
      const res = await t.app.inject({ url, headers: HTML });
      assert.equal(res.statusCode, 404, url);
    }
  });
});
