// The procedures module's errors (TSN_PROCEDURES_*), documented in docs/errors.md.
import { defineErrors } from '../platform/errors.ts';

export const ProceduresErrors = defineErrors('PROCEDURES', {
  PROCEDURE_NOT_FOUND: { status: 404, ja: 'この手続は見つかりません', en: 'This procedure was not found' },
  DEPARTMENT_NOT_FOUND: { status: 404, ja: 'この担当課は登録されていません', en: 'This department is not registered' },
  LIFE_EVENT_NOT_FOUND: { status: 404, ja: 'このライフイベントはありません', en: 'There is no such life event' },
  NAVIGATION_NOT_FOUND: { status: 404, ja: 'この市町村には、このライフイベントのナビゲーションがまだありません', en: 'This municipality has no navigation for this life event yet' },
  INVALID_PROCEDURE: { status: 400, ja: '手続の登録内容に誤りがあります', en: 'The procedure has invalid values' },
  INVALID_NAVIGATION: { status: 400, ja: 'ナビゲーションの定義に誤りがあります', en: 'The navigation definition has problems' },
  FORM_NOT_FOUND: { status: 404, ja: 'この申請様式は見つかりません', en: 'This form was not found' },
  FORM_VERSION_NOT_FOUND: { status: 404, ja: 'この申請様式の版は公開されていません', en: 'This form version has not been published' },
  INVALID_FORM: { status: 422, ja: '申請様式の定義に誤りがあるため公開できません', en: 'The form definition has problems and cannot be published' },
  INVALID_FIELD_LIST: { status: 400, ja: '項目一覧の内容に誤りがあります', en: 'The field list has problems' },
  NO_FEE: { status: 409, ja: 'この申請には支払う手数料がありません', en: 'This application has no fee to pay' },
  NOT_PAYABLE: { status: 409, ja: 'この申請の手数料は、いまは支払えません（下書き・取下げ・却下の申請は支払えません）', en: 'The fee of this application cannot be paid now (not for drafts, withdrawn or rejected applications)' },
  PAYMENT_UNAVAILABLE: { status: 503, ja: '手数料の支払いサービスにつながりません。しばらくしてからもう一度お試しください', en: 'The payment service cannot be reached. Please try again later' },
  PAYMENT_NOT_PAID: { status: 409, ja: 'この申請には支払い済みの手数料がないため、返金できません', en: 'This application has no paid fee to refund' },
  WEBHOOK_REJECTED: { status: 400, ja: '決済サービスからの通知として確認できません', en: 'This is not a verifiable notification from the payment provider' },
  FORM_PUBLISHED: { status: 409, ja: '公開した版がある申請様式は削除できません', en: 'A form with published versions cannot be deleted' },
  INVALID_ROUTING: { status: 400, ja: '処理経路の設定に誤りがあります', en: 'The routing has problems' },
  APPLICATION_NOT_FOUND: { status: 404, ja: 'この申請は見つかりません', en: 'This application was not found' },
  NOT_YOUR_STAGE: { status: 403, ja: 'この申請の現在の段階を処理する担当ではありません', en: 'You are not assigned to act on this application at its current stage' },
  ACTION_NOT_ALLOWED: { status: 409, ja: 'この申請は、今の状況ではこの操作ができません', en: 'This action is not possible for the application in its current state' },
  INVALID_DECISION: { status: 400, ja: '処理の内容に誤りがあります', en: 'The decision has problems' },
  STAFF_NOT_FOUND: { status: 404, ja: 'この職員は見つかりません', en: 'This staff member was not found' },
  OUTSIDE_MANDATE: { status: 403, ja: '委任された範囲にない手続のため、代理で申請できません', en: 'This procedure is outside the mandate: a proxy cannot apply for it' },
});
