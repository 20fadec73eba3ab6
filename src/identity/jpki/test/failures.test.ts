// The failure codes are an interface: stable, messaged in both languages, documented.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { jpkiFailure, jpkiFailureCodes } from '../failures.ts';

describe('JPKI failure codes', () => {
  it('every failure code should have a Japanese and an English message and a kind', () => {
    for (const code of jpkiFailureCodes) {
      const failure = jpkiFailure(code, 'detail');
      assert.equal(failure.ok, false);
      assert.match(failure.message.ja, /[\u3040-\u30ff\u4e00-\u9fff]/, code);
      assert.match(failure.message.en, /^[\x20-\x7e\u2014]+$/, code);
      assert.ok(['request', 'card', 'service'].includes(failure.kind), code);
    }
    assert.equal(new Set(jpkiFailureCodes).size, jpkiFailureCodes.length);
  });

  it('every failure code should be documented in docs/identity-jpki.md, and nothing more', () => {
    const doc = fs.readFileSync(new URL('../../../../docs/identity-jpki.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('## Failure codes'));
    const documented = new Set([...table.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]));
    for (const code of jpkiFailureCodes) assert.ok(documented.has(code), `${code} is missing from docs/identity-jpki.md`);
    for (const code of documented) assert.ok(jpkiFailureCodes.includes(code as never), `docs list ${code}, which does not exist`);
  });
});
