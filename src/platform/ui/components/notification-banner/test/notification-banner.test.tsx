import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { NotificationBanner } from '../notification-banner.tsx';

describe('NotificationBanner', () => {
  it('NotificationBanner should be a region named by its title when it is information', () => {
    const root = renderDom(<NotificationBanner>保守のお知らせ</NotificationBanner>);
    const banner = one(root, '.notification-banner');
    assert.equal(banner.getAttribute('role'), 'region');
    const title = one(root, `#${banner.getAttribute('aria-labelledby')}`);
    assert.equal(title.tagName, 'H2');
    assert.equal(title.text, 'お知らせ');
    assert.equal(banner.hasAttribute('data-module'), false, 'information does not steal focus');
  });

  it('NotificationBanner should be an alert that takes focus when it reports success', () => {
    const root = renderDom(
      <NotificationBanner type="success" id="saved">
        保存しました
      </NotificationBanner>,
      'en',
    );
    const banner = one(root, '#saved');
    assert.equal(banner.getAttribute('role'), 'alert');
    assert.equal(banner.getAttribute('data-module'), 'notification-banner');
    assert.equal(one(root, '#saved-title').text, 'Success');
  });
});
