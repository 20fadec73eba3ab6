// How the app reads a record it did not write: the gateway's answer may lack items (not consented)
// or carry odd shapes, and the "coming up" list must pick each series' latest dose.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRecord, todayInJapan, upcoming } from '../service/record-view.ts';
import { recordsPage } from '../service/pages.tsx';
import { loadResidents } from '../providers/provider-data.ts';
import { problemCode } from '../service/city-os-client.ts';

const hanako = loadResidents('maternal-child-health').find((r) => r.residentId === '0720280001234')!;

describe('record view of the child-rearing app', () => {
  it('upcoming should list only what is still ahead, one per check-up series and per vaccine, soonest first', () => {
    const next = upcoming(readRecord(hanako.record), '2026-12-03');
    assert.deepEqual(
      next.map((u) => [u.date, u.kind, u.label]),
      [
        ['2027-01-19', 'vaccination', '五種混合（DPT-IPV-Hib）'],
        ['2027-03-18', 'checkup', '9〜10か月児健康診査（医療機関）'],
        ['2027-03-28', 'vaccination', '水痘'],
        ['2031-04-01', 'vaccination', '麻しん風しん混合（MR）第1期'],
      ],
    );
    assert.deepEqual(upcoming(readRecord(hanako.record), '2031-04-02'), []);
  });

  it('readRecord should tell a missing item (null) from an empty one, and survive odd shapes', () => {
    const view = readRecord({ checkups: [], vaccinations: [null, 3, 'x', { vaccine: 7, dose: '2', date: '2026-01-01', nextDue: 'soon' }] });
    assert.deepEqual(view.checkups, []);
    assert.equal(view.growth, null);
    assert.deepEqual(view.vaccinations, [{ child: '', date: '2026-01-01', vaccine: '7', dose: null, nextDue: null }]);
  });

  it('the records page should say which items were not shared and escape what the record holds', () => {
    const html = recordsPage({ lang: 'ja', path: '/records', csrf: 't', signedIn: true }, { checkups: [{ date: '2026-01-01', name: '<script>alert(1)</script>' }] }, null, '2026-12-03');
    assert.ok(!html.includes('<script>'));
    assert.match(html, /&lt;script>/);
    assert.equal(html.match(/この項目は共有されていません。/g)?.length, 2, 'vaccinations and growth');
    assert.doesNotMatch(html, /同意ID:/, 'no consent id, no line');
  });

  it('todayInJapan should turn over at midnight in Japan, not in UTC', () => {
    assert.equal(todayInJapan(new Date('2026-12-02T14:59:59Z')), '2026-12-02');
    assert.equal(todayInJapan(new Date('2026-12-02T15:00:00Z')), '2026-12-03');
  });

  it('problemCode should read the reason with or without the City OS area prefix', () => {
    assert.equal(problemCode({ code: 'CONSENT_REQUIRED', type: '/problems/consent-required' }), 'CONSENT_REQUIRED');
    assert.equal(problemCode({ code: 'TSN_GATEWAY_CONSENT_REQUIRED', type: '/problems/gateway-consent-required' }), 'CONSENT_REQUIRED');
    assert.equal(problemCode({ type: 'https://city.example.jp/problems/gateway-service-suspended' }), 'SERVICE_SUSPENDED');
    assert.equal(problemCode({ code: 'TSN_OPTIN_NOT_A_SERVICE' }), 'TSN_OPTIN_NOT_A_SERVICE', 'an unknown code is kept as it is');
    assert.equal(problemCode({}), null);
  });
});
