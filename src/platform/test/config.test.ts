import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config.ts';

describe('configuration', () => {
  it('loadConfig should give working defaults when nothing is set', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.databaseUrl, undefined);
    assert.match(config.dataDir, /\/data$/);
    assert.equal(config.demoData, true);
    assert.equal(config.bodyLimit, 1_048_576);
  });

  it('loadConfig should name the variable when a value is wrong', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), (e: Error) => e instanceof ConfigError && /PORT/.test(e.message));
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
    assert.throws(() => loadConfig({ TSUNAGU_DEMO_DATA: 'maybe' }), /TSUNAGU_DEMO_DATA/);
    assert.throws(() => loadConfig({ TSUNAGU_COOKIE_SECRET: 'short' }), /TSUNAGU_COOKIE_SECRET/);
  });

  it('loadConfig should require a cookie secret and secure cookies in production', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /TSUNAGU_COOKIE_SECRET is required/);
    const config = loadConfig({ NODE_ENV: 'production', TSUNAGU_COOKIE_SECRET: 'x'.repeat(32) });
    assert.equal(config.secureCookies, true);
  });
});
