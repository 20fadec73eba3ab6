// Demo forms (TSUNAGU_DEMO_DATA, never in production) for the portal-channel procedures of
// 会津若松市 and 郡山市 and the prefecture's 自動車税 address change: published, linked to their
// procedures, and built on the common field dictionary so the bulk application (一括申請) can ask
// 氏名, 住所 or the children once for all of them. The prefecture also offers its 児童手当 form as a
// template (ひな形) that a municipality copies and adapts. The questions follow the cities' paper
// forms in outline; exact wording, limits and attachments are example data.
import { actorId, system } from '../platform/authz/actor.ts';
import type { Localized } from '../platform/errors.ts';
import { findProcedure } from './catalog/catalog-store.ts';
import { proceduresDb } from './db/schema.ts';
import { validateDefinition } from './forms/definition-validator.ts';
import { resolveDefinition, type FormDefinition, type FormField } from './forms/form-definition.ts';
import { findForm, linkProcedure, loadDictionary, publishVersion, saveDraft } from './forms/form-store.ts';
import type { ProceduresContext } from './procedures-context.ts';

const L = (ja: string, en: string): Localized => ({ ja, en });
const yesNo = [{ value: 'yes', label: L('はい', 'Yes') }, { value: 'no', label: L('いいえ', 'No') }];
const dict = (key: string, dictionary: string, extra: Partial<FormField> = {}): FormField => ({ key, dictionary, ...extra });
const declaration = (ja: string, en: string) => ({ id: 'declaration', title: L('申告', 'Declaration'), fields: [{ key: 'declaration', type: 'declaration', label: L(ja, en) }] });
const applicantPages = () => [
  { id: 'name', title: L('申請する人', 'About you'), fields: [dict('fullName', 'full-name'), dict('fullNameKana', 'full-name-kana')] },
  { id: 'birth-date', fields: [dict('birthDate', 'birth-date')] },
  { id: 'address', fields: [dict('address', 'address')] },
  { id: 'contact', title: L('連絡先', 'How we can contact you'), fields: [dict('phone', 'phone'), dict('email', 'email')] },
];
const TRUE_DECLARATION = ['記載した内容に誤りはありません', 'What I have entered is true'] as const;

export const kokuhoForm: FormDefinition = {
  title: L('国民健康保険 加入届', 'Joining the National Health Insurance'),
  intro: L('転入や会社の健康保険をやめたときなど、14日以内に届け出てください。', 'Apply within 14 days of moving in or leaving an employer’s health insurance.'),
  pages: [
    ...applicantPages(),
    {
      id: 'reason',
      fields: [
        {
          key: 'reason',
          type: 'radio',
          label: L('加入する理由を選んでください', 'Why are you joining?'),
          required: true,
          options: [
            { value: 'moved-in', label: L('ほかの市区町村から転入した', 'I moved here from another municipality') },
            { value: 'left-employer', label: L('会社の健康保険をやめた', 'I left an employer’s health insurance') },
            { value: 'birth', label: L('子どもが生まれた', 'A child was born') },
            { value: 'other', label: L('その他', 'Other') },
          ],
        },
      ],
    },
    { id: 'move-in', showIf: { field: 'reason', equals: 'moved-in' }, fields: [dict('moveInDate', 'move-in-date')] },
    {
      id: 'left-employer',
      title: L('会社の健康保険をやめたこと', 'Leaving the employer’s insurance'),
      showIf: { field: 'reason', equals: 'left-employer' },
      fields: [
        { key: 'leftOn', type: 'date', label: L('健康保険をやめた日', 'The day you left the insurance'), required: true, max: 'today' },
        { key: 'lossCertificate', type: 'file', label: L('資格喪失証明書', 'Certificate of loss of insurance'), hint: L('勤め先から受け取った証明書を撮影するかスキャンしてください', 'A photo or scan of the certificate from your employer'), required: true, accept: ['pdf', 'jpg', 'png'], maxBytes: 5 * 1024 * 1024 },
      ],
    },
    { id: 'members', fields: [dict('members', 'household', { label: L('加入する人', 'Who is joining'), hint: L('あなたを含め、加入する人を一人ずつ入力してください', 'Add each person joining, including yourself') })] },
    declaration(...TRUE_DECLARATION),
  ],
};

export const jidouTeateForm: FormDefinition = {
  title: L('児童手当 認定請求書', 'Claim for the child allowance'),
  intro: L('出生日や転出予定日の翌日から15日以内に請求すると、翌月分から支給されます。', 'Claim within 15 days of the day after the birth or the planned move-out date to be paid from the next month.'),
  pages: [
    ...applicantPages(),
    { id: 'civil-servant', fields: [{ key: 'civilServant', type: 'radio', label: L('あなたは公務員ですか', 'Are you a civil servant?'), hint: L('公務員の方は勤務先に請求します', 'Civil servants claim from their employer'), required: true, options: yesNo }] },
    { id: 'children', fields: [dict('children', 'children')] },
    {
      id: 'bank',
      title: L('振込先の口座（請求者名義）', 'Bank account in your name'),
      fields: [
        { key: 'bankName', type: 'text', label: L('金融機関名', 'Bank'), required: true, maxLength: 40 },
        { key: 'branchName', type: 'text', label: L('支店名', 'Branch'), required: true, maxLength: 40 },
        { key: 'accountNumber', type: 'text', label: L('口座番号（普通預金）', 'Account number (ordinary account)'), hint: L('7桁の数字', '7 digits'), required: true, pattern: '[0-9]{7}', patternMessage: L('口座番号は7桁の数字で入力してください', 'Enter the account number as 7 digits') },
      ],
    },
    declaration(...TRUE_DECLARATION),
  ],
};

export const kodomoIryouhiForm: FormDefinition = {
  title: L('子ども医療費助成 受給資格登録申請', 'Registering for children’s medical expense support'),
  pages: [
    ...applicantPages(),
    { id: 'children', fields: [dict('children', 'children')] },
    {
      id: 'insurance',
      fields: [
        {
          key: 'insurance',
          type: 'select',
          label: L('子どもが加入している健康保険', 'The child’s health insurance'),
          required: true,
          options: [
            { value: 'kokuho', label: L('国民健康保険', 'National Health Insurance') },
            { value: 'kyokai', label: L('協会けんぽ', 'Japan Health Insurance Association') },
            { value: 'kumiai', label: L('健康保険組合', 'Health insurance society') },
            { value: 'kyosai', label: L('共済組合', 'Mutual aid association') },
          ],
        },
      ],
    },
    { id: 'insurance-card', fields: [{ key: 'insuranceCard', type: 'file', label: L('子どもの資格確認書または資格情報のお知らせ', 'The child’s insurance eligibility document'), required: true, accept: ['pdf', 'jpg', 'png'], maxBytes: 5 * 1024 * 1024 }] },
    declaration(...TRUE_DECLARATION),
  ],
};

export const hoikuForm: FormDefinition = {
  title: L('保育施設 利用申込書', 'Applying for a childcare place'),
  pages: [
    ...applicantPages(),
    { id: 'child', title: L('預ける子ども', 'The child'), fields: [dict('childName', 'full-name', { label: L('子どもの氏名', 'Child’s full name') }), dict('childNameKana', 'full-name-kana', { label: L('子どもの氏名（フリガナ）', 'Child’s name in katakana') }), dict('childBirthDate', 'birth-date', { label: L('子どもの生年月日', 'Child’s date of birth') })] },
    { id: 'start', fields: [{ key: 'startDate', type: 'date', label: L('利用を始めたい日', 'When you want the place to start'), required: true, min: 'today' }] },
    {
      id: 'reason',
      fields: [
        {
          key: 'reasons',
          type: 'checkbox',
          label: L('保育が必要な理由（当てはまるものすべて）', 'Why the child needs care (all that apply)'),
          required: true,
          options: [
            { value: 'work', label: L('就労', 'Work') },
            { value: 'pregnancy', label: L('妊娠・出産', 'Pregnancy or birth') },
            { value: 'illness', label: L('疾病・障がい', 'Illness or disability') },
            { value: 'care', label: L('親族の介護', 'Caring for a relative') },
            { value: 'job-seeking', label: L('求職活動', 'Looking for work') },
          ],
        },
      ],
    },
    { id: 'work', showIf: { field: 'reasons', equals: 'work' }, fields: [{ key: 'workHours', type: 'number', label: L('1か月の就労時間', 'Hours worked a month'), hint: L('おおよその時間', 'Roughly'), required: true, integer: true, min: 1, max: 400 }] },
    { id: 'facilities', fields: [{ key: 'facilities', type: 'text', label: L('希望する施設名', 'The facilities you would like'), hint: L('第3希望まで、読点（、）で区切って', 'Up to three, separated by commas'), required: true, maxLength: 200, multiline: true }] },
    declaration(...TRUE_DECLARATION),
  ],
};

export const shusseiRenrakuForm: FormDefinition = {
  title: L('出生連絡票', 'Birth notice for a newborn home visit'),
  intro: L('保健師や助産師が赤ちゃんの家庭を訪問するための連絡票です。', 'This notice lets a public health nurse or midwife visit you and your baby.'),
  pages: [
    { id: 'parent', title: L('保護者', 'Parent'), fields: [dict('fullName', 'full-name'), dict('fullNameKana', 'full-name-kana')] },
    { id: 'address', fields: [dict('address', 'address')] },
    { id: 'contact', fields: [dict('phone', 'phone')] },
    { id: 'baby', title: L('赤ちゃん', 'The baby'), fields: [dict('babyNameKana', 'full-name-kana', { label: L('赤ちゃんの氏名（フリガナ）', 'Baby’s name in katakana'), required: false }), dict('babyBirthDate', 'birth-date', { label: L('生まれた日', 'Date of birth') }), { key: 'birthWeight', type: 'number', label: L('出生体重（グラム）', 'Birth weight (grams)'), required: true, integer: true, min: 300, max: 6000 }] },
    { id: 'visit', fields: [{ key: 'visitWish', type: 'radio', label: L('訪問を希望しますか', 'Would you like a visit?'), required: true, options: yesNo }] },
    { id: 'visit-notes', showIf: { field: 'visitWish', equals: 'yes' }, fields: [{ key: 'visitNotes', type: 'text', label: L('訪問の際に伝えたいこと', 'Anything we should know before visiting'), multiline: true, maxLength: 500 }] },
  ],
};

export const jidoushazeiForm: FormDefinition = {
  title: L('自動車税（種別割）住所変更届', 'Address change for the automobile tax'),
  pages: [
    ...applicantPages(),
    { id: 'previous-address', fields: [dict('previousAddress', 'previous-address')] },
    { id: 'plate', fields: [{ key: 'plate', type: 'text', label: L('自動車登録番号（ナンバー）', 'Registration number (number plate)'), hint: L('例：福島 300 あ 12-34', 'For example: 福島 300 あ 12-34'), required: true, maxLength: 30 }] },
    declaration(...TRUE_DECLARATION),
  ],
};

export const juminhyoForm: FormDefinition = {
  title: L('住民票の写し 交付請求書', 'Request for a copy of the residence certificate'),
  intro: L('1通を登録された住所に郵送します。手数料300円は、申請のあとにオンラインで支払えます。', 'One copy is posted to your registered address. The fee of 300 yen can be paid online after applying.'),
  pages: [
    ...applicantPages(),
    {
      id: 'contents',
      fields: [
        {
          key: 'contents', type: 'checkbox', label: L('記載する事項を選んでください', 'What should the copy show?'), hint: L('必要なものだけを選んでください', 'Choose only what you need'),
          options: [{ value: 'household', label: L('世帯全員', 'Everyone in the household') }, { value: 'honseki', label: L('本籍・筆頭者', 'Registered domicile and head of the family register') }, { value: 'relationship', label: L('続柄', 'Relationships') }],
        },
      ],
    },
    { id: 'purpose', fields: [{ key: 'purpose', type: 'radio', label: L('使い道を選んでください', 'What is it for?'), required: true, options: [{ value: 'work', label: L('就職・勤務先への提出', 'For an employer') }, { value: 'procedure', label: L('各種の手続', 'For another procedure') }, { value: 'other', label: L('その他', 'Other') }] }] },
    declaration(...TRUE_DECLARATION),
  ],
};

export const practiceForm: FormDefinition = {
  title: L('練習用の申請書', 'Practice form'),
  intro: L('練習用です。入力した内容はどこにも送られません。', 'For practice only: nothing is sent anywhere.'),
  pages: [
    ...applicantPages().slice(0, 1),
    { id: 'favourite', fields: [{ key: 'favourite', type: 'radio', label: L('好きな季節を選んでください', 'Which season do you like best?'), required: true, options: [{ value: 'spring', label: L('春', 'Spring') }, { value: 'summer', label: L('夏', 'Summer') }, { value: 'autumn', label: L('秋', 'Autumn') }, { value: 'winter', label: L('冬', 'Winter') }] }] },
    declaration('練習であることを理解しました', 'I understand this is practice'),
  ],
};

const CITY_FORMS: Array<[string, FormDefinition]> = [
  ['kokuho-kanyu', kokuhoForm],
  ['jidou-teate', jidouTeateForm],
  ['kodomo-iryouhi', kodomoIryouhiForm],
  ['hoiku-moushikomi', hoikuForm],
  ['shussei-renraku', shusseiRenrakuForm],
  ['juminhyo-utsushi', juminhyoForm],
];

/** Publishes a form (when missing) and links the procedure of the same code (when unlinked). */
async function ensureForm(ctx: ProceduresContext, lgCode: string, code: string, definition: FormDefinition, options: { isTemplate?: boolean; copiedFrom?: string; procedure?: string } = {}): Promise<void> {
  const actor = actorId(system);
  const dictionary = await loadDictionary(ctx.db);
  const problems = validateDefinition(definition, dictionary);
  if (problems.length) throw new Error(`Demo form ${lgCode}/${code} is invalid: ${problems.map((p) => p.detail.en).join('; ')}`);
  await ctx.app.db.transaction().execute(async (trx) => {
    const db = proceduresDb(trx);
    let form = await findForm(db, lgCode, code);
    if (!form) {
      await saveDraft(db, { lgCode, code, draft: definition, isTemplate: options.isTemplate ?? false, copiedFrom: options.copiedFrom ?? null }, null, actor);
      form = (await findForm(db, lgCode, code))!;
    }
    const published = form.latestVersion ? undefined : await publishVersion(db, lgCode, code, resolveDefinition(form.draft, dictionary), form.draftVersion, actor);
    const procedure = options.procedure ? await findProcedure(db, lgCode, options.procedure) : undefined;
    if (published && procedure && !procedure.formVersionId) await linkProcedure(db, lgCode, procedure.code, published.id, procedure.version, actor);
  });
}

export async function seedDemoForms(ctx: ProceduresContext, prefecture: string, cities: readonly string[]): Promise<void> {
  await ensureForm(ctx, prefecture, 'jidoushazei-jusho', jidoushazeiForm, { procedure: 'jidoushazei-jusho' });
  await ensureForm(ctx, prefecture, 'renshu-shinsei', practiceForm, { procedure: 'renshu-shinsei' });
  await ensureForm(ctx, prefecture, 'tmpl-jidou-teate', jidouTeateForm, { isTemplate: true });
  for (const lgCode of cities) {
    for (const [code, definition] of CITY_FORMS) {
      // The cities' 児童手当 forms are copies of the prefecture's template, as a real city would make.
      await ensureForm(ctx, lgCode, code, definition, { procedure: code, ...(code === 'jidou-teate' ? { copiedFrom: `${prefecture}/tmpl-jidou-teate` } : {}) });
    }
  }
}
