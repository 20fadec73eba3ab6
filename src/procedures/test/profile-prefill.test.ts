// What the shared questions are prefilled with: only what the profile or the card actually holds.
// A profile filled in by the card check alone has a name and an address but no kana or phone; those
// must stay empty and unmarked, not become a lone full-width space marked 「プロフィールから入力」.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SharedField } from '../applications/bulk-application.ts';
import { cardPrefill, profilePrefill } from '../applications/profile-prefill.ts';

const shared = (dictionary: string, key: string) => ({ dictionary, key, field: {} }) as unknown as SharedField;
const FIELDS = [shared('full-name', 'fullName'), shared('full-name-kana', 'fullNameKana'), shared('birth-date', 'birthDate'), shared('address', 'address'), shared('phone', 'phone')];
const EMPTY = { familyName: '', givenName: '', familyNameKana: '', givenNameKana: '', birthDate: '', postalCode: '', addressLine: '', phone: '', household: [] };

describe('prefilling shared answers', () => {
  it('fills and marks only what the profile holds, names exactly as stored', () => {
    const filled = profilePrefill({ ...EMPTY, familyName: '山﨑', givenName: '花子', postalCode: '965-0872', addressLine: '東栄町3-46' }, FIELDS, '福島県会津若松市');
    assert.deepEqual(filled.keys, ['fullName', 'address']);
    assert.deepEqual(filled.values, { fullName: '山﨑　花子', 'address-postcode': '965-0872', 'address-address': '福島県会津若松市東栄町3-46' });
  });

  it('never fills an address that is only the municipality, nor a name from blank parts', () => {
    const filled = profilePrefill({ ...EMPTY, familyName: ' ', givenNameKana: 'ハナコ', postalCode: '965-0872' }, FIELDS, '福島県会津若松市');
    assert.deepEqual(filled.keys, ['fullNameKana']);
    assert.deepEqual(filled.values, { fullNameKana: 'ハナコ' });
  });

  it('takes 氏名, date of birth and address from the card, keeping the profile’s postal code', () => {
    const filled = cardPrefill({ name: '髙橋　𠮷男', dateOfBirth: '1985-04-12', address: '福島県福島市見本町一丁目２番３号', sex: 'male' } as never, FIELDS, '960-8601');
    assert.deepEqual(filled.keys, ['fullName', 'birthDate', 'address']);
    assert.equal(filled.values.fullName, '髙橋　𠮷男');
    assert.deepEqual([filled.values['birthDate-year'], filled.values['birthDate-month'], filled.values['birthDate-day']], ['1985', '4', '12']);
    assert.equal(filled.values['address-postcode'], '960-8601');
  });
});
