// The identity module's errors (TSN_IDENTITY_*), documented in docs/errors.md.
import { defineErrors } from '../platform/errors.ts';

export const IdentityErrors = defineErrors('IDENTITY', {
  LOGIN_REQUEST_EXPIRED: {
    status: 400,
    ja: 'ログインの手続きの有効期限が切れました。利用していたサービスに戻って、もう一度お試しください',
    en: 'This login request has expired. Go back to the service you were using and try again',
  },
  CLIENT_NOT_FOUND: { status: 404, ja: 'このサービスは登録されていません', en: 'This service is not registered' },
  INVALID_CLIENT: { status: 400, ja: 'サービスの登録内容に誤りがあります', en: 'The service registration has invalid values' },
  OIDC_REQUEST_REFUSED: { status: 400, ja: 'サービスからのログイン要求を受け付けられませんでした', en: 'The login request from the service was refused' },
});
