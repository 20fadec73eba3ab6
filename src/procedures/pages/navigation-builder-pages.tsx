// The navigation builder for staff (issue 6 part 2): per municipality and life event, the questions
// residents answer, each option's procedures with why (external-link procedures such as jGrants
// are leaves like any other) and the next question; a preview of every walk; the same checks as
// the API (every path ends in procedures, no cycles, no unreachable question, known procedures)
// shown before saving; the version history. The whole navigation is one form, no JavaScript
// needed: an empty slot at the end of each list adds, 「確認する」 checks and redraws. A save
// carries the version the page was loaded with: when a colleague saved in between, the page says
// so (409), keeps what was typed and links to the latest version; nothing is overwritten.
//   GET  /staff/procedures/navigations[?lgCode=]
//   GET  /staff/procedures/navigations/{lgCode}/{event}[?version=n]
//   POST /staff/procedures/navigations/{lgCode}/{event}      action=check|save
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireStaff } from '../../identity/exports.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors, type Localized } from '../../platform/errors.ts';
import { formatDateTime } from '../../platform/i18n/dates.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Checkboxes } from '../../platform/ui/components/checkboxes/checkboxes.tsx';
import { Details } from '../../platform/ui/components/details/details.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { Table } from '../../platform/ui/components/table/table.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import { formValues, formView, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { audit } from '../api/api-helpers.ts';
import { listLifeEvents, procedureStatuses } from '../catalog/catalog-store.ts';
import { proceduresDb } from '../db/schema.ts';
import { ProceduresErrors } from '../errors.ts';
import { procedureRefs, validateNavigation, type NavigationDefinition } from '../navigation/navigation-definition.ts';
import { definitionOfRows, inputOfPointer, names, rowsOfDefinition, rowsOfValues, withBlankSlots, type AppliesRow, type NavigationRows } from '../navigation/navigation-editing.ts';
import { findNavigation, listNavigations, listNavigationVersions, saveNavigation } from '../navigation/navigation-store.ts';
import type { ProceduresContext } from '../procedures-context.ts';

const NAVS = '/staff/procedures/navigations';
const L = (ja: string, en: string): Localized => ({ ja, en });
type Params = { lgCode: string; event: string };

interface ProcedureChoice { value: string; title: Localized; channel: string; external: Localized | null; prefecture: boolean }

export async function navigationBuilderPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const { guard, tenants } = ctx.app;
  const say = (request: FastifyRequest, text: Localized) => text[request.locale];

  /** The municipalities whose navigations this staff member builds (navigations belong to municipalities). */
  const builderTenants = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!requireStaff(request, reply)) return undefined;
    const codes = [...(await guard.tenantsFor(request.actor, 'procedures.manage_navigation'))].sort();
    const municipalities = (await Promise.all(codes.map((c) => tenants.get(c)))).filter((t) => t?.level === 'municipality').map((t) => t!);
    if (municipalities.length === 0) throw new AppError(PlatformErrors.FORBIDDEN);
    return municipalities;
  };

  app.get<{ Querystring: { lgCode?: string } }>(NAVS, async (request, reply) => {
    const municipalities = await builderTenants(request, reply);
    if (!municipalities) return reply;
    const { locale } = request;
    const chosen = municipalities.find((m) => m.lgCode === request.query.lgCode) ?? municipalities[0]!;
    const saved = new Map((await listNavigations(ctx.db, [chosen.lgCode])).map((n) => [n.lifeEvent, n]));
    const events = await listLifeEvents(ctx.db);
    return sendPage(reply, { title: say(request, L('ライフイベントナビの編集', 'Life-event navigations')), backLink: { href: '/staff' } }, (
      <>
        <h1>{say(request, L('ライフイベントナビの編集', 'Life-event navigations'))}</h1>
        <p>{say(request, L('ライフイベントごとに、住民が答える設問と、回答に応じて案内する手続を作ります。', 'For each life event, the questions residents answer and the procedures each answer leads to.'))} <a href="/staff/procedures/forms">{say(request, L('申請様式の編集', 'Edit forms'))}</a></p>
        {municipalities.length > 1 && (
          <form method="get" action={NAVS} class="inline-form">
            <Select label={say(request, L('市町村', 'Municipality'))} name="lgCode" value={chosen.lgCode} items={municipalities.map((m) => ({ value: m.lgCode, text: m.name[locale] }))} />
            <Button variant="secondary">{say(request, L('表示する', 'Show'))}</Button>
          </form>
        )}
        <Table
          id="navigations"
          caption={say(request, L(`${chosen.name.ja}のナビゲーション`, `Navigations of ${chosen.name.en}`))}
          captionSize="s"
          head={[say(request, L('ライフイベント', 'Life event')), say(request, L('現在の版', 'Current version')), say(request, L('更新', 'Updated')), '']}
          rows={events.map((e) => {
            const n = saved.get(e.code);
            const href = `${NAVS}/${chosen.lgCode}/${e.code}`;
            return [
              e.name[locale],
              n ? say(request, L(`第${n.currentVersion}版`, `version ${n.currentVersion}`)) : say(request, L('未作成', 'None yet')),
              n ? formatDateTime(n.updatedAt, locale) : '',
              { content: <a href={href}>{n ? say(request, L('編集', 'Edit')) : say(request, L('作成', 'Create'))}<span class="visually-hidden">: {e.name[locale]}</span></a> },
            ];
          })}
        />
      </>
    ));
  });

  /** The municipality and life event in the path, for a builder of that municipality; 404 otherwise. */
  const open = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const municipalities = await builderTenants(request, reply);
    if (!municipalities) return undefined;
    const tenant = municipalities.find((m) => m.lgCode === request.params.lgCode);
    if (!tenant) throw new AppError(ProceduresErrors.NAVIGATION_NOT_FOUND);
    const event = (await listLifeEvents(ctx.db)).find((e) => e.code === request.params.event);
    if (!event) throw new AppError(ProceduresErrors.LIFE_EVENT_NOT_FOUND);
    return { tenant, event };
  };
  type Opened = NonNullable<Awaited<ReturnType<typeof open>>>;

  /** The procedures a navigation of this municipality may name: its own and its prefecture's. */
  const procedureChoices = async (tenant: Opened['tenant']): Promise<ProcedureChoice[]> => {
    const rows = await ctx.db
      .selectFrom('procedures_procedures')
      .select(['lg_code', 'code', 'title_ja', 'title_en', 'channel', 'external_name_ja', 'external_name_en'])
      .where('lg_code', 'in', [tenant.lgCode, tenant.prefectureCode])
      .orderBy('lg_code', 'desc')
      .orderBy('sort_order')
      .orderBy('code')
      .execute();
    return rows.map((r) => ({ value: `${r.lg_code}/${r.code}`, title: { ja: r.title_ja, en: r.title_en }, channel: r.channel, external: r.external_name_ja ? { ja: r.external_name_ja, en: r.external_name_en ?? r.external_name_ja } : null, prefecture: r.lg_code !== tenant.lgCode }));
  };

  const problemsOf = async (tenant: Opened['tenant'], definition: NavigationDefinition) => {
    const existing = new Set((await procedureStatuses(ctx.db, procedureRefs(definition, tenant.lgCode))).keys());
    return validateNavigation(definition, { lgCode: tenant.lgCode, prefectureCode: tenant.prefectureCode, existing });
  };

  interface EditorState {
    rows: NavigationRows;
    /** The version the page was loaded with ('' before the first save). */
    baseVersion: string;
    errors?: FieldErrors;
    checked?: boolean;
    stale?: boolean;
    loadedVersion?: number;
    done?: boolean;
  }

  const sendEditor = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, opened: Opened, state: EditorState) => {
    const { locale } = request;
    const { tenant, event } = opened;
    const rows = withBlankSlots(state.rows);
    const values: FormValues = {};
    const view = formView({ values, errors: state.errors }, locale);
    const choices = await procedureChoices(tenant);
    const byRef = new Map(choices.map((c) => [c.value, c]));
    const current = await findNavigation(ctx.db, tenant.lgCode, event.code);
    const versions = await listNavigationVersions(ctx.db, tenant.lgCode, event.code);
    const { definition } = definitionOfRows(state.rows, tenant.lgCode);
    const procName = (ref: string) => {
      const c = byRef.get(ref);
      if (!c) return ref;
      const where = c.channel === 'external' ? say(request, L(`外部サイト: ${c.external?.ja ?? ''}`, `another site: ${c.external?.en ?? ''}`)) : c.channel === 'portal' ? say(request, L('オンライン', 'online')) : say(request, L('窓口', 'counter'));
      return `${c.prefecture ? say(request, L('【県】', '[Prefecture] ')) : ''}${c.title[locale]}（${where}）`;
    };
    const procItems = [{ value: '', text: say(request, L('（選ばない）', '(none)')) }, ...choices.map((c) => ({ value: c.value, text: procName(c.value) }))];
    const questionIds = rows.questions.filter((q) => q.id && !q.remove).map((q) => q.id);
    const hasErrors = view.hasErrors;
    const title = say(request, L(`${tenant.name.ja}「${event.name.ja}」のナビゲーション`, `${event.name.en} navigation of ${tenant.name.en}`));
    const err = (name: string) => view.error(name);
    const text = (name: string, label: string, value: string, width?: '20' | '10') => <TextInput name={name} label={label} value={value} errorMessage={err(name)} spellcheck={width ? false : undefined} width={width} />;
    const appliesInputs = (row: AppliesRow, name: (part: keyof AppliesRow) => string, n: number) => (
      <div class="builder-applies">
        <Select name={name('proc')} label={say(request, L(`手続${n}`, `Procedure ${n}`))} items={procItems} value={row.proc} errorMessage={err(name('proc'))} />
        {text(name('whyJa'), say(request, L('この手続が必要な理由（日本語）', 'Why it applies (Japanese)')), row.whyJa)}
        {text(name('whyEn'), say(request, L('理由（英語）', 'Why (English)')), row.whyEn)}
      </div>
    );
    return sendPage(reply, { title, status: state.stale ? 409 : hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: `${NAVS}?lgCode=${tenant.lgCode}` } }, (
      <>
        {state.done && <NotificationBanner type="success">{say(request, L(`保存しました（第${current?.currentVersion}版）。住民のナビゲーションは新しい版になりました。`, `Saved (version ${current?.currentVersion}). Residents now walk the new version.`))}</NotificationBanner>}
        {state.checked && !hasErrors && <NotificationBanner type="success">{say(request, L('問題はありません。すべての回答の道筋が手続で終わります。保存できます。', 'No problems: every path of answers ends in procedures. You can save.'))}</NotificationBanner>}
        {state.loadedVersion && <NotificationBanner>{say(request, L(`第${state.loadedVersion}版の内容を読み込みました。保存すると、この内容が新しい版になります。`, `Version ${state.loadedVersion} was loaded. Saving makes it a new version.`))}</NotificationBanner>}
        {state.stale && (
          <div class="inset-text" id="stale">
            <h2>{say(request, L('ほかの職員が先に保存しました', 'Someone else saved this navigation first'))}</h2>
            <p>{say(request, L(`このページを開いたあとに、ほかの職員が第${current?.currentVersion}版を保存しました。上書きしないよう、今回の内容は保存していません。下の入力は残っています。`, `Another member of staff saved version ${current?.currentVersion} after you opened this page. To avoid overwriting it, your changes were not saved; they are still below.`))}</p>
            <p><a href={`${NAVS}/${tenant.lgCode}/${event.code}`}>{say(request, L('最新の内容を読み込む', 'Load the latest version'))}</a></p>
          </div>
        )}
        <p class="caption">{tenant.name[locale]}</p>
        <h1>{title}</h1>
        <p>{current ? say(request, L(`現在は第${current.currentVersion}版です。`, `Currently version ${current.currentVersion}.`)) : say(request, L('まだ作られていません。', 'Not created yet.'))} {current && <a href={`/life-events/${event.code}/${tenant.lgCode}`}>{say(request, L('住民の画面で試す', 'Try it as a resident'))}</a>}</p>

        <h2 id="walks">{say(request, L('回答の道筋のプレビュー', 'Preview of the walks'))}</h2>
        {definition.questions.length === 0 ? <p>{say(request, L('設問を作ると、ここに道筋が表示されます。', 'The walks appear here once there are questions.'))}</p> : <WalkPreview definition={definition} tenant={tenant.lgCode} procName={procName} say={(t) => say(request, t)} />}

        <form method="post" action={`${NAVS}/${tenant.lgCode}/${event.code}`} novalidate>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <input type="hidden" name="baseVersion" value={state.baseVersion} />
          <h2 id="edit">{say(request, L('設問と選択肢', 'Questions and options'))}</h2>
          <p>{say(request, L('各リストの最後の空欄に入力すると追加されます（「確認する」で次の空欄が出ます）。選択肢の「次の設問」を「ここで終わり」にすると、その回答で結果が表示されます。手続は自団体と県のものを選べます。', 'Fill the empty slot at the end of a list to add (“Check” shows the next empty slot). An option whose next question is “End here” shows the result. Procedures may be the municipality’s own or the prefecture’s.'))}</p>
          {text('introJa', say(request, L('最初の案内文（日本語、任意）', 'Introduction (Japanese, optional)')), rows.introJa)}
          {text('introEn', say(request, L('最初の案内文（英語、任意）', 'Introduction (English, optional)')), rows.introEn)}
          <Select name="start" label={say(request, L('最初の設問', 'First question'))} items={questionIds.map((id) => ({ value: id, text: id }))} value={rows.start} errorMessage={err('start')} />

          <fieldset class="fieldset builder-page">
            <legend class="fieldset__legend fieldset__legend--m">{say(request, L('回答に関係なく全員に必要な手続', 'Procedures for everyone who starts'))}</legend>
            {rows.always.map((a, k) => appliesInputs(a, (part) => names.always(k, part), k + 1))}
          </fieldset>

          {rows.questions.map((q, i) => (
            <fieldset class="fieldset builder-page" id={`question-${i}`}>
              <legend class="fieldset__legend fieldset__legend--m">{q.id ? say(request, L(`設問「${q.id}」`, `Question "${q.id}"`)) : say(request, L('新しい設問（作るときだけ入力）', 'New question (fill in only to add one)'))}</legend>
              {text(names.question(i, 'id'), say(request, L('設問ID', 'Question id')), q.id, '20')}
              {text(names.question(i, 'textJa'), say(request, L('設問の文（日本語）', 'Question (Japanese)')), q.textJa)}
              {text(names.question(i, 'textEn'), say(request, L('設問の文（英語）', 'Question (English)')), q.textEn)}
              <Details summary={say(request, L('設問の説明（任意）', 'Help text for the question (optional)'))} open={Boolean(q.hintJa || q.hintEn || err(names.question(i, 'hintJa')) || err(names.question(i, 'hintEn')))}>
                {text(names.question(i, 'hintJa'), say(request, L('説明（日本語）', 'Help text (Japanese)')), q.hintJa)}
                {text(names.question(i, 'hintEn'), say(request, L('説明（英語）', 'Help text (English)')), q.hintEn)}
              </Details>
              {q.options.map((o, j) => (
                <fieldset class="fieldset builder-option">
                  <legend class="fieldset__legend fieldset__legend--s">{o.id ? say(request, L(`選択肢「${o.id}」`, `Option "${o.id}"`)) : say(request, L('新しい選択肢', 'New option'))}</legend>
                  {text(names.option(i, j, 'id'), say(request, L('選択肢ID', 'Option id')), o.id, '20')}
                  {text(names.option(i, j, 'labelJa'), say(request, L('選択肢の文（日本語）', 'Label (Japanese)')), o.labelJa)}
                  {text(names.option(i, j, 'labelEn'), say(request, L('選択肢の文（英語）', 'Label (English)')), o.labelEn)}
                  <Details summary={say(request, L('選択肢の説明（任意）', 'Help text for the option (optional)'))} open={Boolean(o.hintJa || o.hintEn || err(names.option(i, j, 'hintJa')) || err(names.option(i, j, 'hintEn')))}>
                    {text(names.option(i, j, 'hintJa'), say(request, L('説明（日本語）', 'Help text (Japanese)')), o.hintJa)}
                    {text(names.option(i, j, 'hintEn'), say(request, L('説明（英語）', 'Help text (English)')), o.hintEn)}
                  </Details>
                  <Select name={names.option(i, j, 'next')} label={say(request, L('次の設問', 'Next question'))} items={[{ value: '', text: say(request, L('ここで終わり（結果を表示）', 'End here (show the result)')) }, ...questionIds.filter((id) => id !== q.id).map((id) => ({ value: id, text: id }))]} value={o.next} errorMessage={err(names.option(i, j, 'next'))} />
                  {o.adds.map((a, k) => appliesInputs(a, (part) => names.applies(i, j, k, part), k + 1))}
                </fieldset>
              ))}
              {q.id && <Checkboxes name={names.question(i, 'remove')} legend={say(request, L('この設問を削除', 'Remove this question'))} legendSize="s" values={q.remove ? ['yes'] : []} items={[{ value: 'yes', text: say(request, L(`設問「${q.id}」を削除する（この設問へ進む選択肢も直してください）`, `Remove question "${q.id}" (also change the options that lead to it)`)) }]} />}
            </fieldset>
          ))}

          <div class="button-group">
            <Button variant="secondary" name="action" value="check">{say(request, L('確認する（保存しない）', 'Check (does not save)'))}</Button>
            <Button name="action" value="save" preventDoubleClick>{say(request, L('確認して保存する', 'Check and save'))}</Button>
          </div>
        </form>

        <h2 id="versions">{say(request, L('保存した版', 'Saved versions'))}</h2>
        {versions.length === 0 ? (
          <p>{say(request, L('まだ保存していません。', 'Not saved yet.'))}</p>
        ) : (
          <Table
            id="version-history"
            caption={say(request, L('保存した版', 'Saved versions'))}
            captionSize="s"
            head={[say(request, L('版', 'Version')), say(request, L('保存日時', 'Saved')), say(request, L('保存した人', 'By')), say(request, L('設問数', 'Questions')), '']}
            rows={versions.map((v) => [say(request, L(`第${v.version}版`, `version ${v.version}`)), formatDateTime(v.createdAt, locale), v.createdBy, { content: String(v.questions), numeric: true }, { content: <a href={`${NAVS}/${tenant.lgCode}/${event.code}?version=${v.version}`}>{say(request, L('この版を読み込む', 'Load this version'))}<span class="visually-hidden"> {v.version}</span></a> }])}
          />
        )}
      </>
    ));
  };

  app.get<{ Params: Params; Querystring: { version?: string; done?: string } }>(`${NAVS}/:lgCode/:event`, async (request, reply) => {
    const opened = await open(request, reply);
    if (!opened) return reply;
    const current = await findNavigation(ctx.db, opened.tenant.lgCode, opened.event.code);
    const wanted = request.query.version;
    const loaded = wanted !== undefined ? (/^[1-9]\d{0,6}$/.test(wanted) ? await findNavigation(ctx.db, opened.tenant.lgCode, opened.event.code, Number(wanted)) : undefined) : current;
    if (wanted !== undefined && !loaded) throw new AppError(ProceduresErrors.NAVIGATION_NOT_FOUND);
    const rows = loaded ? rowsOfDefinition(loaded.definition, opened.tenant.lgCode) : { introJa: '', introEn: '', start: '', always: [], questions: [] };
    return sendEditor(request, reply, opened, { rows, baseVersion: current ? String(current.currentVersion) : '', loadedVersion: wanted !== undefined ? loaded?.version : undefined, done: request.query.done === 'saved' });
  });

  app.post<{ Params: Params }>(`${NAVS}/:lgCode/:event`, { preHandler: app.csrfProtection }, async (request, reply) => {
    const opened = await open(request, reply);
    if (!opened) return reply;
    const { tenant, event } = opened;
    const values = formValues(request.body);
    const action = values.action === 'save' ? 'save' : 'check';
    const baseVersion = String(values.baseVersion ?? '');
    if (baseVersion !== '' && !/^[1-9]\d{0,6}$/.test(baseVersion)) throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: 'baseVersion', in: 'body', detail: L('版の番号が正しくありません', 'The version number is not valid') }] });
    const rows = rowsOfValues(values);
    const { definition, errors, inputs } = definitionOfRows(rows, tenant.lgCode);
    // The validator needs well-formed parts; it runs once each input is right.
    if (Object.keys(errors).length === 0) {
      for (const p of await problemsOf(tenant, definition)) {
        const input = inputOfPointer(inputs, p.name);
        // One message per input; a second problem on it still shows in the summary.
        errors[errors[input] ? `${input}#${p.name}` : input] = { message: p.detail, anchor: input };
      }
    }
    if (Object.keys(errors).length > 0 || action === 'check') return sendEditor(request, reply, opened, { rows, baseVersion, errors, checked: true });
    const expected = baseVersion === '' ? null : Number(baseVersion);
    const saved = await ctx.app.db.transaction().execute(async (trx) => {
      const version = await saveNavigation(proceduresDb(trx), tenant.lgCode, event.code, definition, expected, actorId(request.actor));
      if (version !== undefined) await audit(trx, request, 'procedures.navigation_saved', tenant.lgCode, `navigation:${tenant.lgCode}/${event.code}`, { version, questions: definition.questions.length });
      return version;
    });
    if (saved === undefined) return sendEditor(request, reply, opened, { rows, baseVersion, stale: true });
    return reply.redirect(`${NAVS}/${tenant.lgCode}/${event.code}?done=saved`, 303);
  });
}

/** Every walk as a nested list: each question, each option with the procedures it adds and where it leads. */
function WalkPreview(props: { definition: NavigationDefinition; tenant: string; procName: (ref: string) => string; say: (text: Localized) => string }) {
  const { definition, say } = props;
  const byId = new Map(definition.questions.map((q) => [q.id, q]));
  const shown = new Set<string>();
  const ref = (a: { procedure: { lgCode?: string; code: string } }) => `${a.procedure.lgCode ?? props.tenant}/${a.procedure.code}`;
  const Question = ({ id }: { id: string }) => {
    const q = byId.get(id);
    if (!q) return <li>{say(L(`設問「${id}」がありません`, `There is no question "${id}"`))}</li>;
    if (shown.has(id)) return <li>{say(L(`設問「${id}」へ（上に表示）`, `To question "${id}" (shown above)`))}</li>;
    shown.add(id);
    return (
      <li>
        <strong>{say(q.text)}</strong> <span class="muted">（{q.id}）</span>
        <ul>
          {q.options.map((o) => (
            <li>
              {say(L('「', '“'))}{say(o.label)}{say(L('」', '”'))}
              {(o.adds ?? []).length > 0 && <> → {(o.adds ?? []).map((a) => props.procName(ref(a))).join('、')}</>}
              {o.next ? <ul><Question id={o.next} /></ul> : <> → <em>{say(L('結果', 'result'))}</em></>}
            </li>
          ))}
        </ul>
      </li>
    );
  };
  return (
    <>
      {definition.always.length > 0 && <p>{say(L('全員: ', 'Everyone: '))}{definition.always.map((a) => props.procName(ref(a))).join('、')}</p>}
      {definition.questions.length > 0 && !byId.has(definition.start) && <WarningText>{say(L('最初の設問を選んでください。', 'Choose the first question.'))}</WarningText>}
      <ul class="walk-preview">
        <Question id={definition.start} />
      </ul>
    </>
  );
}
