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
    assert.equal(config.dbPoolSize, 10);
    assert.equal(loadConfig({ TSUNAGU_DB_POOL_SIZE: '32' }).dbPoolSize, 32);
  });

  it('loadConfig should name the variable when a value is wrong', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), (e: Error) => e instanceof ConfigError && /PORT/.test(e.message));
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
    assert.throws(() => loadConfig({ TSUNAGU_DEMO_DATA: 'maybe' }), /TSUNAGU_DEMO_DATA/);
    assert.throws(() => loadConfig({ TSUNAGU_COOKIE_SECRET: 'short' }), /TSUNAGU_COOKIE_SECRET/);
    assert.throws(() => loadConfig({ TSUNAGU_DB_POOL_SIZE: '0' }), /TSUNAGU_DB_POOL_SIZE/);
  });

  it('loadConfig should require a cookie secret, a data key, an SMTP server and secure cookies in production', () => {
    const key = Buffer.alloc(32, 1).toString('base64');
    const production = { NODE_ENV: 'production', TSUNAGU_COOKIE_SECRET: 'x'.repeat(32), TSUNAGU_DATA_KEY: key, TSUNAGU_SMTP_URL: 'smtp://mail.example.lg.jp:25' };
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /TSUNAGU_COOKIE_SECRET is required/);
    assert.throws(() => loadConfig({ ...production, TSUNAGU_DATA_KEY: '' }), /TSUNAGU_DATA_KEY is required/);
    assert.throws(() => loadConfig({ ...production, TSUNAGU_SMTP_URL: '' }), /TSUNAGU_SMTP_URL is required/);
    const config = loadConfig(production);
    assert.equal(config.secureCookies, true);
    assert.deepEqual(config.dataKeys?.map((k) => k.id), ['k1']);
  });

  it('loadConfig should refuse a data key that is not 32 bytes, naming the variable', () => {
    assert.throws(() => loadConfig({ TSUNAGU_DATA_KEY: Buffer.alloc(16).toString('base64') }), /TSUNAGU_DATA_KEY: key "k1" must be 32 bytes/);
    assert.throws(() => loadConfig({ TSUNAGU_DATA_KEY: `bad id!:${Buffer.alloc(32).toString('base64')}` }), /TSUNAGU_DATA_KEY: key id/);
    const keys = loadConfig({ TSUNAGU_DATA_KEY: `k2:${Buffer.alloc(32, 2).toString('base64')},k1:${Buffer.alloc(32, 1).toString('base64')}` }).dataKeys;
    assert.deepEqual(keys?.map((k) => k.id), ['k2', 'k1']);
  });
});
