// The opt-in module's errors (TSN_OPTIN_*, TSN_GATEWAY_*), documented in docs/errors.md.
import { defineErrors } from '../platform/errors.ts';

export const OptinErrors = defineErrors('OPTIN', {
  PROVIDER_NOT_FOUND: { status: 404, ja: 'このデータ提供元は登録されていません', en: 'This data provider is not registered' },
  PROVIDER_EXISTS: { status: 409, ja: 'この ID のデータ提供元はすでに登録されています', en: 'A data provider with this id is already registered' },
  INVALID_PROVIDER: { status: 400, ja: 'データ提供元の登録内容に誤りがあります', en: 'The data provider registration has invalid values' },
  SERVICE_NOT_FOUND: { status: 404, ja: 'このサービスは連携先として登録されていません', en: 'This service is not registered for the gateway' },
  SERVICE_EXISTS: { status: 409, ja: 'この ID またはクライアントのサービスはすでに登録されています', en: 'A service with this id or client is already registered' },
  INVALID_SERVICE: { status: 400, ja: 'サービスの登録内容に誤りがあります', en: 'The service registration has invalid values' },
  SERVICE_STATE: { status: 409, ja: 'サービスの今の状態ではこの操作はできません', en: 'The service is not in a state that allows this' },
  INVALID_CONSENT_REQUEST: { status: 400, ja: '同意の依頼内容に誤りがあります', en: 'The consent request has invalid values' },
  CONSENT_REQUEST_NOT_FOUND: { status: 404, ja: 'この同意の依頼は見つかりません', en: 'This consent request was not found' },
  CONSENT_NOT_FOUND: { status: 404, ja: 'この同意は見つかりません', en: 'This consent was not found' },
  NOT_A_SERVICE: { status: 403, ja: '承認されたサービスのクライアント認証情報で呼び出してください', en: 'Call this with the client-credentials token of an approved service' },
});

export const GatewayErrors = defineErrors('GATEWAY', {
  CONSENT_REQUIRED: { status: 403, ja: '本人の同意がありません。同意の依頼（POST /api/v1/consent-requests）を送ってください', en: 'The resident has not consented to this. Ask for consent with POST /api/v1/consent-requests' },
  SERVICE_SUSPENDED: { status: 403, ja: 'このサービスのデータ連携は停止されています', en: 'This service’s data access is suspended' },
  ITEMS_NOT_REGISTERED: { status: 403, ja: 'このサービスに登録されていないデータ項目です', en: 'These data items are not registered for this service' },
  SUBJECT_MISSING: { status: 400, ja: 'Tsunagu-Subject ヘッダーで本人（OIDC の sub）を指定してください', en: 'Name the resident (their OIDC sub) in the Tsunagu-Subject header' },
  PURPOSE_MISSING: { status: 400, ja: 'Tsunagu-Purpose ヘッダーで利用目的を指定してください', en: 'Name the purpose in the Tsunagu-Purpose header' },
  PROVIDER_SUSPENDED: { status: 503, ja: 'このデータ提供元は現在利用できません', en: 'This data provider is suspended' },
  NO_RECORD: { status: 404, ja: 'データ提供元にこの方の記録がありません', en: 'The data provider holds no record for this resident' },
  NOT_LINKED: { status: 403, ja: 'この方とデータ提供元の記録を結び付けられません（マイナンバーカードでの本人確認が必要です）', en: 'This resident cannot be linked to the provider’s records (the My Number card check is needed)' },
  PROVIDER_ERROR: { status: 502, ja: 'データ提供元が正しく応答しませんでした', en: 'The data provider did not answer correctly' },
  PROVIDER_TIMEOUT: { status: 504, ja: 'データ提供元が時間内に応答しませんでした', en: 'The data provider did not answer in time' },
  METHOD_NOT_FORWARDED: { status: 405, ja: 'ゲートウェイは GET による参照だけを中継します', en: 'The gateway forwards reads (GET) only' },
});
