// The delivery module's errors (TSN_DELIVERY_*), documented in docs/errors.md.
import { defineErrors } from '../platform/errors.ts';

export const DeliveryErrors = defineErrors('DELIVERY', {
  INVALID_ENDPOINT: { status: 400, ja: '基幹システムの配信先の設定に誤りがあります', en: 'The core-system endpoint has invalid values' },
  ENDPOINT_NOT_FOUND: { status: 404, ja: 'この団体には基幹システムの配信先が設定されていません', en: 'This tenant has no core-system endpoint' },
  DELIVERY_NOT_FOUND: { status: 404, ja: 'この配信は見つかりません', en: 'This delivery was not found' },
  NOT_RETRYABLE: { status: 409, ja: '送信に失敗した配信だけを再送できます', en: 'Only a failed delivery can be sent again' },
});
