import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../../test/helpers/test-database.ts';
import { FONT_STYLESHEET } from '../assets-routes.ts';

describe('static assets', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('every page should link the web font, the design tokens and our stylesheet when rendered', async () => {
    const html = (await t.app.inject({ url: '/', headers: { accept: 'text/html' } })).body;
    const links = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
    assert.deepEqual(links, [FONT_STYLESHEET, '/assets/tokens.css', '/assets/app.css', '/assets/components.css']);
    for (const href of links) {
      const res = await t.app.inject(href);
      assert.equal(res.statusCode, 200, href);
      assert.equal(res.headers['content-type'], 'text/css; charset=utf-8', href);
    }
  });

  it('the font stylesheet should declare only weights 400 and 700 from our own URLs when served', async () => {
    const css = (await t.app.inject(FONT_STYLESHEET)).body;
    assert.match(css, /font-family: 'Noto Sans JP'/);
    const weights = new Set([...css.matchAll(/font-weight: (\d+);/g)].map((m) => m[1]));
    assert.deepEqual([...weights].sort(), ['400', '700']);
    const urls = [...css.matchAll(/url\(([^)]+)\)/g)].map((m) => m[1]!);
    assert.ok(urls.length > 100, 'the unicode-range subsets are all there');
    for (const url of urls) assert.match(url, /^\/assets\/fonts\/noto-sans-jp-[a-z0-9-]+-(400|700)-normal\.woff2\?v=[\d.]+$/);
    assert.doesNotMatch(css, /\.woff\)/, 'woff2 only');
    // The subset with the common kana and kanji is there for both weights.
    const res = await t.app.inject(urls.find((u) => u.includes('-400-'))!);
    assert.equal(res.statusCode, 200);
  });

  it('a font file should be served as font/woff2 with a year-long immutable cache when it is listed', async () => {
    const css = (await t.app.inject(FONT_STYLESHEET)).body;
    const url = /url\((\/assets\/fonts\/[^)]+-700-normal\.woff2\?v=[\d.]+)\)/.exec(css)![1]!;
    const res = await t.app.inject(url);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'font/woff2');
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.rawPayload.subarray(0, 4).toString('latin1'), 'wOF2');
  });

  it('the font route should answer 404 when asked for another weight, format or a path outside the package', async () => {
    for (const url of [
      '/assets/fonts/noto-sans-jp-0-500-normal.woff2',
      '/assets/fonts/noto-sans-jp-0-400-normal.woff',
      '/assets/fonts/..%2Fpackage.json',
      '/assets/fonts/%2E%2E%2F%2E%2E%2F%2E%2E%2Fpackage.json',
      '/assets/fonts/..%5C..%5Cpackage.json',
      '/assets/fonts/LICENSE',
      '/assets/..%2F..%2Fpackage.json',
      '/assets/__proto__',
      '/assets/constructor',
    ]) {
      const res = await t.app.inject({ url, headers: { accept: 'application/json' } });
      assert.equal(res.statusCode, 404, url);
      assert.match(res.headers['content-type'] as string, /^application\/problem\+json/, url);
    }
  });

  it('the page stylesheet should be served with a day of cache when requested', async () => {
    const res = await t.app.inject('/assets/app.css');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'public, max-age=86400');
    assert.match(res.body, /\.skip-link/);
  });
});
