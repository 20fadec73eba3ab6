// The GビズID settings: a real issuer needs all three values (https in production); the stand-in
// is on by default only in development and can never be turned on in production.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../../platform/config.ts';

const PRODUCTION = {
  NODE_ENV: 'production',
  TSUNAGU_COOKIE_SECRET: 'x'.repeat(32),
  TSUNAGU_DATA_KEY: Buffer.alloc(32, 1).toString('base64'),
  TSUNAGU_SMTP_URL: 'smtp://mail.example.jp',
};
const REAL = { TSUNAGU_GBIZID_ISSUER: 'https://gbiz-id.go.jp/oauth/', TSUNAGU_GBIZID_CLIENT_ID: 'pref-07', TSUNAGU_GBIZID_CLIENT_SECRET: 'secret-from-the-service-desk' };

describe('GビズID configuration', () => {
  it('loadConfig should turn the stand-in on in development when no issuer is configured', () => {
    const { gbizid } = loadConfig({ PORT: '3000' });
    assert.equal(gbizid.standin, true);
    assert.equal(gbizid.issuer, undefined);
    assert.equal(gbizid.standinPort, 3001);
    assert.equal(gbizid.timeoutSeconds, 10);
  });

  it('loadConfig should offer no GビズID login at all in production without an issuer', () => {
    const { gbizid } = loadConfig(PRODUCTION);
    assert.equal(gbizid.standin, false);
    assert.equal(gbizid.issuer, undefined);
  });

  it('loadConfig should refuse the stand-in in production, naming the variable', () => {
    assert.throws(() => loadConfig({ ...PRODUCTION, TSUNAGU_GBIZID_STANDIN: 'true' }), (e: Error) => e instanceof ConfigError && /TSUNAGU_GBIZID_STANDIN/.test(e.message));
  });

  it('loadConfig should take a real issuer with its client credentials, and then no stand-in', () => {
    const { gbizid } = loadConfig({ ...PRODUCTION, ...REAL, TSUNAGU_GBIZID_TIMEOUT: '5' });
    assert.deepEqual(gbizid, { issuer: 'https://gbiz-id.go.jp/oauth/', clientId: 'pref-07', clientSecret: 'secret-from-the-service-desk', timeoutSeconds: 5, standin: false, standinPort: 3001 });
  });

  it('loadConfig should refuse an incomplete or unsafe issuer configuration', () => {
    assert.throws(() => loadConfig({ TSUNAGU_GBIZID_ISSUER: 'https://gbiz-id.go.jp/oauth/' }), /TSUNAGU_GBIZID_CLIENT_ID and TSUNAGU_GBIZID_CLIENT_SECRET are required/);
    assert.throws(() => loadConfig({ ...REAL, TSUNAGU_GBIZID_ISSUER: 'gbiz-id.go.jp' }), /TSUNAGU_GBIZID_ISSUER must be an absolute URL/);
    assert.throws(() => loadConfig({ ...PRODUCTION, ...REAL, TSUNAGU_GBIZID_ISSUER: 'http://gbiz-id.go.jp/oauth/' }), /https:\/\//);
    assert.throws(() => loadConfig({ ...REAL, TSUNAGU_GBIZID_STANDIN: 'true' }), /exclude each other/);
    assert.throws(() => loadConfig({ ...REAL, TSUNAGU_GBIZID_TIMEOUT: '0' }), /TSUNAGU_GBIZID_TIMEOUT/);
  });
});
