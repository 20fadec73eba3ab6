// The procedures module's errors (TSN_PROCEDURES_*), documented in docs/errors.md.
import { defineErrors } from '../platform/errors.ts';

export const ProceduresErrors = defineErrors('PROCEDURES', {
  PROCEDURE_NOT_FOUND: { status: 404, ja: 'この手続は見つかりません', en: 'This procedure was not found' },
  DEPARTMENT_NOT_FOUND: { status: 404, ja: 'この担当課は登録されていません', en: 'This department is not registered' },
  LIFE_EVENT_NOT_FOUND: { status: 404, ja: 'このライフイベントはありません', en: 'There is no such life event' },
  NAVIGATION_NOT_FOUND: { status: 404, ja: 'この市町村には、このライフイベントのナビゲーションがまだありません', en: 'This municipality has no navigation for this life event yet' },
  INVALID_PROCEDURE: { status: 400, ja: '手続の登録内容に誤りがあります', en: 'The procedure has invalid values' },
  INVALID_NAVIGATION: { status: 400, ja: 'ナビゲーションの定義に誤りがあります', en: 'The navigation definition has problems' },
});
