// Shared by the workflow tests: a submitted bulk application as submit-application.ts leaves it
// (receipt numbers, normalised answers, each application at the first stage of its routing),
// without walking the resident's pages again (the bulk application tests do that).
import assert from 'node:assert/strict';
import type { TestApp } from '../../../test/helpers/test-database.ts';
import { todayInJapanIso } from '../../platform/i18n/dates.ts';
import { ApplicationStore, nextReceiptNumber } from '../applications/application-store.ts';
import { findProcedure } from '../catalog/catalog-store.ts';
import { proceduresDb } from '../db/schema.ts';
import { validateAnswers } from '../forms/answer-engine.ts';
import { findVersion } from '../forms/form-store.ts';
import { enterWorkflow } from '../workflow/work-store.ts';

/** Answers that fill the demo forms of 出生連絡票 and 自動車税の住所変更. */
export const ANSWERS: Record<string, string> = {
  fullName: '會津 花子', fullNameKana: 'アイヅ ハナコ', 'birthDate-year': '1990', 'birthDate-month': '4', 'birthDate-day': '1',
  'address-postcode': '965-0872', 'address-address': '福島県会津若松市東栄町3-46', phone: '0242391111', email: 'hanako@example.jp',
  'previousAddress-postcode': '100-0001', 'previousAddress-address': '東京都千代田区千代田1-1', plate: '会津 300 あ 12-34', declaration: 'yes',
  'babyBirthDate-year': '2026', 'babyBirthDate-month': '11', 'babyBirthDate-day': '20', birthWeight: '3012', visitWish: 'no',
};

/** Submits one bulk application of `accountId` for `procedures` ("lgCode/code"); the applications' keys "lgCode/id". */
export async function submitApplications(app: TestApp, accountId: string, procedures: string[], answers = ANSWERS): Promise<string[]> {
  const db = proceduresDb(app.ctx.db);
  const store = new ApplicationStore(app.ctx.sealer);
  const today = todayInJapanIso();
  const list = await Promise.all(procedures.map(async (p) => {
    const [lgCode, code] = p.split('/') as [string, string];
    return { lgCode, code, formVersionId: (await findProcedure(db, lgCode, code))!.formVersionId!, own: answers };
  }));
  const bulkId = await store.createBulk(db, { lgCode: '072028', applicant: { accountId, proxyAccountId: null, mandateId: null }, lifeEventCode: null, practice: false, procedures: list });
  const bulk = (await store.findBulk(db, bulkId, accountId))!;
  const keys = [];
  for (const a of bulk.applications) {
    const definition = (await findVersion(db, a.lgCode, { id: a.formVersionId }))!.definition;
    const checked = validateAnswers(definition, answers, { today });
    assert.deepEqual(checked.errors, {}, `${a.procedureCode} answers`);
    await store.transition(db, a, 'draft', 'submitted', `account:${accountId}`, { receiptNumber: await nextReceiptNumber(db, a, today), own: { values: answers, answers: checked.values } });
    await enterWorkflow(db, a, today);
    keys.push(`${a.lgCode}/${a.id}`);
  }
  await db.updateTable('procedures_bulk_applications').set({ status: 'submitted' }).where('id', '=', bulkId).execute();
  return keys;
}
