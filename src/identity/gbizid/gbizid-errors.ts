// The GビズID login's errors (TSN_IDENTITY_GBIZID_*, documented in docs/errors.md). Kept beside
// the GビズID code rather than in ../errors.ts so this part of the module stays self-contained;
// the codes share the identity module's prefix.
import { defineErrors } from '../../platform/errors.ts';

export const GbizidErrors = defineErrors('IDENTITY', {
  GBIZID_NOT_OFFERED: {
    status: 503,
    ja: 'この環境ではGビズIDでのログインを利用できません',
    en: 'Logging in with GビズID is not available here',
  },
  GBIZID_UNAVAILABLE: {
    status: 503,
    ja: 'GビズIDに接続できませんでした。しばらくしてからもう一度お試しください',
    en: 'GビズID could not be reached. Please try again later',
  },
  GBIZID_INVALID_RESPONSE: {
    status: 502,
    ja: 'GビズIDからの応答を確認できなかったため、ログインできませんでした',
    en: 'The answer from GビズID could not be verified, so you were not logged in',
  },
  GBIZID_CLAIMS_REFUSED: {
    status: 502,
    ja: 'GビズIDから受け取った事業者の情報に誤りがあるため、ログインできませんでした',
    en: 'The business details received from GビズID are not valid, so you were not logged in',
  },
  GBIZID_LOGIN_EXPIRED: {
    status: 400,
    ja: 'このログインの手続きは使用済みか、有効期限が切れています。もう一度ログインしてください',
    en: 'This login has already been used or has expired. Please log in again',
  },
  GBIZID_ACCOUNT_DISABLED: {
    status: 403,
    ja: 'この事業者アカウントは利用停止されています',
    en: 'This business account has been disabled',
  },
});
