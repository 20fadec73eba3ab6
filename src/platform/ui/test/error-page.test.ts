import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../../test/helpers/test-database.ts';
import { AppError, PlatformErrors } from '../../errors.ts';
import { HTML, htmlLang, titleOf } from './page-helpers.ts';

describe('HTML error pages', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    // A route that fails the way a form handler does: a detail plus field problems.
    t.app.get('/__test/problems', async () => {
      const same = { ja: 'コードが短すぎます', en: 'The code is too short' };
      throw new AppError(PlatformErrors.VALIDATION, {
        detail: same,
        problems: [
          { name: 'code', in: 'query', detail: same },
          { name: 'name', in: 'query', detail: { ja: '名前がありません', en: 'The name is missing' } },
        ],
      });
    });
  });
  after(() => t.close());

  it('an unknown path should answer a Japanese 404 page titled 「エラー：」 when the browser accepts HTML', async () => {
    const res = await t.app.inject({ url: '/nope', headers: HTML });
    assert.equal(res.statusCode, 404);
    assert.match(res.headers['content-type'] as string, /^text\/html/);
    assert.equal(htmlLang(res.body), 'ja');
    assert.equal(titleOf(res.body), 'エラー：お探しのページまたはデータは見つかりません | つなぐ');
    assert.match(res.body, /<h1>お探しのページまたはデータは見つかりません<\/h1>/);
    assert.match(res.body, /<a href="\/">トップページへ戻る<\/a>/);
    // The reference number people quote when they call is the request id.
    assert.match(res.body, new RegExp(`<code>${res.headers['x-request-id']}</code>`));
  });

  it('an unknown path should answer an English 404 page when the language cookie says en', async () => {
    const res = await t.app.inject({ url: '/nope', headers: HTML, cookies: { tsn_lang: 'en' } });
    assert.equal(res.statusCode, 404);
    assert.equal(htmlLang(res.body), 'en');
    assert.equal(titleOf(res.body), 'Error: Not found | Tsunagu');
  });

  it('an unknown path should answer problem+json when the client does not accept HTML', async () => {
    const res = await t.app.inject({ url: '/nope', headers: { accept: 'application/json' } });
    assert.equal(res.statusCode, 404);
    assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
  });

  it('the error page should list only the problems that add to the detail when a field problem repeats it', async () => {
    const res = await t.app.inject({ url: '/__test/problems', headers: HTML });
    assert.equal(res.statusCode, 400);
    assert.equal(res.body.split('コードが短すぎます').length - 1, 1, 'the repeated problem is shown once');
    assert.match(res.body, /<li>名前がありません<\/li>/);
  });
});
