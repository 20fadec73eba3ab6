// The form builder for staff (issue 6 part 1): a form designer (procedures.manage_forms) lists the
// tenant's forms, creates one, imports a paper form's field list, copies a prefecture template,
// edits fields and pages, previews (form-preview-pages.tsx), publishes and links a published
// version to a procedure, all without JavaScript. Every change is saved under the draft version
// the page was loaded with: a designer whose colleague saved in between gets a 409 page that says
// so and links to the latest draft; nothing is ever silently overwritten. Every change is audited.
//   GET  /staff/procedures/forms[?page=n]                  forms, create, import, templates
//   POST /staff/procedures/forms · /import (multipart) · /copy
//   GET  /staff/procedures/forms/{lgCode}/{code}           the editor
//   POST …/settings · …/fields · …/fields/move · …/pages · …/pages/move · …/publish · …/link
//   GET|POST …/fields/{ref}                                one field (ref: key, or group.key)
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireStaff } from '../../identity/exports.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors, type FieldProblem, type Localized } from '../../platform/errors.ts';
import { formatDateTime } from '../../platform/i18n/dates.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Checkboxes } from '../../platform/ui/components/checkboxes/checkboxes.tsx';
import { FileUpload } from '../../platform/ui/components/file-upload/file-upload.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { Pagination } from '../../platform/ui/components/pagination/pagination.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Table } from '../../platform/ui/components/table/table.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { Textarea } from '../../platform/ui/components/textarea/textarea.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { formValues, formView, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { audit } from '../api/api-helpers.ts';
import { proceduresDb } from '../db/schema.ts';
import { ProceduresErrors } from '../errors.ts';
import { validateDefinition } from '../forms/definition-validator.ts';
import { anchorOfPointer, checkPageId, fieldAnchor, fieldFromInputs, fieldRef, keysBeside, locateField, moveField, movePage, optionsText, pageAnchor, sectionsFor } from '../forms/draft-editing.ts';
import { definitionFromRows, FieldListError, parseFieldListCsv, parseFieldListJson } from '../forms/field-list.ts';
import { FIELD_TYPES, resolveDefinition, resolveField, type Dictionary, type FormDefinition, type FormField } from '../forms/form-definition.ts';
import { copySource, findForm, findVersion, linkProcedure, listForms, listVersions, loadDictionary, publishVersion, saveDraft, type StoredForm } from '../forms/form-store.ts';
import type { ProceduresContext } from '../procedures-context.ts';

type Key = { lgCode: string; code: string };
const FORMS = '/staff/procedures/forms';
const editorOf = (k: Key) => `${FORMS}/${k.lgCode}/${k.code}`;
const CODE = /^[a-z][a-z0-9-]{1,60}$/;
const PAGE_SIZE = 20;
const L = (ja: string, en: string): Localized => ({ ja, en });

export const TYPE_NAMES: Record<string, Localized> = {
  text: L('文字', 'Text'),
  kana: L('フリガナ（カタカナ）', 'Kana'),
  number: L('数値', 'Number'),
  date: L('日付（和暦も表示）', 'Date (with the Japanese era)'),
  address: L('郵便番号と住所', 'Postcode and address'),
  phone: L('電話番号', 'Phone number'),
  email: L('メールアドレス', 'Email address'),
  select: L('プルダウン（一つ選ぶ）', 'Drop-down (choose one)'),
  radio: L('ラジオボタン（一つ選ぶ）', 'Radio buttons (choose one)'),
  checkbox: L('チェックボックス（いくつでも）', 'Checkboxes (choose any)'),
  file: L('ファイル添付', 'File attachment'),
  group: L('繰り返し（世帯員など）', 'Repeating group (e.g. household members)'),
  declaration: L('宣誓・同意', 'Declaration'),
};
const DONE: Record<string, Localized> = {
  created: L('申請様式を作りました。項目を追加してください。', 'The form was created. Add its fields.'),
  imported: L('項目一覧を取り込みました。内容を確かめてから公開してください。', 'The field list was imported. Check it before publishing.'),
  copied: L('ひな形の公開版をコピーしました。市町村に合わせて直してから公開してください。', 'The template’s published version was copied. Adapt it, then publish.'),
  saved: L('下書きを保存しました。', 'The draft was saved.'),
  fieldAdded: L('項目を追加しました。', 'The field was added.'),
  published: L('公開しました。新しい版は、これから始まる申請に使われます（申請中のものは元の版のままです）。', 'Published. New applications use the new version; those already started keep theirs.'),
  linked: L('手続に申請様式の版を設定しました。', 'The procedure now uses the form version.'),
};

/** Thrown when the draft moved on since the page was loaded: the page says so, nothing is saved. */
class StaleDraft extends Error {}

export async function formBuilderPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const { guard, tenants } = ctx.app;
  const say = (request: FastifyRequest, text: Localized) => text[request.locale];
  const tenantName = async (request: FastifyRequest, lgCode: string) => (await tenants.get(lgCode))?.name[request.locale] ?? lgCode;

  /** The tenants whose forms this staff member builds; 403 for anyone else. */
  const designerTenants = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!requireStaff(request, reply)) return undefined;
    const writable = [...(await guard.tenantsFor(request.actor, 'procedures.manage_forms'))].sort();
    if (writable.length === 0) throw new AppError(PlatformErrors.FORBIDDEN);
    return writable;
  };

  /** The form in the path, when the staff member builds its tenant's forms; 404 otherwise (another tenant's form is not found). */
  const openForm = async (request: FastifyRequest<{ Params: Key }>, reply: FastifyReply) => {
    const writable = await designerTenants(request, reply);
    if (!writable) return undefined;
    const { lgCode, code } = request.params;
    if (!writable.includes(lgCode) || !CODE.test(code)) throw new AppError(ProceduresErrors.FORM_NOT_FOUND);
    const form = await findForm(ctx.db, lgCode, code);
    if (!form) throw new AppError(ProceduresErrors.FORM_NOT_FOUND);
    return form;
  };

  /** Saves a new draft under the version the page carried, with its audit record. */
  const saveUnder = async (request: FastifyRequest, form: StoredForm, draft: FormDefinition, change: string, details: Record<string, unknown> = {}) => {
    const loaded = Number(formValues(request.body).version);
    if (loaded !== form.draftVersion) throw new StaleDraft();
    await ctx.app.db.transaction().execute(async (trx) => {
      const saved = await saveDraft(proceduresDb(trx), { lgCode: form.lgCode, code: form.code, draft, isTemplate: form.isTemplate, copiedFrom: form.copiedFrom }, loaded, actorId(request.actor));
      if (saved === undefined) throw new StaleDraft();
      await audit(trx, request, 'procedures.form_updated', form.lgCode, `form:${form.lgCode}/${form.code}`, { draftVersion: saved, change, ...details });
    });
  };

  const sendStale = (request: FastifyRequest, reply: FastifyReply, form: StoredForm, back = editorOf(form)) =>
    sendPage(reply, { title: say(request, L('ほかの職員が先に保存しました', 'Someone else saved this form first')), status: 409, backLink: { href: back } }, (
      <>
        <h1>{say(request, L('ほかの職員が先に保存しました', 'Someone else saved this form first'))}</h1>
        <p>{say(request, L('このページを開いたあとに、ほかの職員がこの申請様式を保存しました。上書きしないよう、今回の変更は保存していません。', 'Another member of staff saved this form after you opened the page. To avoid overwriting their work, your change was not saved.'))}</p>
        <p>{say(request, L('最新の内容を読み込み、必要なら変更をもう一度行ってください。', 'Load the latest version and make your change again if it is still needed.'))}</p>
        <p><a href={back} class="button">{say(request, L('最新の内容を読み込む', 'Load the latest version'))}</a></p>
      </>
    ));

  /** Runs a change; a stale draft answers the 409 page. */
  const changing = async (request: FastifyRequest, reply: FastifyReply, form: StoredForm, run: () => Promise<unknown>, back?: string) => {
    try {
      return await run();
    } catch (e) {
      if (e instanceof StaleDraft) return sendStale(request, reply, form, back);
      throw e;
    }
  };

  // ---------------------------------------------------------------- the list

  /** Templates of the designer's prefectures with their latest published version (what a copy takes). */
  const templatesFor = async (writable: string[]) => {
    const prefectures = new Set(await Promise.all(writable.map(async (c) => (await tenants.get(c))?.prefectureCode ?? c)));
    const forms = (await listForms(ctx.db, [], true)).filter((f) => f.isTemplate && f.latestVersion && prefectures.has(f.lgCode));
    return Promise.all(forms.map(async (f) => ({ lgCode: f.lgCode, code: f.code, version: (await findVersion(ctx.db, f.lgCode, { code: f.code, version: f.latestVersion! }))! })));
  };

  const sendList = async (request: FastifyRequest<{ Querystring: { page?: string; done?: string } }>, reply: FastifyReply, writable: string[], state: { values?: FormValues; errors?: FieldErrors } = {}) => {
    const { t, locale } = request;
    const view = formView(state, locale);
    const csrf = pageCsrfToken(reply);
    const forms = await listForms(ctx.db, writable);
    const pages = Math.max(1, Math.ceil(forms.length / PAGE_SIZE));
    const current = Math.min(pages, Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1));
    const shown = forms.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE);
    const rows = await Promise.all(
      shown.map(async (f) => {
        const versions = await listVersions(ctx.db, f.lgCode, f.code);
        const preview = `${editorOf(f)}/preview`;
        return [
          { content: <a href={editorOf(f)}>{f.title[locale]}</a> },
          await tenantName(request, f.lgCode),
          { content: f.latestVersion ? <Tag tone="success">{say(request, L(`公開中（第${f.latestVersion}版）`, `Published (version ${f.latestVersion})`))}</Tag> : <Tag tone="neutral">{say(request, L('下書き', 'Draft'))}</Tag> },
          { content: <a href={preview}>{t('procedures.form.previewDraft')}</a> },
          versions.length ? { content: <>{versions.map((v, i) => <>{i > 0 && ' '}<a href={`${preview}?version=${v.version}`}>{t('procedures.form.previewVersion', { version: v.version })}</a></>)}</> } : t('procedures.form.noVersions'),
        ];
      }),
    );
    const templates = await templatesFor(writable);
    const tenantItems = await Promise.all(writable.map(async (c) => ({ value: c, text: await tenantName(request, c) })));
    const tenantChoice = (name: string) => (writable.length > 1 ? <Select label={say(request, L('団体', 'Organisation'))} items={tenantItems} {...view.field(name)} /> : <input type="hidden" name={name} value={writable[0]} />);
    const codeHint = say(request, L('英小文字・数字・ハイフン（例: inu-touroku）。アドレスに使われ、あとから変えられません。', 'Lower-case letters, digits and hyphens (e.g. dog-registration). Used in addresses; it cannot be changed later.'));
    const done = request.query.done && request.query.done in DONE ? DONE[request.query.done] : undefined;
    return sendPage(reply, { title: t('procedures.form.listTitle'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/staff' } }, (
      <>
        {done && <NotificationBanner type="success">{say(request, done)}</NotificationBanner>}
        <h1>{t('procedures.form.listTitle')}</h1>
        <p>{say(request, L('申請様式を作り、項目を編集し、住民に見える形でプレビューしてから公開します。', 'Build forms, edit their fields, preview them as residents will see them, then publish.'))} <a href="/staff/procedures/navigations">{say(request, L('ライフイベントナビの編集', 'Edit life-event navigations'))}</a></p>
        {forms.length === 0 ? (
          <p id="forms">{say(request, L('申請様式はまだありません。下の「新しい申請様式」から作るか、紙の様式の項目一覧を取り込んでください。', 'There are no forms yet. Create one below, or import the field list of a paper form.'))}</p>
        ) : (
          <Table id="forms" caption={t('procedures.form.listTitle')} captionSize="s" head={[t('procedures.form.listForm'), t('procedures.form.listTenant'), say(request, L('状態', 'Status')), t('procedures.form.previewDraft'), t('procedures.form.listVersions')]} rows={rows} />
        )}
        <Pagination current={current} total={pages} href={(n) => `${FORMS}?page=${n}`} />

        <h2 id="new">{say(request, L('新しい申請様式', 'New form'))}</h2>
        <form method="post" action={FORMS} novalidate>
          <input type="hidden" name="_csrf" value={csrf} />
          {tenantChoice('lgCode')}
          <TextInput label={say(request, L('様式コード', 'Form code'))} hint={codeHint} width="20" spellcheck={false} {...view.field('code')} />
          <TextInput label={say(request, L('様式名（日本語）', 'Title (Japanese)'))} {...view.field('titleJa')} />
          <TextInput label={say(request, L('様式名（英語）', 'Title (English)'))} {...view.field('titleEn')} />
          <Button>{say(request, L('作成する', 'Create'))}</Button>
        </form>

        <h2 id="import">{say(request, L('項目一覧の取り込み', 'Import a field list'))}</h2>
        <p>{say(request, L('紙の様式の欄を表計算ソフトで1行に1項目ずつ書き、CSV（UTF-8）またはJSONで保存して取り込みます。列は page, key, type, dictionary, label_ja, label_en, hint_ja, hint_en, required, min, max, min_length, max_length, pattern, options, accept, max_bytes, group, show_if などです（docs/procedures.md）。', 'Type the boxes of the paper form into a spreadsheet, one row per field, save it as CSV (UTF-8) or JSON and import it. Columns: page, key, type, dictionary, label_ja, label_en, hint_ja, hint_en, required, min, max, min_length, max_length, pattern, options, accept, max_bytes, group, show_if and more (docs/procedures.md).'))}</p>
        <form method="post" action={`${FORMS}/import`} enctype="multipart/form-data" novalidate>
          <input type="hidden" name="_csrf" value={csrf} />
          {tenantChoice('importLgCode')}
          <TextInput label={say(request, L('様式コード', 'Form code'))} hint={codeHint} width="20" spellcheck={false} {...view.field('importCode')} />
          <TextInput label={say(request, L('様式名（日本語）', 'Title (Japanese)'))} {...view.field('importTitleJa')} />
          <TextInput label={say(request, L('様式名（英語）', 'Title (English)'))} {...view.field('importTitleEn')} />
          <FileUpload label={say(request, L('項目一覧のファイル（CSVまたはJSON、512KBまで）', 'Field list file (CSV or JSON, up to 512 KB)'))} accept=".csv,.json,text/csv,application/json" name="file" errorMessage={view.error('file')} />
          <Button>{say(request, L('取り込む', 'Import'))}</Button>
        </form>

        <h2 id="templates">{say(request, L('県のひな形', 'Prefecture templates'))}</h2>
        {templates.length === 0 ? (
          <p>{say(request, L('公開されたひな形はまだありません。', 'No templates have been published yet.'))}</p>
        ) : (
          <>
            <p>{say(request, L('県が公開したひな形の最新の公開版をコピーし、市町村に合わせて直します。', 'Copy the latest published version of a prefecture template and adapt it.'))}</p>
            {templates.map((tmpl, i) => (
              <form method="post" action={`${FORMS}/copy`} novalidate class="template-copy">
                <h3>{tmpl.version.definition.title[locale]} <span class="muted">{t('procedures.form.previewVersion', { version: tmpl.version.version })}</span></h3>
                <input type="hidden" name="_csrf" value={csrf} />
                <input type="hidden" name="from" value={`${tmpl.lgCode}/${tmpl.code}`} />
                <p><a href={`${editorOf(tmpl)}/preview?version=${tmpl.version.version}`}>{say(request, L('プレビュー', 'Preview'))}</a></p>
                {writable.length > 1 ? <Select id={`copyLgCode-${i}`} label={say(request, L('コピー先の団体', 'Copy to'))} items={tenantItems} name="copyLgCode" value={view.value('from') === `${tmpl.lgCode}/${tmpl.code}` ? view.value('copyLgCode') : ''} errorMessage={undefined} /> : <input type="hidden" name="copyLgCode" value={writable[0]} />}
                <TextInput id={`copyCode-${i}`} label={say(request, L('新しい様式コード', 'New form code'))} width="20" spellcheck={false} name="copyCode" value={view.value('from') === `${tmpl.lgCode}/${tmpl.code}` ? view.value('copyCode') : tmpl.code.replace(/^tmpl-/, '')} errorMessage={view.value('from') === `${tmpl.lgCode}/${tmpl.code}` ? view.error('copyCode') : undefined} />
                <Button variant="secondary">{say(request, L('コピーして編集する', 'Copy and edit'))}</Button>
              </form>
            ))}
          </>
        )}
      </>
    ));
  };

  app.get<{ Querystring: { page?: string; done?: string } }>(FORMS, async (request, reply) => {
    const writable = await designerTenants(request, reply);
    if (!writable) return reply;
    return sendList(request, reply, writable);
  });

  /** A new form's tenant, code and title from the list page's inputs (names with `prefix`). */
  const newFormInputs = async (values: FormValues, writable: string[], prefix: '' | 'import') => {
    const name = (n: string) => (prefix ? `${prefix}${n[0]!.toUpperCase()}${n.slice(1)}` : n);
    const get = (n: string) => String(values[name(n)] ?? '').trim();
    const errors: FieldErrors = {};
    const lgCode = get('lgCode');
    if (!writable.includes(lgCode)) throw new AppError(PlatformErrors.FORBIDDEN);
    const code = get('code');
    if (!CODE.test(code)) errors[name('code')] = L('様式コードは英小文字で始まる英小文字・数字・ハイフン（2〜61文字）にしてください', 'The form code must start with a lower-case letter and use a-z, 0-9 and hyphens (2–61 characters)');
    else if (await findForm(ctx.db, lgCode, code)) errors[name('code')] = L(`様式コード「${code}」はすでに使われています`, `The form code "${code}" is already used`);
    const title = { ja: get('titleJa'), en: get('titleEn') };
    if (!title.ja || title.ja.length > 200) errors[name('titleJa')] = L('様式名（日本語）を200文字以内で入力してください', 'Enter the title in Japanese (up to 200 characters)');
    if (!title.en || title.en.length > 200) errors[name('titleEn')] = L('様式名（英語）を200文字以内で入力してください', 'Enter the title in English (up to 200 characters)');
    return { lgCode, code, title, errors };
  };

  /** Creates a form's first draft (an existing code is answered as a field error, never overwritten). */
  const createDraft = async (request: FastifyRequest, lgCode: string, code: string, draft: FormDefinition, action: string, copiedFrom?: string) =>
    ctx.app.db.transaction().execute(async (trx) => {
      const saved = await saveDraft(proceduresDb(trx), { lgCode, code, draft, isTemplate: false, copiedFrom: copiedFrom ?? null }, null, actorId(request.actor));
      if (saved !== undefined) await audit(trx, request, action, lgCode, `form:${lgCode}/${code}`, { draftVersion: saved, ...(copiedFrom ? { copiedFrom } : {}) });
      return saved;
    });
  const taken = (name: string, code: string): FieldErrors => ({ [name]: L(`様式コード「${code}」はすでに使われています`, `The form code "${code}" is already used`) });

  app.post<{ Querystring: { page?: string } }>(FORMS, { preHandler: app.csrfProtection }, async (request, reply) => {
    const writable = await designerTenants(request, reply);
    if (!writable) return reply;
    const values = formValues(request.body);
    const input = await newFormInputs(values, writable, '');
    if (Object.keys(input.errors).length) return sendList(request, reply, writable, { values, errors: input.errors });
    const saved = await createDraft(request, input.lgCode, input.code, { title: input.title, pages: [] }, 'procedures.form_created');
    if (saved === undefined) return sendList(request, reply, writable, { values, errors: taken('code', input.code) });
    return reply.redirect(`${editorOf(input)}?done=created`, 303);
  });

  await app.register(async (child) => {
    // A field list is small: 512 KB as the API allows, one file.
    await child.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: 512 * 1024, files: 1, fields: 10, fieldSize: 1000 } });
    child.post<{ Querystring: { page?: string } }>(`${FORMS}/import`, { preHandler: child.csrfProtection }, async (request, reply) => {
      const writable = await designerTenants(request, reply);
      if (!writable) return reply;
      const body = (request.body ?? {}) as Record<string, unknown>;
      const values: FormValues = Object.fromEntries(Object.entries(body).filter(([k, v]) => typeof v === 'string' && k !== '_csrf')) as FormValues;
      const input = await newFormInputs(values, writable, 'import');
      const file = Buffer.isBuffer(body.file) ? body.file.toString('utf8') : '';
      if (!file.trim()) input.errors.file = L('項目一覧のファイル（CSVまたはJSON）を選んでください', 'Choose the field list file (CSV or JSON)');
      if (Object.keys(input.errors).length) return sendList(request, reply, writable, { values, errors: input.errors });
      let draft: FormDefinition;
      try {
        const text = file.replace(/^\uFEFF/, '');
        if (/^\s*[{[]/.test(text)) {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            throw new FieldListError([{ name: 'file', in: 'body', detail: L('JSONとして読めません', 'The file is not valid JSON') }]);
          }
          draft = definitionFromRows(parseFieldListJson(json).rows, input.title);
        } else draft = definitionFromRows(parseFieldListCsv(text), input.title);
      } catch (e) {
        if (!(e instanceof FieldListError)) throw e;
        // Each problem names the line and column; all link to the file box.
        const errors: FieldErrors = {};
        e.problems.forEach((p, i) => (errors[i === 0 ? 'file' : `file-${i}`] = { message: p.detail, anchor: 'file' }));
        return sendList(request, reply, writable, { values, errors });
      }
      const saved = await createDraft(request, input.lgCode, input.code, draft, 'procedures.form_imported');
      if (saved === undefined) return sendList(request, reply, writable, { values, errors: taken('importCode', input.code) });
      return reply.redirect(`${editorOf(input)}?done=imported`, 303);
    });
  });

  app.post<{ Querystring: { page?: string } }>(`${FORMS}/copy`, { preHandler: app.csrfProtection }, async (request, reply) => {
    const writable = await designerTenants(request, reply);
    if (!writable) return reply;
    const values = formValues(request.body);
    const lgCode = String(values.copyLgCode ?? '');
    if (!writable.includes(lgCode)) throw new AppError(PlatformErrors.FORBIDDEN);
    const [fromLg, fromCode] = String(values.from ?? '').split('/');
    if (!fromLg || !fromCode) throw new AppError(ProceduresErrors.FORM_NOT_FOUND);
    const code = String(values.copyCode ?? '').trim();
    const errors: FieldErrors = {};
    if (!CODE.test(code)) errors.copyCode = L('様式コードは英小文字で始まる英小文字・数字・ハイフン（2〜61文字）にしてください', 'The form code must start with a lower-case letter and use a-z, 0-9 and hyphens (2–61 characters)');
    else if (await findForm(ctx.db, lgCode, code)) Object.assign(errors, taken('copyCode', code));
    const index = (await templatesFor(writable)).findIndex((f) => f.lgCode === fromLg && f.code === fromCode);
    const withAnchor = (e: FieldErrors): FieldErrors => (e.copyCode ? { copyCode: { message: e.copyCode as Localized, anchor: `copyCode-${Math.max(0, index)}` } } : e);
    if (Object.keys(errors).length) return sendList(request, reply, writable, { values, errors: withAnchor(errors) });
    const source = await copySource(ctx.db, (await tenants.get(lgCode))!, { lgCode: fromLg, code: fromCode });
    const copiedFrom = `${source.lgCode}/${source.formCode}@${source.version}`;
    const saved = await createDraft(request, lgCode, code, source.definition, 'procedures.form_created', copiedFrom);
    if (saved === undefined) return sendList(request, reply, writable, { values, errors: withAnchor(taken('copyCode', code)) });
    return reply.redirect(`${editorOf({ lgCode, code })}?done=copied`, 303);
  });

  // ---------------------------------------------------------------- the editor

  interface EditorState {
    values?: FormValues;
    errors?: FieldErrors;
    /** Publishing was refused: the problems go into the error summary. */
    publishProblems?: FieldProblem[];
  }

  const sendEditor = async (request: FastifyRequest<{ Params: Key; Querystring: { done?: string } }>, reply: FastifyReply, form: StoredForm, state: EditorState = {}) => {
    const { t, locale } = request;
    const view = formView({ values: state.values, errors: state.errors }, locale);
    const csrf = pageCsrfToken(reply);
    const dictionary = await loadDictionary(ctx.db);
    const draft = form.draft;
    const problems = validateDefinition(draft, dictionary);
    const problemLinks = problems.map((p) => ({ text: p.detail[locale], href: `#${anchorOfPointer(draft, p.name)}` }));
    const errorSummary = [...view.errorSummary, ...(state.publishProblems ? problemLinks : [])];
    const versions = await listVersions(ctx.db, form.lgCode, form.code);
    const base = editorOf(form);
    const hidden = (
      <>
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="version" value={String(form.draftVersion)} />
      </>
    );
    const procedures = await ctx.db
      .selectFrom('procedures_procedures as p')
      .leftJoin('procedures_form_versions as v', (j) => j.onRef('v.lg_code', '=', 'p.lg_code').onRef('v.id', '=', 'p.form_version_id'))
      .select(['p.code', 'p.title_ja', 'p.title_en', 'v.form_code', 'v.version'])
      .where('p.lg_code', '=', form.lgCode)
      .where('p.channel', '=', 'portal')
      .orderBy('p.sort_order')
      .orderBy('p.code')
      .execute();
    const linked = procedures.filter((p) => p.form_code === form.code);
    const done = request.query.done && request.query.done in DONE ? DONE[request.query.done] : undefined;
    const fieldSummary = (field: FormField) => {
      const r = resolveField(field, dictionary);
      const bits = [TYPE_NAMES[r.type]?.[locale] ?? String(r.type)];
      if (field.dictionary) bits.push(say(request, L(`共通項目「${field.dictionary}」`, `dictionary "${field.dictionary}"`)));
      if (r.required) bits.push(say(request, L('必須', 'required')));
      if (r.minLength !== undefined || r.maxLength !== undefined) bits.push(say(request, L(`${r.minLength ?? 0}〜${r.maxLength ?? ''}文字`, `${r.minLength ?? 0}–${r.maxLength ?? ''} characters`)));
      if (r.min !== undefined || r.max !== undefined) bits.push(`${r.min ?? ''}〜${r.max ?? ''}`);
      if (r.pattern) bits.push(say(request, L('パターンあり', 'pattern')));
      if (r.options) bits.push(say(request, L(`選択肢${r.options.length}個`, `${r.options.length} options`)));
      if (field.showIf) bits.push(say(request, L(`表示条件: ${field.showIf.field}${field.showIf.equals !== undefined ? ` = ${[field.showIf.equals].flat().join('|')}` : ''}`, `shown if ${field.showIf.field}${field.showIf.equals !== undefined ? ` = ${[field.showIf.equals].flat().join('|')}` : ''}`)));
      return bits.join(' · ');
    };
    const FieldItem = ({ field, group }: { field: FormField; group?: FormField }) => {
      const ref = fieldRef(field, group);
      const label = resolveField(field, dictionary).label[locale];
      return (
        <li class="builder-field">
          <h4 id={fieldAnchor(ref)} tabindex={-1}>{label} <span class="muted">（{field.key}）</span></h4>
          <p class="muted">{fieldSummary(field)}</p>
          <form method="post" action={`${base}/fields/move`} class="builder-actions">
            {hidden}
            <input type="hidden" name="field" value={ref} />
            <a href={`${base}/fields/${ref}`}>{say(request, L('編集', 'Edit'))}<span class="visually-hidden">: {label}</span></a>{' '}
            <button type="submit" class="button button--secondary button--small" name="action" value="up">{say(request, L('上へ', 'Up'))}<span class="visually-hidden">: {label}</span></button>{' '}
            <button type="submit" class="button button--secondary button--small" name="action" value="down">{say(request, L('下へ', 'Down'))}<span class="visually-hidden">: {label}</span></button>{' '}
            <button type="submit" class="button button--warning button--small" name="action" value="remove">{say(request, L('削除', 'Remove'))}<span class="visually-hidden">: {label}</span></button>
          </form>
          {field.fields && field.fields.length > 0 && (
            <ul class="builder-fields">
              {field.fields.map((inner) => <FieldItem field={inner} group={field} />)}
            </ul>
          )}
        </li>
      );
    };
    const groups = draft.pages.flatMap((p) => p.fields.filter((f) => resolveField(f, dictionary).type === 'group'));
    return sendPage(reply, { title: form.title[locale], status: state.publishProblems ? 422 : view.hasErrors ? 422 : 200, errorSummary, backLink: { href: FORMS } }, (
      <>
        {done && <NotificationBanner type="success">{say(request, done)}</NotificationBanner>}
        {state.publishProblems && <p class="error-message">{say(request, L('公開できませんでした。上の一覧の問題を直してから、もう一度公開してください。', 'Not published. Fix the problems listed above, then publish again.'))}</p>}
        <p class="caption">{await tenantName(request, form.lgCode)} · {form.code}</p>
        <h1>{form.title[locale]}</h1>
        <SummaryList
          rows={[
            { key: say(request, L('状態', 'Status')), value: form.latestVersion ? say(request, L(`公開中（第${form.latestVersion}版）。下書きの変更は、公開するまで住民には見えません。`, `Published (version ${form.latestVersion}). Changes to the draft are not seen by residents until published.`)) : say(request, L('未公開の下書き', 'Unpublished draft')) },
            { key: say(request, L('下書きの保存', 'Draft saved')), value: say(request, L(`${formatDateTime(form.updatedAt, locale)}（下書き番号 ${form.draftVersion}）`, `${formatDateTime(form.updatedAt, locale)} (draft number ${form.draftVersion})`)) },
            ...(form.copiedFrom ? [{ key: say(request, L('コピー元', 'Copied from')), value: form.copiedFrom }] : []),
          ]}
        />
        <div class="button-group">
          <a class="button button--secondary" href={`${base}/preview`}>{say(request, L('住民の画面でプレビュー', 'Preview as residents see it'))}</a>
          <a href={`/api/v1/forms/${form.lgCode}/${form.code}/export?format=csv`}>{say(request, L('項目一覧をCSVで書き出す', 'Export the field list (CSV)'))}</a>
          <a href={`/api/v1/forms/${form.lgCode}/${form.code}/export?format=json`}>{say(request, L('JSONで書き出す', 'Export as JSON'))}</a>
        </div>

        {problems.length > 0 && !state.publishProblems && (
          <div class="inset-text" id="problems">
            <h2>{say(request, L(`公開する前に直すこと（${problems.length}件）`, `To fix before publishing (${problems.length})`))}</h2>
            <ul>
              {problemLinks.map((p) => <li><a href={p.href}>{p.text}</a></li>)}
            </ul>
          </div>
        )}

        <h2 id="pages">{say(request, L('ページと項目', 'Pages and fields'))}</h2>
        {draft.pages.length === 0 && <p>{say(request, L('まだ項目がありません。下の「項目を追加」から始めてください。', 'No fields yet. Start with “Add a field” below.'))}</p>}
        {draft.pages.map((page, pi) => (
          <section aria-labelledby={pageAnchor(page.id)} class="builder-page">
            <h3 id={pageAnchor(page.id)} tabindex={-1}>{say(request, L(`ページ${pi + 1}`, `Page ${pi + 1}`))}: {page.title?.[locale] ?? say(request, L('（題名なし：項目のラベルが見出しになります）', '(no title: the question is the heading)'))} <span class="muted">（{page.id}）</span></h3>
            {page.showIf && <p class="muted">{say(request, L(`表示条件: ${page.showIf.field}`, `Shown if ${page.showIf.field}`))}{page.showIf.equals !== undefined && ` = ${[page.showIf.equals].flat().join('|')}`}</p>}
            <ul class="builder-fields">
              {page.fields.map((field) => <FieldItem field={field} />)}
            </ul>
            <form method="post" action={`${base}/pages/move`} class="builder-actions">
              {hidden}
              <input type="hidden" name="page" value={page.id} />
              <button type="submit" class="button button--secondary button--small" name="action" value="up">{say(request, L('ページを上へ', 'Move page up'))}<span class="visually-hidden">: {page.id}</span></button>{' '}
              <button type="submit" class="button button--secondary button--small" name="action" value="down">{say(request, L('ページを下へ', 'Move page down'))}<span class="visually-hidden">: {page.id}</span></button>{' '}
              {page.fields.length === 0 && <button type="submit" class="button button--warning button--small" name="action" value="remove">{say(request, L('空のページを削除', 'Remove empty page'))}<span class="visually-hidden">: {page.id}</span></button>}
            </form>
          </section>
        ))}

        <h2 id="add-field">{say(request, L('項目を追加', 'Add a field'))}</h2>
        <form method="post" action={`${base}/fields`} novalidate>
          {hidden}
          <Select label={say(request, L('共通項目辞書から選ぶ', 'Use an entry of the common field dictionary'))} hint={say(request, L('辞書の項目を使うと、一括申請で同じ質問を一度で済ませられます。種類・ラベル・規則は辞書のものになります（あとで変更できます）。', 'With a dictionary entry, a bulk application asks the question once for every form. Its type, label and rules come from the dictionary (you can change them later).'))} items={[{ value: '', text: say(request, L('使わない', 'None')) }, ...[...dictionary.values()].map((e) => ({ value: e.key, text: `${e.field.label[locale]}（${e.key}）` }))]} {...view.field('newDictionary')} />
          <Select label={say(request, L('種類', 'Type'))} items={[{ value: '', text: say(request, L('辞書の種類のまま', 'As in the dictionary')) }, ...FIELD_TYPES.map((ty) => ({ value: ty, text: TYPE_NAMES[ty]![locale] }))]} {...view.field('newType')} />
          <TextInput label={say(request, L('キー（英字の項目名）', 'Key (the field’s name in letters)'))} hint={say(request, L('英小文字で始まる英数字（例: childName）。様式の中で重ならないように。', 'Starts with a lower-case letter, letters and digits (e.g. childName); unique in the form.'))} width="20" spellcheck={false} {...view.field('newKey')} />
          <TextInput label={say(request, L('ラベル（日本語）', 'Label (Japanese)'))} hint={say(request, L('辞書の項目を使うときは空欄で構いません。', 'May be left empty with a dictionary entry.'))} {...view.field('newLabelJa')} />
          <TextInput label={say(request, L('ラベル（英語）', 'Label (English)'))} {...view.field('newLabelEn')} />
          <Select label={say(request, L('置くページ', 'Page'))} items={[{ value: '', text: say(request, L('新しいページ（1ページに1問）', 'A new page (one question per page)')) }, ...draft.pages.map((p, i) => ({ value: p.id, text: `${say(request, L(`ページ${i + 1}`, `Page ${i + 1}`))}（${p.id}）` }))]} {...view.field('newPage')} />
          {groups.length > 0 && <Select label={say(request, L('繰り返しの中に入れる', 'Inside a repeating group'))} items={[{ value: '', text: say(request, L('入れない', 'No')) }, ...groups.map((g) => ({ value: g.key, text: g.key }))]} {...view.field('newGroup')} />}
          <Button>{say(request, L('追加して規則を設定する', 'Add and set its rules'))}</Button>
        </form>

        <h2 id="add-page">{say(request, L('ページを追加', 'Add a page'))}</h2>
        <form method="post" action={`${base}/pages`} novalidate>
          {hidden}
          <TextInput label={say(request, L('ページID', 'Page id'))} hint={say(request, L('英小文字・数字・ハイフン（例: children）', 'a-z, 0-9 and hyphens (e.g. children)'))} width="20" spellcheck={false} {...view.field('pageId')} />
          <TextInput label={say(request, L('ページの題名（日本語、任意）', 'Page title (Japanese, optional)'))} {...view.field('pageTitleJa')} />
          <TextInput label={say(request, L('ページの題名（英語、任意）', 'Page title (English, optional)'))} {...view.field('pageTitleEn')} />
          <Button variant="secondary">{say(request, L('ページを追加', 'Add the page'))}</Button>
        </form>

        <h2 id="settings">{say(request, L('様式名と案内文', 'Title and introduction'))}</h2>
        <form method="post" action={`${base}/settings`} novalidate>
          {hidden}
          <TextInput label={say(request, L('様式名（日本語）', 'Title (Japanese)'))} {...view.field('titleJa')} value={view.value('titleJa') || (state.values ? '' : draft.title.ja)} />
          <TextInput label={say(request, L('様式名（英語）', 'Title (English)'))} {...view.field('titleEn')} value={view.value('titleEn') || (state.values ? '' : draft.title.en)} />
          <Textarea label={say(request, L('最初のページの案内文（日本語、任意）', 'Introduction on the first page (Japanese, optional)'))} rows={3} {...view.field('introJa')} value={view.value('introJa') || (state.values ? '' : (draft.intro?.ja ?? ''))} />
          <Textarea label={say(request, L('案内文（英語、任意）', 'Introduction (English, optional)'))} rows={3} {...view.field('introEn')} value={view.value('introEn') || (state.values ? '' : (draft.intro?.en ?? ''))} />
          <Button variant="secondary">{say(request, L('保存する', 'Save'))}</Button>
        </form>

        <h2 id="publish">{say(request, L('公開', 'Publish'))}</h2>
        <p>{say(request, L('公開すると下書きが確認され、新しい版になります。申請中の人は元の版のまま続けられます。', 'Publishing checks the draft and makes it a new version. Applications already started keep their version.'))}</p>
        <form method="post" action={`${base}/publish`}>
          {hidden}
          <Button preventDoubleClick>{say(request, L('この下書きを公開する', 'Publish this draft'))}</Button>
        </form>

        <h2 id="versions">{say(request, L('公開した版', 'Published versions'))}</h2>
        {versions.length === 0 ? (
          <p>{say(request, L('まだ公開していません。', 'Not published yet.'))}</p>
        ) : (
          <Table
            id="version-history"
            caption={say(request, L('公開した版', 'Published versions'))}
            captionSize="s"
            head={[say(request, L('版', 'Version')), say(request, L('公開日時', 'Published')), say(request, L('公開した人', 'By')), '']}
            rows={versions.map((v) => [t('procedures.form.previewVersion', { version: v.version }), formatDateTime(v.publishedAt, locale), v.publishedBy, { content: <a href={`${base}/preview?version=${v.version}`}>{say(request, L('プレビュー', 'Preview'))}<span class="visually-hidden"> {t('procedures.form.previewVersion', { version: v.version })}</span></a> }])}
          />
        )}

        <h2 id="link">{say(request, L('手続で使う', 'Use on a procedure'))}</h2>
        {linked.length > 0 && (
          <ul>
            {linked.map((p) => <li>{locale === 'ja' ? p.title_ja : p.title_en}: {t('procedures.form.previewVersion', { version: p.version! })}</li>)}
          </ul>
        )}
        {versions.length === 0 || procedures.length === 0 ? (
          <p>{versions.length === 0 ? say(request, L('公開すると、オンライン申請の手続にこの様式の版を設定できます。', 'Once published, a version can be used by an online procedure.')) : say(request, L('この団体にはオンライン申請（portal）の手続がありません。', 'This organisation has no online (portal) procedures.'))}</p>
        ) : (
          <form method="post" action={`${base}/link`} novalidate>
            {hidden}
            <Select label={say(request, L('手続', 'Procedure'))} items={procedures.map((p) => ({ value: p.code, text: `${locale === 'ja' ? p.title_ja : p.title_en}${p.form_code ? say(request, L(`（現在: ${p.form_code} 第${p.version}版）`, ` (now: ${p.form_code} version ${p.version})`)) : ''}` }))} {...view.field('procedure')} />
            <Select label={say(request, L('版', 'Version'))} items={versions.map((v) => ({ value: String(v.version), text: t('procedures.form.previewVersion', { version: v.version }) }))} {...view.field('linkVersion')} />
            <Button variant="secondary">{say(request, L('この版を使う', 'Use this version'))}</Button>
          </form>
        )}
      </>
    ));
  };

  type EditorRequest = FastifyRequest<{ Params: Key; Querystring: { done?: string } }>;
  app.get<{ Params: Key; Querystring: { done?: string } }>(`${FORMS}/:lgCode/:code`, async (request, reply) => {
    const form = await openForm(request, reply);
    if (!form) return reply;
    return sendEditor(request, reply, form);
  });

  /** A change posted from the editor: the form, the posted values, then `run`; a stale draft answers 409. */
  const editorPost = (path: string, run: (request: EditorRequest, reply: FastifyReply, form: StoredForm, values: FormValues, dictionary: Dictionary) => Promise<unknown>) =>
    app.post<{ Params: Key; Querystring: { done?: string } }>(`${FORMS}/:lgCode/:code${path}`, { preHandler: app.csrfProtection }, async (request, reply) => {
      const form = await openForm(request, reply);
      if (!form) return reply;
      const values = formValues(request.body);
      return changing(request, reply, form, async () => run(request, reply, form, values, await loadDictionary(ctx.db)));
    });
  const done = (reply: FastifyReply, form: StoredForm, what: string, anchor = '') => reply.redirect(`${editorOf(form)}?done=${what}${anchor ? `#${anchor}` : ''}`, 303);
  const textOf = (values: FormValues, name: string) => String(values[name] ?? '').trim();

  editorPost('/settings', async (request, reply, form, values) => {
    const errors: FieldErrors = {};
    const title = { ja: textOf(values, 'titleJa'), en: textOf(values, 'titleEn') };
    if (!title.ja || title.ja.length > 200) errors.titleJa = L('様式名（日本語）を200文字以内で入力してください', 'Enter the title in Japanese (up to 200 characters)');
    if (!title.en || title.en.length > 200) errors.titleEn = L('様式名（英語）を200文字以内で入力してください', 'Enter the title in English (up to 200 characters)');
    const intro = { ja: textOf(values, 'introJa'), en: textOf(values, 'introEn') };
    if (Boolean(intro.ja) !== Boolean(intro.en)) errors[intro.ja ? 'introEn' : 'introJa'] = L('案内文は日本語と英語の両方を入力してください', 'Enter the introduction in both Japanese and English');
    else if (intro.ja.length > 2000 || intro.en.length > 2000) errors.introJa = L('案内文は2,000文字までです', 'The introduction is at most 2,000 characters');
    if (Object.keys(errors).length) return sendEditor(request, reply, form, { values, errors });
    const { intro: _old, ...rest } = form.draft;
    await saveUnder(request, form, { ...rest, title, ...(intro.ja ? { intro } : {}) }, 'settings');
    return done(reply, form, 'saved');
  });

  editorPost('/fields', async (request, reply, form, values, dictionary) => {
    const pageId = textOf(values, 'newPage');
    const groupKey = textOf(values, 'newGroup');
    const found = groupKey ? locateField(form.draft, groupKey)?.field : undefined;
    const group = found && resolveField(found, dictionary).type === 'group' ? found : undefined;
    if (groupKey && !group) return sendEditor(request, reply, form, { values, errors: { newGroup: L('繰り返しを選び直してください', 'Choose the repeating group again') } });
    const inputs: FormValues = { key: values.newKey, type: values.newType, dictionary: values.newDictionary, labelJa: values.newLabelJa, labelEn: values.newLabelEn };
    const { field, errors } = fieldFromInputs(inputs, undefined, dictionary, keysBeside(form.draft, group));
    if (Object.keys(errors).length) {
      const renamed: FieldErrors = Object.fromEntries(Object.entries(errors).map(([k, v]) => [`new${k[0]!.toUpperCase()}${k.slice(1)}`, v]));
      return sendEditor(request, reply, form, { values, errors: renamed });
    }
    const draft = structuredClone(form.draft);
    if (group) (locateField(draft, groupKey)!.field.fields ??= []).push(field);
    else {
      let page = draft.pages.find((p) => p.id === pageId);
      if (!page) {
        // A page of its own, named after the key (one question per page).
        let id = field.key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).slice(0, 41);
        while (draft.pages.some((p) => p.id === id)) id = `${id.slice(0, 38)}-${Math.floor(Math.random() * 90 + 10)}`;
        page = { id, fields: [] };
        draft.pages.push(page);
      }
      page.fields.push(field);
    }
    await saveUnder(request, form, draft, 'field_added', { field: fieldRef(field, group) });
    return reply.redirect(`${editorOf(form)}/fields/${fieldRef(field, group)}?done=fieldAdded`, 303);
  });

  editorPost('/fields/move', async (request, reply, form, values) => {
    const action = textOf(values, 'action');
    if (action !== 'up' && action !== 'down' && action !== 'remove') throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: 'action', in: 'body', detail: L('操作を選んでください', 'Choose an action') }] });
    const ref = textOf(values, 'field');
    const draft = moveField(form.draft, ref, action);
    if (!draft) throw new AppError(PlatformErrors.NOT_FOUND);
    await saveUnder(request, form, draft, `field_${action}`, { field: ref });
    return done(reply, form, 'saved', action === 'remove' ? 'pages' : fieldAnchor(ref));
  });

  editorPost('/pages', async (request, reply, form, values) => {
    const id = textOf(values, 'pageId');
    const errors: FieldErrors = {};
    const idProblem = checkPageId(form.draft, id);
    if (idProblem) errors.pageId = idProblem;
    const title = { ja: textOf(values, 'pageTitleJa'), en: textOf(values, 'pageTitleEn') };
    if (Boolean(title.ja) !== Boolean(title.en)) errors[title.ja ? 'pageTitleEn' : 'pageTitleJa'] = L('ページの題名は日本語と英語の両方を入力するか、両方とも空欄にしてください', 'Enter the page title in both languages, or leave both empty');
    else if (title.ja.length > 300 || title.en.length > 300) errors.pageTitleJa = L('ページの題名は300文字までです', 'The page title is at most 300 characters');
    if (Object.keys(errors).length) return sendEditor(request, reply, form, { values, errors });
    await saveUnder(request, form, { ...form.draft, pages: [...form.draft.pages, { id, ...(title.ja ? { title } : {}), fields: [] }] }, 'page_added', { page: id });
    return done(reply, form, 'saved', pageAnchor(id));
  });

  editorPost('/pages/move', async (request, reply, form, values) => {
    const action = textOf(values, 'action');
    if (action !== 'up' && action !== 'down' && action !== 'remove') throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: 'action', in: 'body', detail: L('操作を選んでください', 'Choose an action') }] });
    const id = textOf(values, 'page');
    if (action === 'remove' && (form.draft.pages.find((p) => p.id === id)?.fields.length ?? 0) > 0) {
      throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: 'page', in: 'body', detail: L('項目のあるページは削除できません。先に項目を削除してください。', 'A page with fields cannot be removed; remove its fields first') }] });
    }
    const draft = movePage(form.draft, id, action);
    if (!draft) throw new AppError(PlatformErrors.NOT_FOUND);
    await saveUnder(request, form, draft, `page_${action}`, { page: id });
    return done(reply, form, 'saved', action === 'remove' ? 'pages' : pageAnchor(id));
  });

  editorPost('/publish', async (request, reply, form, _values, dictionary) => {
    const problems = validateDefinition(form.draft, dictionary);
    if (problems.length > 0) return sendEditor(request, reply, form, { publishProblems: problems });
    const loaded = Number(formValues(request.body).version);
    if (loaded !== form.draftVersion) throw new StaleDraft();
    await ctx.app.db.transaction().execute(async (trx) => {
      const version = await publishVersion(proceduresDb(trx), form.lgCode, form.code, resolveDefinition(form.draft, dictionary), loaded, actorId(request.actor));
      if (!version) throw new StaleDraft();
      await audit(trx, request, 'procedures.form_published', form.lgCode, `form:${form.lgCode}/${form.code}`, { version: version.version, formVersionId: version.id });
    });
    return done(reply, form, 'published', 'versions');
  });

  editorPost('/link', async (request, reply, form, values) => {
    const errors: FieldErrors = {};
    const procedure = await ctx.db.selectFrom('procedures_procedures').select(['code', 'version']).where('lg_code', '=', form.lgCode).where('code', '=', textOf(values, 'procedure')).where('channel', '=', 'portal').executeTakeFirst();
    if (!procedure) errors.procedure = L('オンライン申請の手続を選んでください', 'Choose an online procedure');
    const version = /^\d{1,7}$/.test(textOf(values, 'linkVersion')) ? await findVersion(ctx.db, form.lgCode, { code: form.code, version: Number(textOf(values, 'linkVersion')) }) : undefined;
    if (!version) errors.linkVersion = L('公開した版を選んでください', 'Choose a published version');
    if (!procedure || !version) return sendEditor(request, reply, form, { values, errors });
    // The link is one column: set under the procedure's own version, so a concurrent catalog edit is not lost.
    await ctx.app.db.transaction().execute(async (trx) => {
      const saved = await linkProcedure(proceduresDb(trx), form.lgCode, procedure.code, version.id, procedure.version, actorId(request.actor));
      if (saved === undefined) throw new StaleDraft();
      await audit(trx, request, 'procedures.procedure_form_linked', form.lgCode, `procedure:${form.lgCode}/${procedure.code}`, { version: saved, formVersionId: version.id, form: `${form.code}@${version.version}` });
    });
    return done(reply, form, 'linked', 'link');
  });

  // ---------------------------------------------------------------- one field

  type FieldParams = Key & { ref: string };
  const sendField = async (request: FastifyRequest<{ Params: FieldParams; Querystring: { done?: string } }>, reply: FastifyReply, form: StoredForm, ref: string, state: { values?: FormValues; errors?: FieldErrors } = {}) => {
    const { locale } = request;
    const dictionary = await loadDictionary(ctx.db);
    const at = locateField(form.draft, ref)!;
    const field = at.field;
    const resolved = resolveField(field, dictionary);
    const sections = sectionsFor(resolved.type);
    // The page shows what is stored until something was posted.
    const stored: FormValues = {
      key: field.key,
      type: field.type ?? '',
      dictionary: field.dictionary ?? '',
      labelJa: field.label?.ja ?? '',
      labelEn: field.label?.en ?? '',
      hintJa: field.hint?.ja ?? '',
      hintEn: field.hint?.en ?? '',
      required: field.required === undefined ? '' : field.required ? 'yes' : 'no',
      minLength: field.minLength?.toString() ?? '',
      maxLength: field.maxLength?.toString() ?? '',
      pattern: field.pattern ?? '',
      patternMessageJa: field.patternMessage?.ja ?? '',
      patternMessageEn: field.patternMessage?.en ?? '',
      multiline: field.multiline ? 'yes' : '',
      min: field.min?.toString() ?? '',
      max: field.max?.toString() ?? '',
      integer: field.integer ? 'yes' : '',
      options: optionsText(field.options),
      accept: (field.accept ?? []).join('|'),
      maxBytes: field.maxBytes?.toString() ?? '',
      minItems: field.minItems?.toString() ?? '',
      maxItems: field.maxItems?.toString() ?? '',
      itemLabelJa: field.itemLabel?.ja ?? '',
      itemLabelEn: field.itemLabel?.en ?? '',
      showIfField: field.showIf?.field ?? '',
      showIfEquals: field.showIf?.equals === undefined ? '' : [field.showIf.equals].flat().join('|'),
      page: at.page.id,
    };
    const view = formView({ values: state.values ?? stored, errors: state.errors }, locale);
    const entry = field.dictionary ? dictionary.get(field.dictionary) : undefined;
    const inherited = (what: string | undefined) => (entry && what ? say(request, L(`空欄なら辞書の「${what}」`, `Empty: the dictionary’s "${what}"`)) : undefined);
    const otherKeys = keysBeside(form.draft, at.group, field.key);
    const title = say(request, L(`項目「${resolved.label.ja}」の編集`, `Edit the field "${resolved.label.en}"`));
    const done = request.query.done && request.query.done in DONE ? DONE[request.query.done] : undefined;
    const problems = validateDefinition(form.draft, dictionary).filter((p) => anchorOfPointer(form.draft, p.name) === fieldAnchor(ref));
    return sendPage(reply, { title, status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: `${editorOf(form)}#${fieldAnchor(ref)}` } }, (
      <>
        {done && <NotificationBanner type="success">{say(request, done)}</NotificationBanner>}
        <p class="caption">{form.title[locale]}</p>
        <h1>{title}</h1>
        {problems.length > 0 && (
          <div class="inset-text">
            <p>{say(request, L('公開する前に直すこと:', 'To fix before publishing:'))}</p>
            <ul>{problems.map((p) => <li>{p.detail[locale]}</li>)}</ul>
          </div>
        )}
        <form method="post" action={`${editorOf(form)}/fields/${ref}`} novalidate>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <input type="hidden" name="version" value={String(form.draftVersion)} />
          <input type="hidden" name="_shown" value={sections.join(',')} />
          <TextInput label={say(request, L('キー（英字の項目名）', 'Key (the field’s name in letters)'))} hint={say(request, L('変えると、この項目を条件にしている項目も直す必要があります。', 'If you change it, update the conditions that refer to it.'))} width="20" spellcheck={false} {...view.field('key')} />
          <Select label={say(request, L('共通項目辞書', 'Common field dictionary'))} items={[{ value: '', text: say(request, L('使わない', 'None')) }, ...[...dictionary.values()].map((e) => ({ value: e.key, text: `${e.field.label[locale]}（${e.key}）` }))]} {...view.field('dictionary')} />
          <Select label={say(request, L('種類', 'Type'))} hint={say(request, L('種類を変えたら保存し、その種類の規則を設定してください。', 'After changing the type, save, then set the rules for that type.'))} items={[{ value: '', text: say(request, L('辞書の種類のまま', 'As in the dictionary')) }, ...FIELD_TYPES.map((ty) => ({ value: ty, text: TYPE_NAMES[ty]![locale] }))]} {...view.field('type')} />
          <TextInput label={say(request, L('ラベル（日本語）', 'Label (Japanese)'))} hint={inherited(entry?.field.label.ja)} {...view.field('labelJa')} />
          <TextInput label={say(request, L('ラベル（英語）', 'Label (English)'))} hint={inherited(entry?.field.label.en)} {...view.field('labelEn')} />
          <Textarea label={say(request, L('説明（日本語、任意）', 'Help text (Japanese, optional)'))} rows={2} {...view.field('hintJa')} />
          <Textarea label={say(request, L('説明（英語、任意）', 'Help text (English, optional)'))} rows={2} {...view.field('hintEn')} />
          <Radios legend={say(request, L('入力は必須ですか', 'Is an answer required?'))} legendSize="s" inline items={[{ value: 'yes', text: say(request, L('必須', 'Required')) }, { value: 'no', text: say(request, L('任意', 'Optional')) }, ...(entry ? [{ value: '', text: say(request, L('辞書のまま', 'As in the dictionary')) }] : [])]} {...view.field('required')} />
          {sections.includes('text') && (
            <fieldset class="fieldset">
              <legend class="fieldset__legend fieldset__legend--s">{say(request, L('文字の規則', 'Text rules'))}</legend>
              <TextInput label={say(request, L('最小文字数', 'Minimum length'))} width="5" inputmode="numeric" {...view.field('minLength')} />
              <TextInput label={say(request, L('最大文字数', 'Maximum length'))} width="5" inputmode="numeric" {...view.field('maxLength')} />
              <TextInput label={say(request, L('パターン（正規表現、任意）', 'Pattern (regular expression, optional)'))} hint={say(request, L('例: 口座番号7桁なら ^[0-9]{7}$', 'E.g. a 7-digit account number: ^[0-9]{7}$'))} spellcheck={false} {...view.field('pattern')} />
              <TextInput label={say(request, L('パターンに合わないときの説明（日本語）', 'Message when it does not match (Japanese)'))} {...view.field('patternMessageJa')} />
              <TextInput label={say(request, L('パターンに合わないときの説明（英語）', 'Message when it does not match (English)'))} {...view.field('patternMessageEn')} />
              <Checkboxes legend={say(request, L('入力欄', 'Input box'))} legendSize="s" name="multiline" values={[view.value('multiline')]} items={[{ value: 'yes', text: say(request, L('複数行で入力する', 'Several lines')) }]} />
            </fieldset>
          )}
          {sections.includes('range') && (
            <fieldset class="fieldset">
              <legend class="fieldset__legend fieldset__legend--s">{resolved.type === 'date' ? say(request, L('日付の範囲（住民の画面では和暦も表示されます）', 'Date range (residents also see the Japanese era)')) : say(request, L('数値の範囲', 'Number range'))}</legend>
              <TextInput label={say(request, L('最小値', 'Minimum'))} hint={resolved.type === 'date' ? say(request, L('YYYY-MM-DD か today（例: 2024-04-01）', 'YYYY-MM-DD or today (e.g. 2024-04-01)')) : undefined} width="10" {...view.field('min')} />
              <TextInput label={say(request, L('最大値', 'Maximum'))} hint={resolved.type === 'date' ? say(request, L('YYYY-MM-DD か today', 'YYYY-MM-DD or today')) : undefined} width="10" {...view.field('max')} />
              {resolved.type === 'number' && <Checkboxes legend={say(request, L('数値', 'Number'))} legendSize="s" name="integer" values={[view.value('integer')]} items={[{ value: 'yes', text: say(request, L('整数だけ', 'Whole numbers only')) }]} />}
            </fieldset>
          )}
          {sections.includes('options') && <Textarea label={say(request, L('選択肢', 'Options'))} hint={say(request, L('1行に1つ「値=日本語/English」（例: work=就労/Working）。', 'One a line: "value=日本語/English" (e.g. work=就労/Working).'))} rows={6} spellcheck={false} {...view.field('options')} />}
          {sections.includes('file') && (
            <fieldset class="fieldset">
              <legend class="fieldset__legend fieldset__legend--s">{say(request, L('ファイルの規則', 'File rules'))}</legend>
              <TextInput label={say(request, L('受け付ける種類（拡張子）', 'Accepted kinds (extensions)'))} hint="pdf|jpg|png" width="20" spellcheck={false} {...view.field('accept')} />
              <TextInput label={say(request, L('最大サイズ（バイト）', 'Largest size (bytes)'))} hint={say(request, L('例: 5MBなら 5242880', 'E.g. 5 MB: 5242880'))} width="10" inputmode="numeric" {...view.field('maxBytes')} />
            </fieldset>
          )}
          {sections.includes('group') && (
            <fieldset class="fieldset">
              <legend class="fieldset__legend fieldset__legend--s">{say(request, L('繰り返しの規則', 'Repeating group rules'))}</legend>
              <TextInput label={say(request, L('最小件数', 'Minimum number of items'))} width="5" inputmode="numeric" {...view.field('minItems')} />
              <TextInput label={say(request, L('最大件数', 'Maximum number of items'))} width="5" inputmode="numeric" {...view.field('maxItems')} />
              <TextInput label={say(request, L('1件の呼び方（日本語、例: 世帯員）', 'Name of one item (Japanese, e.g. 世帯員)'))} {...view.field('itemLabelJa')} />
              <TextInput label={say(request, L('1件の呼び方（英語）', 'Name of one item (English)'))} {...view.field('itemLabelEn')} />
              <p>{say(request, L('繰り返しの中の項目は、編集画面の「項目を追加」で「繰り返しの中に入れる」を選んで追加します。', 'Add the fields inside the group from the editor’s “Add a field”, choosing this group.'))}</p>
            </fieldset>
          )}
          <fieldset class="fieldset">
            <legend class="fieldset__legend fieldset__legend--s">{say(request, L('表示条件（任意）', 'Display condition (optional)'))}</legend>
            <Select label={say(request, L('この項目を表示するのは、次の項目に回答があるとき', 'Show this field only when this field has an answer'))} hint={say(request, L('前にある項目を選んでください。', 'Choose a field that comes earlier.'))} items={[{ value: '', text: say(request, L('いつも表示する', 'Always show')) }, ...otherKeys.map((k) => ({ value: k, text: k }))]} {...view.field('showIfField')} />
            <TextInput label={say(request, L('その回答の値（任意、複数は | で区切る）', 'With the value (optional; several separated by |)'))} spellcheck={false} {...view.field('showIfEquals')} />
          </fieldset>
          {!at.group && <Select label={say(request, L('置くページ', 'Page'))} items={form.draft.pages.map((p, i) => ({ value: p.id, text: `${say(request, L(`ページ${i + 1}`, `Page ${i + 1}`))}（${p.id}）` }))} {...view.field('page')} />}
          <div class="button-group">
            <Button>{say(request, L('保存する', 'Save'))}</Button>
            <a href={`${editorOf(form)}#${fieldAnchor(ref)}`}>{say(request, L('保存せずに戻る', 'Back without saving'))}</a>
          </div>
        </form>
      </>
    ));
  };

  const fieldOrThrow = (form: StoredForm, ref: string) => {
    if (!/^[a-z][a-zA-Z0-9]{0,40}(\.[a-z][a-zA-Z0-9]{0,40})?$/.test(ref) || !locateField(form.draft, ref)) throw new AppError(PlatformErrors.NOT_FOUND, { detail: L('この項目は下書きにありません（ほかの職員が削除したかもしれません）', 'This field is not in the draft (someone may have removed it)') });
  };

  app.get<{ Params: FieldParams; Querystring: { done?: string } }>(`${FORMS}/:lgCode/:code/fields/:ref`, async (request, reply) => {
    const form = await openForm(request, reply);
    if (!form) return reply;
    fieldOrThrow(form, request.params.ref);
    return sendField(request, reply, form, request.params.ref);
  });

  app.post<{ Params: FieldParams; Querystring: { done?: string } }>(`${FORMS}/:lgCode/:code/fields/:ref`, { preHandler: app.csrfProtection }, async (request, reply) => {
    const form = await openForm(request, reply);
    if (!form) return reply;
    const ref = request.params.ref;
    const values = formValues(request.body);
    if (Number(values.version) !== form.draftVersion) return sendStale(request, reply, form, `${editorOf(form)}/fields/${ref}`);
    fieldOrThrow(form, ref);
    const dictionary = await loadDictionary(ctx.db);
    const at = locateField(form.draft, ref)!;
    const { field, errors } = fieldFromInputs(values, at.field, dictionary, keysBeside(form.draft, at.group, at.field.key));
    const targetPage = at.group ? at.page : form.draft.pages.find((p) => p.id === values.page);
    if (!targetPage) errors.page = L('ページを選んでください', 'Choose a page');
    if (Object.keys(errors).length) return sendField(request, reply, form, ref, { values, errors });
    // Put the field back in place (or at the end of the page it moves to).
    const draft = structuredClone(form.draft);
    const here = locateField(draft, ref)!;
    if (at.group || targetPage!.id === at.page.id) here.list[here.index] = field;
    else {
      here.list.splice(here.index, 1);
      draft.pages.find((p) => p.id === targetPage!.id)!.fields.push(field);
    }
    const newRef = fieldRef(field, at.group);
    return changing(request, reply, form, async () => {
      await saveUnder(request, form, draft, 'field_edited', { field: newRef });
      return done(reply, form, 'saved', fieldAnchor(newRef));
    }, `${editorOf(form)}/fields/${ref}`);
  });
}
