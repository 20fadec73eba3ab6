import { defineErrors } from '../errors.ts';

export const TenancyErrors = defineErrors('TENANCY', {
  INVALID_LG_CODE: { status: 400, ja: '地方公共団体コードが正しくありません', en: 'The local government code is not valid' },
  NOT_FOUND: { status: 404, ja: 'この地方公共団体はここに登録されていません', en: 'This local government is not a tenant here' },
});
