// The 47 prefectures (都道府県) by their two-digit code: public reference data used to name the
// prefecture when municipalities are imported from a CSV that lists only municipalities.
const names: Array<[string, string]> = [
  ['北海道', 'Hokkaido'], ['青森県', 'Aomori Prefecture'], ['岩手県', 'Iwate Prefecture'],
  ['宮城県', 'Miyagi Prefecture'], ['秋田県', 'Akita Prefecture'], ['山形県', 'Yamagata Prefecture'],
  ['福島県', 'Fukushima Prefecture'], ['茨城県', 'Ibaraki Prefecture'], ['栃木県', 'Tochigi Prefecture'],
  ['群馬県', 'Gunma Prefecture'], ['埼玉県', 'Saitama Prefecture'], ['千葉県', 'Chiba Prefecture'],
  ['東京都', 'Tokyo Metropolis'], ['神奈川県', 'Kanagawa Prefecture'], ['新潟県', 'Niigata Prefecture'],
  ['富山県', 'Toyama Prefecture'], ['石川県', 'Ishikawa Prefecture'], ['福井県', 'Fukui Prefecture'],
  ['山梨県', 'Yamanashi Prefecture'], ['長野県', 'Nagano Prefecture'], ['岐阜県', 'Gifu Prefecture'],
  ['静岡県', 'Shizuoka Prefecture'], ['愛知県', 'Aichi Prefecture'], ['三重県', 'Mie Prefecture'],
  ['滋賀県', 'Shiga Prefecture'], ['京都府', 'Kyoto Prefecture'], ['大阪府', 'Osaka Prefecture'],
  ['兵庫県', 'Hyogo Prefecture'], ['奈良県', 'Nara Prefecture'], ['和歌山県', 'Wakayama Prefecture'],
  ['鳥取県', 'Tottori Prefecture'], ['島根県', 'Shimane Prefecture'], ['岡山県', 'Okayama Prefecture'],
  ['広島県', 'Hiroshima Prefecture'], ['山口県', 'Yamaguchi Prefecture'], ['徳島県', 'Tokushima Prefecture'],
  ['香川県', 'Kagawa Prefecture'], ['愛媛県', 'Ehime Prefecture'], ['高知県', 'Kochi Prefecture'],
  ['福岡県', 'Fukuoka Prefecture'], ['佐賀県', 'Saga Prefecture'], ['長崎県', 'Nagasaki Prefecture'],
  ['熊本県', 'Kumamoto Prefecture'], ['大分県', 'Oita Prefecture'], ['宮崎県', 'Miyazaki Prefecture'],
  ['鹿児島県', 'Kagoshima Prefecture'], ['沖縄県', 'Okinawa Prefecture'],
];

export function prefectureName(twoDigitCode: string): { ja: string; en: string } {
  const entry = names[Number(twoDigitCode) - 1];
  if (!entry) throw new RangeError(`No prefecture has code ${twoDigitCode}`);
  return { ja: entry[0], en: entry[1] };
}
