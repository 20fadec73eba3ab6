// The stand-in's test users: FICTIONAL businesses and people, for development and tests only.
// Corporate numbers use the base numbers 9999…, which no registry office assigns, with check
// digits computed by the NTA rule; one user carries a wrong check digit on purpose, to show that
// Tsunagu refuses what even an issuer says when it cannot be right.
// Claims follow GビズID's names (../gbizid-claims.ts); account_type 1 エントリー, 2 プライム,
// 3 メンバー; corp_type 1 法人, 2 個人事業主.

export interface StandinUser {
  /** GビズID's subject for this user. */
  sub: string;
  /** What the login page says about the user. */
  label: { ja: string; en: string };
  claims: Record<string, string | number>;
}

function corporation(corporateNumber: string, name: string, enName: string, representative: [string, string, string, string]) {
  const [last, first, lastKana, firstKana] = representative;
  return { corp_type: 1, corporate_number: corporateNumber, name, en_name: enName, prefecture_name: '07', rep_last_nm: last, rep_first_nm: first, rep_last_nm_kana: lastKana, rep_first_nm_kana: firstKana };
}

function person(last: string, first: string, lastKana: string, firstKana: string, email: string, department = '') {
  return { user_last_nm: last, user_first_nm: first, user_last_nm_kana: lastKana, user_first_nm_kana: firstKana, user_department: department, email };
}

const ABUKUMA = corporation('7999901000001', '株式会社あぶくま精工', 'Abukuma Seiko Co., Ltd.', ['阿武隈', '太郎', 'アブクマ', 'タロウ']);
const BANDAI = corporation('6999901000002', '合同会社ばんだい観光', 'Bandai Kanko LLC', ['髙橋', '𠮷子', 'タカハシ', 'ヨシコ']);
const SHINOBU = corporation('4999902000003', '有限会社しのぶ食品', 'Shinobu Foods Ltd.', ['信夫', '花子', 'シノブ', 'ハナコ']);
// 4999901000004 is right; 5 is not.
const MISTYPED = corporation('5999901000004', '株式会社いなわしろ電機', 'Inawashiro Denki K.K.', ['猪苗代', '一郎', 'イナワシロ', 'イチロウ']);

export const STANDIN_USERS: StandinUser[] = [
  {
    sub: 'standin-abukuma-prime',
    label: { ja: '株式会社あぶくま精工　代表者（gBizIDプライム）', en: 'Abukuma Seiko — representative (gBizID Prime)' },
    claims: { account_type: 2, ...ABUKUMA, ...person('阿武隈', '太郎', 'アブクマ', 'タロウ', 'taro.abukuma@abukuma-seiko.example') },
  },
  {
    sub: 'standin-abukuma-member',
    label: { ja: '株式会社あぶくま精工　従業員（gBizIDメンバー）', en: 'Abukuma Seiko — employee (gBizID Member)' },
    claims: { account_type: 3, parent_id: 'standin-abukuma-prime', ...ABUKUMA, ...person('安達', '二郎', 'アダチ', 'ジロウ', 'jiro.adachi@abukuma-seiko.example', '総務部') },
  },
  {
    sub: 'standin-bandai-prime',
    label: { ja: '合同会社ばんだい観光　代表者（gBizIDプライム）', en: 'Bandai Kanko — representative (gBizID Prime)' },
    claims: { account_type: 2, ...BANDAI, ...person('髙橋', '𠮷子', 'タカハシ', 'ヨシコ', 'yoshiko.takahashi@bandai-kanko.example') },
  },
  {
    sub: 'standin-bandai-member',
    label: { ja: '合同会社ばんだい観光　従業員（gBizIDメンバー）', en: 'Bandai Kanko — employee (gBizID Member)' },
    claims: { account_type: 3, parent_id: 'standin-bandai-prime', ...BANDAI, ...person('磐梯', '三郎', 'バンダイ', 'サブロウ', 'saburo.bandai@bandai-kanko.example', '営業部') },
  },
  {
    sub: 'standin-shinobu-entry',
    label: { ja: '有限会社しのぶ食品（gBizIDエントリー：本人確認なし）', en: 'Shinobu Foods (gBizID Entry: identity not checked)' },
    claims: { account_type: 1, ...SHINOBU, ...person('信夫', '花子', 'シノブ', 'ハナコ', 'hanako@shinobu-foods.example') },
  },
  {
    sub: 'standin-aizu-sole-proprietor',
    label: { ja: '会津塗 工房あいづ　個人事業主（gBizIDプライム）', en: 'Kobo Aizu lacquerware — sole proprietor (gBizID Prime)' },
    claims: { account_type: 2, corp_type: 2, name: '会津塗 工房あいづ', prefecture_name: '07', rep_last_nm: '会津', rep_first_nm: '四郎', ...person('会津', '四郎', 'アイヅ', 'シロウ', 'shiro@kobo-aizu.example') },
  },
  {
    sub: 'standin-inawashiro-mistyped',
    label: { ja: '株式会社いなわしろ電機　代表者（法人番号の検査用数字が誤り：拒否されることの確認用）', en: 'Inawashiro Denki — representative (corporate number with a wrong check digit: to see it refused)' },
    claims: { account_type: 2, ...MISTYPED, ...person('猪苗代', '一郎', 'イナワシロ', 'イチロウ', 'ichiro@inawashiro-denki.example') },
  },
];
