// The answer engine's messages in Japanese and English. They live here, not in the module's
// locale files, so the engine stays pure TypeScript that runs without the application (unit
// tests, the preview, later the bulk application) and every message names the field.
import type { Localized } from '../../platform/errors.ts';

type Params = Record<string, string | number>;
const fill = (template: string, params: Params) => template.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));

const MESSAGES = {
  required: ['「{ja}」を入力してください', 'Enter {en}'],
  choose: ['「{ja}」を選んでください', 'Select {en}'],
  declare: ['内容を確認し、「{ja}」にチェックを入れてください', 'Confirm that you have read and agree: {en}'],
  tooShort: ['「{ja}」は{n}文字以上で入力してください', '{en} must be {n} characters or more'],
  tooLong: ['「{ja}」は{n}文字以内で入力してください', '{en} must be {n} characters or fewer'],
  pattern: ['「{ja}」の形式が正しくありません', '{en} is not in the right format'],
  kana: ['「{ja}」はカタカナで入力してください', 'Enter {en} in katakana'],
  number: ['「{ja}」は数字で入力してください', '{en} must be a number'],
  integer: ['「{ja}」は整数で入力してください', '{en} must be a whole number'],
  numberMin: ['「{ja}」は{n}以上にしてください', '{en} must be {n} or more'],
  numberMax: ['「{ja}」は{n}以下にしてください', '{en} must be {n} or less'],
  dateIncomplete: ['「{ja}」の{partsJa}を入力してください', '{en} must include a {partsEn}'],
  dateInvalid: ['「{ja}」は実在する日付を入力してください（年は西暦か、令和6のような和暦）', '{en} must be a real date (the year in Western or Japanese era form, such as 2024 or 令和6)'],
  dateMin: ['「{ja}」は{date}以降の日付にしてください', '{en} must be on or after {date}'],
  dateMax: ['「{ja}」は{date}以前の日付にしてください', '{en} must be on or before {date}'],
  dateFuture: ['「{ja}」は今日以前の日付にしてください', '{en} must be today or in the past'],
  datePast: ['「{ja}」は今日以降の日付にしてください', '{en} must be today or in the future'],
  postalCode: ['郵便番号は7桁の数字で入力してください（例：965-0872）', 'Enter a postcode of 7 digits, like 965-0872'],
  postalMissing: ['郵便番号を入力してください', 'Enter the postcode'],
  addressMissing: ['住所を入力してください', 'Enter the address'],
  phone: ['「{ja}」は0から始まる10桁か11桁の番号で入力してください（例：0242-39-1111）', 'Enter {en} as a Japanese number of 10 or 11 digits starting with 0, like 0242-39-1111'],
  email: ['「{ja}」は name@example.jp の形で入力してください', 'Enter {en} in the right format, like name@example.jp'],
  option: ['「{ja}」は一覧から選んでください', 'Select {en} from the list'],
  fileType: ['「{ja}」は{types}のファイルを選んでください', '{en} must be a {types} file'],
  fileSize: ['「{ja}」は{size}以下のファイルにしてください', '{en} must be smaller than {size}'],
  fileInfected: ['「{ja}」のファイルからウイルスが見つかりました。このファイルは受け付けられません。ウイルス対策をしたうえで、別のファイルを選んでください', 'A virus was found in the file for {en}. It cannot be accepted: choose another file after checking your device'],
  fileUnscanned: ['「{ja}」のファイルを確認できませんでした。しばらくしてから、もう一度選んでください', 'The file for {en} could not be checked. Please choose it again in a few minutes'],
  fileMissing: ['「{ja}」のファイルを選んでください', 'Select a file for {en}'],
  tooFewItems: ['「{ja}」を{n}件以上入力してください', 'Add at least {n} of {en}'],
  tooManyItems: ['「{ja}」は{n}件までです', 'You can add up to {n} of {en}'],
} as const;

export type MessageKey = keyof typeof MESSAGES;

/** A message for a field: {ja}/{en} are the field's label in each language. */
export function answerMessage(key: MessageKey, label: Localized, params: Params = {}): Localized {
  const [ja, en] = MESSAGES[key];
  return { ja: fill(ja, { ...params, ja: label.ja, en: label.en }), en: fill(en, { ...params, ja: label.ja, en: label.en }) };
}
