// Every way a card signature can be refused, with a stable code and a message a resident can act
// on. `kind` tells the caller whose problem it is: the request (resend), the card (the resident
// must do something, often at the municipal office) or the service (revocation data is missing:
// nobody can log in at level A until an operator fixes it, so it must not read as the card's fault).
export type FailureKind = 'request' | 'card' | 'service';

interface FailureDefinition {
  kind: FailureKind;
  ja: string;
  en: string;
}

const definitions = {
  malformed_certificate: {
    kind: 'request',
    ja: 'カードから読み取った証明書を受け取れませんでした。もう一度カードを読み取ってください。',
    en: 'We could not read the certificate sent from your card. Please read your card again.',
  },
  malformed_signature: {
    kind: 'request',
    ja: 'カードで作成した署名を受け取れませんでした。もう一度カードを読み取ってください。',
    en: 'We could not read the signature made by your card. Please read your card again.',
  },
  malformed_challenge: {
    kind: 'request',
    ja: '本人確認の手続きが正しく始まっていません。最初からやり直してください。',
    en: 'The identity check did not start correctly. Please start again from the beginning.',
  },
  untrusted_chain: {
    kind: 'card',
    ja: 'この証明書は、公的個人認証サービス（J-LIS）が発行したものと確認できませんでした。マイナンバーカードの署名用電子証明書をお使いください。',
    en: 'This certificate could not be confirmed as issued by the Japanese Public Key Infrastructure (J-LIS). Please use the signature certificate on your My Number card.',
  },
  not_a_card_certificate: {
    kind: 'card',
    ja: '送られた証明書は、マイナンバーカードの署名用電子証明書ではありません。',
    en: 'The certificate sent is not the signature certificate of a My Number card.',
  },
  wrong_key_usage: {
    kind: 'card',
    ja: 'この証明書は署名用電子証明書ではありません（利用者証明用電子証明書など）。署名用電子証明書のパスワード（英数字6〜16桁）を使って読み取ってください。',
    en: 'This is not a signature certificate (it may be the user-authentication certificate). Please read the card with your signature certificate password (6 to 16 letters and digits).',
  },
  unsupported_key: {
    kind: 'card',
    ja: 'この証明書の鍵の種類には対応していません。マイナンバーカードの署名用電子証明書をお使いください。',
    en: 'This certificate uses a kind of key we do not support. Please use the signature certificate on your My Number card.',
  },
  not_yet_valid: {
    kind: 'card',
    ja: 'この署名用電子証明書は、まだ有効期間が始まっていません。時間をおいてもう一度お試しください。',
    en: 'This signature certificate is not valid yet. Please try again later.',
  },
  expired: {
    kind: 'card',
    ja: 'この署名用電子証明書は有効期限が切れています。お住まいの市区町村の窓口で更新してください。',
    en: 'This signature certificate has expired. Please renew it at your municipal office.',
  },
  revoked: {
    kind: 'card',
    ja: 'この署名用電子証明書は失効しています（住所・氏名の変更やカードの紛失などで失効します）。お住まいの市区町村の窓口で新しい証明書の発行を受けてください。',
    en: 'This signature certificate has been revoked (this happens after a change of address or name, or when a card is reported lost). Please get a new certificate at your municipal office.',
  },
  crl_unavailable: {
    kind: 'service',
    ja: '証明書の失効情報を確認できないため、現在マイナンバーカードでの本人確認を行えません。時間をおいてもう一度お試しください。',
    en: 'We cannot check certificate revocation right now, so identity checks with the My Number card are unavailable. Please try again later.',
  },
  crl_stale: {
    kind: 'service',
    ja: '証明書の失効情報が古いため、現在マイナンバーカードでの本人確認を行えません。時間をおいてもう一度お試しください。',
    en: 'Our certificate revocation information is out of date, so identity checks with the My Number card are unavailable. Please try again later.',
  },
  crl_invalid: {
    kind: 'service',
    ja: '証明書の失効情報を正しく確認できないため、現在マイナンバーカードでの本人確認を行えません。時間をおいてもう一度お試しください。',
    en: 'Our certificate revocation information could not be verified, so identity checks with the My Number card are unavailable. Please try again later.',
  },
  bad_signature: {
    kind: 'card',
    ja: 'カードで作成した署名を確認できませんでした。同じカードでもう一度読み取ってください。',
    en: 'The signature made by your card could not be verified. Please read the same card again.',
  },
  missing_attributes: {
    kind: 'card',
    ja: '証明書から氏名・住所・生年月日・性別を読み取れませんでした。マイナンバーカードの署名用電子証明書をお使いください。',
    en: 'We could not read your name, address, date of birth and sex from the certificate. Please use the signature certificate on your My Number card.',
  },
} satisfies Record<string, FailureDefinition>;

export type JpkiFailureCode = keyof typeof definitions;

export const jpkiFailureCodes = Object.keys(definitions) as JpkiFailureCode[];

export interface JpkiFailure {
  ok: false;
  code: JpkiFailureCode;
  kind: FailureKind;
  message: { ja: string; en: string };
  /** For operators and logs, in English. Never holds personal data (no basic four values). */
  detail: string;
}

export function jpkiFailure(code: JpkiFailureCode, detail: string): JpkiFailure {
  const { kind, ja, en } = definitions[code] as FailureDefinition;
  return { ok: false, code, kind, message: { ja, en }, detail };
}
