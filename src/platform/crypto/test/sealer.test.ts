import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { generateDataKey, Sealer, SealError } from '../sealer.ts';
import { developmentKeyFile, sealerFor } from '../data-keys.ts';
import { loadConfig } from '../../config.ts';

describe('sealing personal data at rest', () => {
  const sealer = new Sealer([generateDataKey('k1')]);

  it('open should give back exactly what was sealed, including JIS X 0213 and MJ kanji', () => {
    const name = '髙橋 﨑 𠮷野家 渡邉';
    const sealed = sealer.seal(name, 'identity_profiles:1');
    assert.ok(!sealed.includes('髙'));
    assert.equal(sealer.open(sealed, 'identity_profiles:1'), name);
    assert.equal(Buffer.compare(Buffer.from(sealer.open(sealed, 'identity_profiles:1')), Buffer.from(name)), 0);
  });

  it('open should refuse a value moved to another record (its context differs)', () => {
    const sealed = sealer.seal('1990-04-01', 'identity_profiles:1');
    assert.throws(() => sealer.open(sealed, 'identity_profiles:2'), SealError);
  });

  it('open should refuse a value whose ciphertext was altered', () => {
    const sealed = sealer.seal('福島市', 'ctx');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    assert.throws(() => sealer.open(parts.join('.'), 'ctx'), /altered/);
  });

  it('a rotated key should still open values sealed under the old key, and seal new ones under the new', () => {
    const old = generateDataKey('k1');
    const sealedOld = new Sealer([old]).seal('old', 'c');
    const rotated = new Sealer([generateDataKey('k2'), old]);
    assert.equal(rotated.open(sealedOld, 'c'), 'old');
    assert.match(rotated.seal('new', 'c'), /^s1\.k2\./);
    assert.throws(() => new Sealer([generateDataKey('k3')]).open(sealedOld, 'c'), /data key "k1"/);
  });

  it('blindIndex should be stable per key and purpose, and differ across purposes and keys', () => {
    const key = generateDataKey();
    const a = new Sealer([key]);
    const b = new Sealer([key]);
    assert.equal(a.blindIndex('a@example.jp', 'email'), b.blindIndex('a@example.jp', 'email'));
    assert.notEqual(a.blindIndex('a@example.jp', 'email'), a.blindIndex('a@example.jp', 'other'));
    assert.notEqual(a.blindIndex('a@example.jp', 'email'), new Sealer([generateDataKey()]).blindIndex('a@example.jp', 'email'));
  });

  it('sealerFor should make a development key once in the data directory and reuse it after a restart', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-key-'));
    try {
      const config = { ...loadConfig({ TSUNAGU_DATA_DIR: dataDir }) };
      const sealed = sealerFor(config).seal('残る', 'c');
      assert.equal(sealerFor(config).open(sealed, 'c'), '残る');
      assert.equal(fs.statSync(developmentKeyFile(dataDir)).mode & 0o777, 0o600);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
