import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import '../../modules.ts';
import { allErrorDefinitions } from '../errors.ts';

describe('error registry', () => {
  const definitions = allErrorDefinitions();

  it('every error code should follow TSN_<AREA>_<REASON> and have a 4xx or 5xx status', () => {
    for (const d of definitions) {
      assert.match(d.code, /^TSN_[A-Z]+_[A-Z_]+$/);
      assert.ok(d.status >= 400 && d.status < 600, d.code);
      assert.ok(d.title.ja && d.title.en, d.code);
    }
  });

  it('every error code should be documented in docs/errors.md, and nothing more', () => {
    const doc = fs.readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Set([...doc.matchAll(/`(TSN_[A-Z_]+)`/g)].map((m) => m[1]));
    for (const d of definitions) assert.ok(documented.has(d.code), `${d.code} is missing from docs/errors.md`);
    const codes = new Set(definitions.map((d) => d.code));
    for (const code of documented) assert.ok(codes.has(code!), `docs/errors.md lists ${code}, which no longer exists`);
  });
});
