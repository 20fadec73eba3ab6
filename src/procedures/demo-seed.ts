// Demo catalog and navigations (TSUNAGU_DEMO_DATA, never in production): the procedures that
// follow a move-in (転入) and a birth (出生) in 会津若松市 (072028) and 郡山市 (072036), with the
// branching questions a 市民課 counter asks, and two procedures of 福島県 (070009) that every
// municipality shows. Idempotent: what exists is left as it is.
//
// Facts used: 転入届 and 出生届 within 14 days (住民基本台帳法 22条, 戸籍法 49条); 児童手当 claimed
// within 15 days of the day after the birth or the planned move-out date is paid from the next
// month (the 15日特例), and civil servants claim it from their employer; 国民健康保険 enrolment
// within 14 days; Fukushima's 子ども医療費助成 covers children up to the March 31 after they turn 18.
// Example data (not checked with the cities): department names and counter places, the water
// bureaus' addresses (the cities' home pages stand in for the bureaus' application pages),
// the 印鑑登録証明書 and 住民票の写し fee of 300 yen (a common amount), online requests for 住民票の写し
// at level C (a real city asks for the My Number card), which procedures accept the generic form
// (汎用様式), and the prefecture's solar subsidy.
import { actorId, system } from '../platform/authz/actor.ts';
import type { Localized } from '../platform/errors.ts';
import { findProcedure, saveDepartment, saveProcedure, type ProcedureInput } from './catalog/catalog-store.ts';
import { findDepartment } from './catalog/catalog-store.ts';
import { proceduresDb } from './db/schema.ts';
import type { Applies, NavigationDefinition } from './navigation/navigation-definition.ts';
import { findNavigation, saveNavigation } from './navigation/navigation-store.ts';
import type { ProceduresContext } from './procedures-context.ts';
import { seedDemoForms } from './demo-forms.ts';
import { seedDemoRoutings } from './workflow/demo-routings.ts';

const PREFECTURE = '070009';
const CITIES = [
  { lgCode: '072028', ja: '会津若松市', en: 'Aizuwakamatsu City', site: 'https://www.city.aizuwakamatsu.fukushima.jp/' },
  { lgCode: '072036', ja: '郡山市', en: 'Koriyama City', site: 'https://www.city.koriyama.lg.jp/' },
] as const;
type City = (typeof CITIES)[number];

const L = (ja: string, en: string): Localized => ({ ja, en });
const doc = (ja: string, en: string, noteJa = '', noteEn = '', required = true) => ({ name: L(ja, en), note: L(noteJa, noteEn), required });
const IDENTITY_DOCUMENT = doc('本人確認書類', 'Identity document', '運転免許証、マイナンバーカードなど顔写真付きのもの', 'A photo ID such as a driving licence or My Number card');

type Entry = Omit<ProcedureInput, 'lgCode' | 'status' | 'formVersionId' | 'sortOrder' | 'fees' | 'documents' | 'external' | 'counter' | 'summary'> &
  Partial<Pick<ProcedureInput, 'fees' | 'documents' | 'external' | 'counter' | 'summary'>>;

function departments(city: City) {
  return [
    { code: 'shimin', name: L('市民課', 'Citizens Division'), contact: { placeJa: `${city.ja}役所 市民課の窓口`, placeEn: `${city.en} Hall, Citizens Division counter` } },
    { code: 'kokuho', name: L('国保年金課', 'National Health Insurance and Pension Division'), contact: { placeJa: `${city.ja}役所 国保年金課の窓口`, placeEn: `${city.en} Hall, National Health Insurance counter` } },
    { code: 'kodomo', name: L('こども家庭課', 'Children and Families Division'), contact: { placeJa: `${city.ja}役所 こども家庭課の窓口`, placeEn: `${city.en} Hall, Children and Families counter` } },
    { code: 'hoiku', name: L('保育課', 'Childcare Division'), contact: {} },
    { code: 'kenko', name: L('健康増進課', 'Health Promotion Division'), contact: {} },
    { code: 'suido', name: L('上下水道局', 'Water and Sewerage Bureau'), contact: {} },
  ];
}

function cityProcedures(city: City): Entry[] {
  const counter = (ja: string, en: string) => ({ place: L(`${city.ja}役所 ${ja}`, `${city.en} Hall, ${en}`) });
  return [
    {
      code: 'tennyu-todoke', departmentCode: 'shimin', title: L('転入届', 'Notification of moving in'), kana: 'てんにゅうとどけ', lifeEvents: ['moving-in'], assuranceLevel: 'C', channel: 'counter',
      summary: L('ほかの市区町村から引っ越してきたときは、住み始めた日から14日以内に届け出ます。', 'When you move here from another municipality, notify within 14 days of starting to live here.'),
      counter: counter('市民課の窓口', 'Citizens Division counter'),
      documents: [
        doc('転出証明書', 'Certificate of moving out', '前の住所の市区町村で受け取ったもの。マイナンバーカードで転出届をした方（転入届の特例）は不要です', 'Issued by your previous municipality. Not needed if you notified the move-out with your My Number card'),
        doc('マイナンバーカード', 'My Number card', '転入する方全員分', 'For everyone moving in', false),
        IDENTITY_DOCUMENT,
      ],
    },
    {
      code: 'mynumber-card-jusho', departmentCode: 'shimin', title: L('マイナンバーカードの住所変更', 'Updating the address on your My Number card'), kana: 'まいなんばーかーどのじゅうしょへんこう', lifeEvents: ['moving-in', 'moving-within'], assuranceLevel: 'C', channel: 'counter',
      summary: L('転入届や転居届と一緒に、カードに記載された住所を新しい住所に書き換えます。手続をしないと、カードが使えなくなることがあります。', 'With the moving-in or moving notification, the address on the card is rewritten. Without this the card may stop working.'),
      counter: counter('市民課の窓口', 'Citizens Division counter'),
      documents: [doc('マイナンバーカード', 'My Number card', '住所変更をする方全員分。カードの暗証番号（数字4桁）を入力します', 'For each person; you enter the card’s 4-digit PIN')],
    },
    {
      code: 'kokuho-kanyu', departmentCode: 'kokuho', title: L('国民健康保険の加入', 'Joining the National Health Insurance'), kana: 'こくみんけんこうほけんのかにゅう', lifeEvents: ['moving-in', 'birth'], assuranceLevel: 'A', channel: 'portal',
      summary: L('勤務先の健康保険などに加入していない方は、転入や出生の日から14日以内に加入の届出をします。', 'If you are not covered by an employer’s health insurance, notify within 14 days of moving in or of the birth.'),
      documents: [doc('以前の健康保険の資格喪失がわかる書類', 'Proof that your previous health insurance ended', '勤務先の健康保険をやめた方のみ', 'Only if you left an employer’s insurance', false)],
    },
    {
      code: 'jidou-teate', departmentCode: 'kodomo', title: L('児童手当の認定請求', 'Claiming the child allowance'), kana: 'じどうてあてのにんていせいきゅう', lifeEvents: ['moving-in', 'birth'], assuranceLevel: 'A', channel: 'portal',
      summary: L('高校生年代までのお子さんを養育している方が請求します。出生日や、前の住所での転出予定日の翌日から15日以内に請求すると、原則として翌月分から支給されます。公務員の方は勤務先で請求します。', 'For those raising children up to high-school age. Claimed within 15 days of the day after the birth or the planned move-out date at your previous address, it is normally paid from the next month. Civil servants claim from their employer.'),
      documents: [doc('請求する方名義の預金口座がわかるもの', 'Details of a bank account in the claimant’s name')],
    },
    {
      code: 'kodomo-iryouhi', departmentCode: 'kodomo', title: L('子ども医療費助成の申請', 'Applying for children’s medical expense support'), kana: 'こどもいりょうひじょせいのしんせい', lifeEvents: ['moving-in', 'birth'], assuranceLevel: 'C', channel: 'portal',
      summary: L('18歳になった後の最初の3月31日までのお子さんの、保険診療の自己負担分を助成します。受給者証の交付を申請します。', 'Covers the insured share of medical costs for children up to the March 31 after they turn 18. You apply for the beneficiary card.'),
      documents: [doc('お子さんの健康保険の資格がわかるもの', 'Proof of the child’s health insurance')],
    },
    {
      code: 'hoiku-moushikomi', departmentCode: 'hoiku', title: L('保育施設の利用申込', 'Applying for a childcare place'), kana: 'ほいくしせつのりようもうしこみ', lifeEvents: ['moving-in', 'birth'], assuranceLevel: 'A', channel: 'portal',
      summary: L('保育所や認定こども園などの利用を希望するときに申し込みます（保育の必要性の認定を含みます）。締切は入所を希望する月ごとに決まっています。', 'Apply for a place at a nursery or certified centre (including the assessment of need). Deadlines depend on the month you want to start.'),
      documents: [doc('就労証明書など、保育が必要なことがわかる書類', 'Proof that childcare is needed, such as an employment certificate')],
    },
    {
      code: 'inkan-touroku', departmentCode: 'shimin', title: L('印鑑登録', 'Registering a personal seal'), kana: 'いんかんとうろく', lifeEvents: ['moving-in', 'certificates'], assuranceLevel: 'C', channel: 'counter',
      summary: L('不動産の登記や自動車の登録などで印鑑登録証明書が必要な方が、印鑑を登録します。本人が窓口で手続します。', 'Register your seal if you need seal certificates (for property or car registration, for example). Done in person.'),
      counter: counter('市民課の窓口', 'Citizens Division counter'),
      documents: [doc('登録する印鑑', 'The seal to register'), IDENTITY_DOCUMENT],
    },
    {
      code: 'inkan-shoumei', departmentCode: 'shimin', title: L('印鑑登録証明書の交付', 'Issuing a seal registration certificate'), kana: 'いんかんとうろくしょうめいしょのこうふ', lifeEvents: ['certificates'], assuranceLevel: 'C', channel: 'counter',
      summary: L('登録した印鑑の証明書を交付します。', 'Issues a certificate of your registered seal.'),
      counter: counter('市民課の窓口', 'Citizens Division counter'),
      fees: [{ label: L('1通', 'Per copy'), amountYen: 300 }],
      documents: [doc('印鑑登録証（カード）またはマイナンバーカード', 'Seal registration card or My Number card')],
    },
    {
      code: 'juminhyo-utsushi', departmentCode: 'shimin', title: L('住民票の写しの交付請求', 'Requesting a copy of the residence certificate'), kana: 'じゅうみんひょうのうつしのこうふせいきゅう', lifeEvents: ['certificates'], assuranceLevel: 'C', channel: 'portal',
      summary: L('住民票の写しを請求し、登録された住所に郵送で受け取ります。手数料は申請のあとにオンラインで支払えます。', 'Request a copy of your residence certificate, sent by post to your registered address. The fee can be paid online after applying.'),
      fees: [{ label: L('1通', 'One copy'), amountYen: 300 }],
    },
    {
      code: 'mijukuji-iryou', departmentCode: 'kenko', title: L('未熟児養育医療の給付申請', 'Medical care for a premature baby'), kana: 'みじゅくじよういくいりょうのきゅうふしんせい', lifeEvents: ['birth'], assuranceLevel: 'C', channel: 'counter', acceptsGenericForm: true,
      summary: L('入院して養育が必要な未熟児の医療費を給付します。申請書と医師の意見書は、窓口のほか、汎用様式でオンラインでも提出できます。', 'Covers the medical costs of a premature baby who needs hospital care. The application and the doctor’s opinion can be handed in at the counter or online with the generic form.'),
      counter: counter('健康増進課の窓口', 'Health Promotion Division counter'),
      documents: [doc('養育医療給付申請書', 'Application form for medical care'), doc('養育医療意見書（医師が記入したもの）', 'Doctor’s opinion form')],
    },
    {
      code: 'hanyou-shinsei', departmentCode: 'shimin', title: L('その他の手続の申請（汎用様式）', 'Other procedures (generic form)'), kana: 'そのほかのてつづきのしんせい', lifeEvents: [], assuranceLevel: 'C', channel: 'portal', acceptsGenericForm: true,
      summary: L('オンラインの申請書がない手続は、市の様式に記入したファイルを添付し、提出先の課を選んで申請できます。', 'For a procedure without an online form, attach the city’s form filled in as a file and choose the division it goes to.'),
    },
    {
      code: 'suido-kaishi', departmentCode: 'suido', title: L('水道の使用開始', 'Starting the water supply'), kana: 'すいどうのしようかいし', lifeEvents: ['moving-in'], assuranceLevel: 'C', channel: 'external',
      summary: L('新しい住まいで水道を使い始めるときに申し込みます。賃貸住宅では管理会社が手続することもあります。', 'Apply when you start using water at your new home. In rented housing the manager may do it.'),
      external: { url: city.site, name: L(`${city.ja}上下水道局（市のウェブサイト）`, `${city.en} Water and Sewerage Bureau (city website)`) },
    },
    {
      code: 'shussei-todoke', departmentCode: 'shimin', title: L('出生届', 'Birth registration'), kana: 'しゅっせいとどけ', lifeEvents: ['birth'], assuranceLevel: 'C', channel: 'counter',
      summary: L('生まれた日を含めて14日以内（国外で生まれたときは3か月以内）に届け出ます。', 'Register within 14 days of the birth, counting the day of birth (3 months if born abroad).'),
      counter: counter('市民課の窓口', 'Citizens Division counter'),
      documents: [doc('出生届（出生証明書の欄に医師または助産師が記入したもの）', 'Birth registration form with the birth certificate completed by the doctor or midwife'), doc('母子健康手帳', 'Maternal and child health handbook')],
    },
    {
      code: 'shussei-renraku', departmentCode: 'kenko', title: L('出生連絡票の提出（新生児訪問）', 'Birth notice for a newborn home visit'), kana: 'しゅっせいれんらくひょうのていしゅつ しんせいじほうもん', lifeEvents: ['birth'], assuranceLevel: 'C', channel: 'portal',
      summary: L('母子健康手帳についている出生連絡票を提出すると、保健師や助産師が家庭を訪問し、赤ちゃんの成長や育児の相談に応じます。', 'Send the birth notice from the maternal and child health handbook, and a public health nurse or midwife visits to help with your baby’s growth and care.'),
    },
  ];
}

const prefectureDepartments = [
  { code: 'zeimu', name: L('税務課', 'Tax Division'), contact: {} },
  { code: 'energy', name: L('エネルギー課', 'Energy Division'), contact: {} },
  { code: 'digital', name: L('デジタル変革課', 'Digital Transformation Division'), contact: {} },
];

const prefectureProcedures: Entry[] = [
  {
    code: 'jidoushazei-jusho', departmentCode: 'zeimu', title: L('自動車税（種別割）の住所変更', 'Changing the address for the automobile tax'), kana: 'じどうしゃぜいのじゅうしょへんこう', lifeEvents: ['moving-in', 'moving-within'], assuranceLevel: 'C', channel: 'portal',
    summary: L('県内で引っ越したとき、自動車税の納税通知書が新しい住所に届くように、送付先を変更します。', 'When you move within the prefecture, change where the automobile tax notice is sent.'),
  },
  {
    code: 'taiyoukou-hojo', departmentCode: 'energy', title: L('住宅用太陽光発電設備の設置補助', 'Subsidy for residential solar power'), kana: 'じゅうたくようたいようこうはつでんせつびのせっちほじょ', lifeEvents: [], assuranceLevel: 'C', channel: 'external',
    summary: L('住宅に太陽光発電設備を設置する方への県の補助金です。申請は補助金の電子申請システム jGrants で行います（GビズIDが必要です）。', 'A prefectural subsidy for installing solar power at home. Apply on jGrants, the national subsidy system (a GビズID account is needed).'),
    external: { url: 'https://www.jgrants-portal.go.jp/', name: L('jGrants（補助金の電子申請システム）', 'jGrants (the national subsidy application system)') },
  },
  {
    // 練習用の手続 (the Otofuke example): marked practice below, so nothing applied for is kept.
    code: 'renshu-shinsei', departmentCode: 'digital', title: L('練習用の手続（オンライン申請の練習）', 'Practice procedure (learn to apply online)'), kana: 'れんしゅうようのてつづき', lifeEvents: [], assuranceLevel: 'C', channel: 'portal',
    summary: L('オンライン申請を試すための練習用の手続です。申請はどこにも送られず、数にも数えられません。何度でも試せます。', 'A practice procedure for trying an online application. Nothing is sent anywhere or counted. Try it as often as you like.'),
  },
];

const P = (code: string, why: [string, string], lgCode?: string): Applies => ({ procedure: lgCode ? { lgCode, code } : { code }, why: L(...why) });
const yesNo = (yes: [string, string], no: [string, string]) => [L(...yes), L(...no)] as const;

export const movingInNavigation: NavigationDefinition = {
  intro: L('引っ越してきたときの手続をご案内します。', 'The procedures after moving here.'),
  always: [P('tennyu-todoke', ['住み始めた日から14日以内に、新しい住所の市町村へ届け出ることが法律で決められています。', 'The law requires you to notify your new municipality within 14 days of moving in.'])],
  start: 'previous-address',
  questions: [
    {
      id: 'previous-address', text: L('前の住所はどこですか', 'Where did you live before?'),
      options: [
        { id: 'in-prefecture', label: L('福島県内のほかの市町村', 'Another municipality in Fukushima'), next: 'has-car' },
        { id: 'other-prefecture', label: L('福島県の外', 'Outside Fukushima'), next: 'has-card' },
        { id: 'abroad', label: L('国外', 'Abroad'), hint: L('パスポートを持って窓口にお越しください', 'Bring your passport to the counter'), next: 'has-card' },
      ],
    },
    {
      id: 'has-car', text: L('自動車をお持ちですか', 'Do you own a car?'), hint: L('軽自動車は対象外です', 'Light vehicles are not included'),
      options: [
        { id: 'yes', label: L('はい', 'Yes'), adds: [P('jidoushazei-jusho', ['県内で引っ越したときは、自動車税の納税通知書の送付先を変更します。', 'After a move within the prefecture, the automobile tax notice must go to your new address.'], PREFECTURE)], next: 'has-card' },
        { id: 'no', label: L('いいえ', 'No'), next: 'has-card' },
      ],
    },
    {
      id: 'has-card', text: L('マイナンバーカードをお持ちですか', 'Do you have a My Number card?'),
      options: [
        { id: 'yes', label: L('はい', 'Yes'), adds: [P('mynumber-card-jusho', ['カードに記載された住所を新しい住所に書き換える必要があります。', 'The address on your card must be changed to the new one.'])], next: 'health-insurance' },
        { id: 'no', label: L('いいえ', 'No'), next: 'health-insurance' },
      ],
    },
    {
      id: 'health-insurance', text: L('勤務先の健康保険（社会保険）に加入していますか', 'Are you covered by an employer’s health insurance?'), hint: L('家族の勤務先の保険の扶養に入っている場合も「はい」です', 'Answer yes also if you are a dependant on a family member’s employer insurance'),
      options: [
        { id: 'employer', label: L('はい', 'Yes'), next: 'children' },
        { id: 'kokuho', label: L('いいえ（自営業の方、退職した方など）', 'No (self-employed, retired, …)'), adds: [P('kokuho-kanyu', ['勤務先の健康保険に加入していない方は、国民健康保険に加入する必要があります。', 'Those without an employer’s insurance must join the National Health Insurance.'])], next: 'children' },
      ],
    },
    {
      id: 'children', text: L('高校生年代までのお子さんはいますか', 'Do you have children up to high-school age?'),
      options: [
        {
          id: 'yes', label: L('はい', 'Yes'), next: 'childcare',
          adds: [
            P('jidou-teate', ['児童手当は住んでいる市町村から支給されます。前の住所での転出予定日の翌日から15日以内に請求してください（公務員の方は勤務先で請求します）。', 'The allowance is paid by the municipality you live in. Claim within 15 days of the day after your planned move-out date (civil servants claim from their employer).']),
            P('kodomo-iryouhi', ['お子さんの医療費の助成を受けるには、この市で受給者証の交付を受ける必要があります。', 'To have your children’s medical costs covered here, you need this city’s beneficiary card.']),
          ],
        },
        { id: 'no', label: L('いいえ', 'No'), next: 'seal' },
      ],
    },
    {
      id: 'childcare', text: L('保育所などの利用を希望しますか', 'Do you want a childcare place?'),
      options: [
        { id: 'yes', label: L('はい', 'Yes'), adds: [P('hoiku-moushikomi', ['保育所や認定こども園を利用するには、この市への申込が必要です。', 'A place at a nursery or certified centre needs an application to this city.'])], next: 'seal' },
        { id: 'no', label: L('いいえ', 'No'), next: 'seal' },
      ],
    },
    {
      id: 'seal', text: L('印鑑登録をしますか', 'Do you want to register a personal seal?'), hint: L('不動産の登記や自動車の登録などで印鑑登録証明書が必要な方。前の住所での登録は転出とともに廃止されています', 'If you need seal certificates, for property or car registration for example. A registration at your previous address ended when you moved out'),
      options: [
        { id: 'yes', label: L('はい', 'Yes'), adds: [P('inkan-touroku', ['印鑑登録は住所のある市町村で行います。前の住所での登録は使えません。', 'Seals are registered where you live; the previous registration no longer counts.'])], next: 'water' },
        { id: 'no', label: L('いいえ', 'No'), next: 'water' },
      ],
    },
    {
      id: 'water', text: L('新しい住まいで水道の使用を始めますか', 'Will you start using water at your new home?'), hint: L('賃貸住宅などで、管理会社が手続する場合は「いいえ」を選んでください', 'Choose no if your housing manager does this'),
      options: [
        { id: 'yes', label: L('はい', 'Yes'), adds: [P('suido-kaishi', ['水道を使い始めるには、上下水道局への申込が必要です。', 'The water bureau needs your application to start the supply.'])], next: null },
        { id: 'no', label: L('いいえ', 'No'), next: null },
      ],
    },
  ],
};

export const birthNavigation: NavigationDefinition = {
  intro: L('お子さんが生まれたときの手続をご案内します。', 'The procedures after a birth.'),
  always: [
    P('shussei-todoke', ['生まれた日を含めて14日以内に届け出ることが法律で決められています。', 'The law requires registration within 14 days of the birth.']),
    P('shussei-renraku', ['新生児訪問で、赤ちゃんの成長や育児について相談できます。', 'A newborn visit lets you talk about your baby’s growth and care.']),
    P('kodomo-iryouhi', ['お子さんの医療費の助成を受けるには、受給者証の交付を受ける必要があります。', 'For your child’s medical costs to be covered, you need the beneficiary card.']),
  ],
  start: 'public-servant',
  questions: [
    {
      id: 'public-servant', text: L('保護者のどなたかが公務員ですか', 'Is a parent a civil servant?'), hint: L('児童手当の請求先が変わります', 'This decides where the child allowance is claimed'),
      options: [
        { id: 'no', label: L('いいえ', 'No'), adds: [P('jidou-teate', ['生まれた日の翌日から15日以内に請求すると、翌月分から支給されます。', 'Claimed within 15 days of the day after the birth, it is paid from the next month.'])], next: 'insurance' },
        { id: 'yes', label: L('はい（勤務先で児童手当を請求します）', 'Yes (the allowance is claimed from the employer)'), next: 'insurance' },
      ],
    },
    {
      id: 'insurance', text: L('お子さんが入る健康保険はどれですか', 'Which health insurance will the child join?'),
      options: [
        { id: 'employer', label: L('保護者の勤務先の健康保険', 'A parent’s employer insurance'), hint: L('勤務先で手続します', 'Arranged through the employer'), next: 'childcare' },
        { id: 'kokuho', label: L('国民健康保険', 'National Health Insurance'), adds: [P('kokuho-kanyu', ['国民健康保険の世帯に生まれたお子さんは、生まれた日から14日以内に加入の届出をします。', 'A child born into a National Health Insurance household is enrolled within 14 days of the birth.'])], next: 'childcare' },
      ],
    },
    {
      id: 'childcare', text: L('保育所などの利用を希望しますか', 'Do you want a childcare place?'), hint: L('育児休業のあとに利用する場合も含みます', 'Including after parental leave'),
      options: [
        { id: 'yes', label: L('はい', 'Yes'), adds: [P('hoiku-moushikomi', ['保育所などを利用するには申込が必要です。締切に注意してください。', 'A childcare place needs an application; mind the deadlines.'])], next: null },
        { id: 'no', label: L('いいえ', 'No'), next: null },
      ],
    },
  ],
};

async function ensure(ctx: ProceduresContext, lgCode: string, depts: ReturnType<typeof departments>, entries: Entry[]): Promise<void> {
  const actor = actorId(system);
  await ctx.app.db.transaction().execute(async (trx) => {
    const db = proceduresDb(trx);
    for (const d of depts) if (!(await findDepartment(db, lgCode, d.code))) await saveDepartment(db, { lgCode, ...d }, null, actor);
    for (const [i, e] of entries.entries()) {
      if (await findProcedure(db, lgCode, e.code)) continue;
      await saveProcedure(db, { fees: [], documents: [], external: null, counter: null, summary: L('', ''), ...e, lgCode, status: 'published', formVersionId: null, sortOrder: i * 10 }, null, actor);
    }
  });
}

export async function seedProceduresDemo(ctx: ProceduresContext): Promise<void> {
  if (!(await ctx.app.tenants.get(PREFECTURE))) return;
  await ensure(ctx, PREFECTURE, prefectureDepartments, prefectureProcedures);
  for (const city of CITIES) {
    await ensure(ctx, city.lgCode, departments(city), cityProcedures(city));
    for (const [event, definition] of [['moving-in', movingInNavigation], ['birth', birthNavigation]] as const) {
      if (await findNavigation(ctx.db, city.lgCode, event)) continue;
      await ctx.app.db.transaction().execute((trx) => saveNavigation(proceduresDb(trx), city.lgCode, event, definition, null, actorId(system)));
    }
  }
  await seedDemoForms(ctx, PREFECTURE, CITIES.map((c) => c.lgCode));
  await seedDemoRoutings(ctx, PREFECTURE, CITIES.map((c) => c.lgCode));
  await ctx.db.updateTable('procedures_procedures').set({ practice: true }).where('lg_code', '=', PREFECTURE).where('code', '=', 'renshu-shinsei').execute();
}
