// The app's words in Japanese and English. Japanese is the default; ?lang=en switches.
export type Lang = 'ja' | 'en';

const ja = {
  appName: '子育て応援アプリ',
  appTagline: 'すくすく手帳',
  skip: '本文へ移動',
  otherLang: 'English',
  otherLangCode: 'en',
  demoNotice: 'これはデモ用の架空のサービスです（つなぐ 都市OSの外で動く第三者のアプリ）。',
  landingTitle: 'お子さんの健診と予防接種を、見逃さない。',
  landingLead: '市町村が持つ乳幼児健診・予防接種の記録を、あなたの同意のもとで取り寄せ、次の予定をお知らせします。',
  landingHow: 'はじめに、つなぐID（県と市町村の共通ID）でログインしてください。記録を取り寄せる前に、つなぐの画面であなたの同意を確認します。',
  login: 'つなぐIDでログイン',
  hello: (name: string) => `こんにちは、${name}さん`,
  helloNoName: 'こんにちは',
  homeLead: '記録は、このアプリには保存されていません。表示するたびに、つなぐ 都市OSを通じて市町村の記録を取り寄せます。',
  viewRecords: 'お子さんの健診・予防接種の記録を見る',
  logout: 'ログアウト',
  loggedOutTitle: 'ログアウトしました',
  loggedOutLead: 'ご利用ありがとうございました。',
  backToTop: 'トップページへ',
  recordsTitle: 'お子さんの健診・予防接種の記録',
  recordsSource: '会津若松市 母子健康記録システムの記録を、つなぐ 都市OS経由で表示しています。',
  upcomingTitle: 'これからの予定',
  upcomingNone: '予定されている健診・予防接種はありません。',
  nextCheckup: (last: string) => `次の乳幼児健診（前回：${last}）`,
  nextDose: (vaccine: string) => `${vaccine}の次の接種`,
  checkupsTitle: '乳幼児健診の記録',
  vaccinationsTitle: '予防接種の記録',
  growthTitle: '身長・体重の記録',
  notShared: 'この項目は共有されていません。',
  noEntries: '記録はありません。',
  colChild: 'お子さん',
  colDate: '日付',
  colCheckup: '健診',
  colAge: '月齢',
  colResult: '結果',
  colNextDue: '次回の予定',
  colVaccine: 'ワクチン',
  colDose: '回',
  colHeight: '身長',
  colWeight: '体重',
  colHead: '頭囲',
  months: (n: number) => `${n}か月`,
  doseNo: (n: number) => `${n}回目`,
  upcomingMark: '予定',
  consentId: '同意ID',
  consentNote: 'この表示は、あなたが つなぐ で同意した範囲の記録だけです。同意はつなぐのマイページでいつでも取り消せます。',
  viewAgain: '記録をもう一度取り寄せる',
  consentNeededTitle: '記録を見るには同意が必要です',
  consentNeededLead: 'このアプリが市町村の記録を取り寄せるには、つなぐ の画面であなたの同意が必要です。',
  askConsent: 'つなぐで同意する',
  refusedTitle: '同意されなかったため、記録を表示できません',
  refusedLead: '同意しないことを選ばれました。このアプリは、あなたのお子さんの健診・予防接種・身長体重の記録を取り寄せていません。',
  refusedCannot: '同意がないと、次回の健診や予防接種の予定をお知らせできません。',
  refusedCan: 'できること',
  refusedCan1: '母子健康手帳で、これまでの記録を確認できます。',
  refusedCan2: 'お住まいの市町村の母子保健の窓口（保健センターなど）で、健診や予防接種の予定を尋ねられます。',
  refusedCan3: '気が変わったら、いつでも改めて同意できます。',
  askAgain: 'もう一度同意を依頼する',
  backHome: 'ホームへ戻る',
  errorTitle: '記録を表示できませんでした',
  loginErrorTitle: 'ログインできませんでした',
  loginErrorLead: 'つなぐIDでのログインを完了できませんでした。もう一度お試しください。',
  csrfTitle: 'この操作は受け付けられませんでした',
  csrfLead: 'ページの有効期限が切れた可能性があります。トップページからやり直してください。',
  notFoundTitle: 'ページが見つかりません',
  internalTitle: 'エラーが起きました',
  internalLead: 'このアプリで問題が起きました。トップページからもう一度お試しください。',
  tableUnits: '（身長・頭囲は cm、体重は kg）',
};

type Messages = typeof ja;

const en: Messages = {
  appName: 'Child-rearing support app',
  appTagline: 'Sukusuku Notes',
  skip: 'Skip to main content',
  otherLang: '日本語',
  otherLangCode: 'ja',
  demoNotice: 'This is an invented demo service (a third-party app running outside the Tsunagu City OS).',
  landingTitle: "Never miss your child's check-ups and vaccinations.",
  landingLead: "With your consent, we fetch your child's health check-up and vaccination records from your municipality and remind you of what is next.",
  landingHow: 'First, log in with your Tsunagu ID (the common ID of the prefecture and municipalities). Tsunagu asks for your consent before any record is fetched.',
  login: 'Log in with Tsunagu ID',
  hello: (name: string) => `Hello, ${name}`,
  helloNoName: 'Hello',
  homeLead: 'This app stores none of the records. Each time you look, it fetches them from your municipality through the Tsunagu City OS.',
  viewRecords: "See your child's check-ups and vaccinations",
  logout: 'Log out',
  loggedOutTitle: 'You have logged out',
  loggedOutLead: 'Thank you for using the app.',
  backToTop: 'Back to the top page',
  recordsTitle: "Your child's check-ups and vaccinations",
  recordsSource: "Records of Aizuwakamatsu City's maternal and child health system, shown through the Tsunagu City OS.",
  upcomingTitle: 'Coming up',
  upcomingNone: 'No check-ups or vaccinations are scheduled.',
  nextCheckup: (last: string) => `Next health check-up (last: ${last})`,
  nextDose: (vaccine: string) => `Next dose of ${vaccine}`,
  checkupsTitle: 'Health check-ups',
  vaccinationsTitle: 'Vaccinations',
  growthTitle: 'Height and weight',
  notShared: 'This item was not shared.',
  noEntries: 'No records.',
  colChild: 'Child',
  colDate: 'Date',
  colCheckup: 'Check-up',
  colAge: 'Age',
  colResult: 'Result',
  colNextDue: 'Next due',
  colVaccine: 'Vaccine',
  colDose: 'Dose',
  colHeight: 'Height',
  colWeight: 'Weight',
  colHead: 'Head',
  months: (n: number) => `${n} month${n === 1 ? '' : 's'}`,
  doseNo: (n: number) => `dose ${n}`,
  upcomingMark: 'upcoming',
  consentId: 'Consent ID',
  consentNote: 'You see only the records you agreed to share in Tsunagu. You can withdraw your consent at any time on your Tsunagu My page.',
  viewAgain: 'Fetch the records again',
  consentNeededTitle: 'Your consent is needed to see the records',
  consentNeededLead: "This app needs your consent, given on Tsunagu's own page, before it can fetch your municipality's records.",
  askConsent: 'Give consent on Tsunagu',
  refusedTitle: 'Without your consent we cannot show the records',
  refusedLead: "You chose not to consent. This app has not fetched your child's check-up, vaccination or growth records.",
  refusedCannot: 'Without consent we cannot remind you of the next check-up or vaccination.',
  refusedCan: 'What you can still do',
  refusedCan1: "Your Maternal and Child Health Handbook (母子健康手帳) has your child's records so far.",
  refusedCan2: "Your municipality's maternal and child health counter (e.g. the health centre) can tell you the next check-ups and vaccinations.",
  refusedCan3: 'If you change your mind, you can consent at any time.',
  askAgain: 'Ask for consent again',
  backHome: 'Back to home',
  errorTitle: 'The records could not be shown',
  loginErrorTitle: 'Logging in did not work',
  loginErrorLead: 'Logging in with your Tsunagu ID could not be completed. Please try again.',
  csrfTitle: 'This action was not accepted',
  csrfLead: 'The page may have expired. Please start again from the top page.',
  notFoundTitle: 'Page not found',
  internalTitle: 'Something went wrong',
  internalLead: 'This app had a problem. Please try again from the top page.',
  tableUnits: '(height and head in cm, weight in kg)',
};

export const MESSAGES: Record<Lang, Messages> = { ja, en };
export type { Messages };

/** Why the records could not be shown, in both languages (the error page shows both). */
export function failureText(status: number | null, code: string | null): { ja: string; en: string } {
  if (code === 'SERVICE_SUSPENDED') {
    return {
      ja: 'このアプリは現在、つなぐ 都市OSの利用を停止されています。記録は取り寄せられません。',
      en: 'This app is currently suspended by the Tsunagu City OS, so it cannot fetch records.',
    };
  }
  if (code === 'NOT_LINKED') {
    return {
      ja: 'あなたと市町村の記録を結び付けられませんでした。つなぐで、マイナンバーカードによる本人確認を済ませてから、もう一度お試しください。',
      en: "Your account could not be linked to the municipality's records. Verify your identity with your My Number card in Tsunagu, then try again.",
    };
  }
  if (code === 'NO_RECORD') {
    return {
      ja: '市町村の母子健康記録システムに、あなたの記録は見つかりませんでした。お住まいの市町村の母子保健の窓口にお問い合わせください。',
      en: "The municipality's maternal and child health system holds no record for you. Please ask your municipality's maternal and child health counter.",
    };
  }
  if (code === 'PROVIDER_SUSPENDED' || status === 503) {
    return {
      ja: '記録を持つ市町村のシステムは、現在利用できません。しばらくしてからもう一度お試しください。',
      en: "The municipality's record system is not available at the moment. Please try again later.",
    };
  }
  if (status === 504) {
    return {
      ja: '記録を持つ市町村のシステムから、時間内に応答がありませんでした。しばらくしてからもう一度お試しください。',
      en: "The municipality's record system did not answer in time. Please try again later.",
    };
  }
  if (status === 502) {
    return {
      ja: '記録を持つ市町村のシステムで問題が起きています。しばらくしてからもう一度お試しください。',
      en: "The municipality's record system has a problem. Please try again later.",
    };
  }
  if (status === null) {
    return {
      ja: 'つなぐ 都市OSに接続できませんでした。しばらくしてからもう一度お試しください。',
      en: 'The Tsunagu City OS could not be reached. Please try again later.',
    };
  }
  return {
    ja: `つなぐ 都市OSが要求を受け付けませんでした（${status}${code ? ` ${code}` : ''}）。`,
    en: `The Tsunagu City OS did not accept the request (${status}${code ? ` ${code}` : ''}).`,
  };
}
