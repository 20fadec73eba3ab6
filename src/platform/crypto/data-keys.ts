// Where the data keys come from: TSUNAGU_DATA_KEY when set (required in production), otherwise
// a key made on the first start and kept in the data directory, so a development installation
// encrypts from day one and still opens its data after a restart. A production key belongs in
// a secret store, not beside the database it protects (docs/operations.md).
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { generateDataKey, parseDataKeys, Sealer, type DataKey } from './sealer.ts';

export function developmentKeyFile(dataDir: string): string {
  return path.join(dataDir, 'secrets', 'data-key');
}

function loadOrCreateDevelopmentKey(dataDir: string): DataKey[] {
  const file = developmentKeyFile(dataDir);
  if (fs.existsSync(file)) return parseDataKeys(fs.readFileSync(file, 'utf8'));
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = generateDataKey('dev1');
  try {
    fs.writeFileSync(file, `${key.id}:${key.key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process made it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return parseDataKeys(fs.readFileSync(file, 'utf8'));
    throw error;
  }
  return [key];
}

export function sealerFor(config: Config): Sealer {
  if (config.dataKeys) return new Sealer(config.dataKeys);
  if (config.production) throw new Error('TSUNAGU_DATA_KEY is required in production');
  return new Sealer(loadOrCreateDevelopmentKey(config.dataDir));
}
