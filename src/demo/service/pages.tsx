// The app's pages: plain server-rendered HTML with one stylesheet of its own, no scripts, no
// external resources. It looks unlike the City OS on purpose: it is somebody else's service.
// Preact escapes every value, so record data can never become markup. The record's text is the
// municipality's Japanese, so its cells carry lang="ja" for screen readers on the English pages.
import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';
import { failureText, MESSAGES, type Lang, type Messages } from './messages.ts';
import { readRecord, upcoming, type RecordView } from './record-view.ts';
import { FONT_STYLESHEET } from '../../platform/ui/assets-routes.ts';

export interface PageContext {
  lang: Lang;
  /** The current path, for the language switch. */
  path: string;
  csrf?: string;
  signedIn: boolean;
}

function Layout(props: { ctx: PageContext; title: string; children: ComponentChildren }) {
  const m = MESSAGES[props.ctx.lang];
  const other = m.otherLangCode;
  return (
    <html lang={props.ctx.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} | ${m.appName}`}</title>
        <link rel="stylesheet" href={FONT_STYLESHEET} />
        <link rel="stylesheet" href="/assets/kosodate.css" />
      </head>
      <body>
        <a class="skip" href="#main">{m.skip}</a>
        <header class="brand">
          <p class="brand-name">
            <span class="brand-mark" aria-hidden="true">
              ◎
            </span>{' '}
            {m.appName} <span class="brand-tagline">{m.appTagline}</span>
          </p>
          <nav aria-label={props.ctx.lang === 'ja' ? '言語と操作' : 'Language and account'}>
            <a href={`${props.ctx.path}?lang=${other}`} lang={other} hreflang={other}>
              {m.otherLang}
            </a>
            {props.ctx.signedIn && props.ctx.csrf ? (
              <form method="post" action="/logout" class="inline">
                <input type="hidden" name="_csrf" value={props.ctx.csrf} />
                <button type="submit" class="link-button">
                  {m.logout}
                </button>
              </form>
            ) : null}
          </nav>
        </header>
        <main id="main" tabIndex={-1}>
          {props.children}
        </main>
        <footer>
          <p>{m.demoNotice}</p>
        </footer>
      </body>
    </html>
  );
}

function page(ctx: PageContext, title: string, body: ComponentChildren): string {
  return `<!DOCTYPE html>${render(
    <Layout ctx={ctx} title={title}>
      {body}
    </Layout>,
  )}`;
}

function PostButton(props: { action: string; csrf: string | undefined; label: string; primary?: boolean }) {
  return (
    <form method="post" action={props.action}>
      <input type="hidden" name="_csrf" value={props.csrf ?? ''} />
      <button type="submit" class={props.primary === false ? 'button secondary' : 'button'}>
        {props.label}
      </button>
    </form>
  );
}

export function landingPage(ctx: PageContext): string {
  const m = MESSAGES[ctx.lang];
  return page(
    ctx,
    m.landingTitle,
    <>
      <h1>{m.landingTitle}</h1>
      <p class="lead">{m.landingLead}</p>
      <p>{m.landingHow}</p>
      <p>
        <a class="button" href="/login" id="login">
          {m.login}
        </a>
      </p>
    </>,
  );
}

export function homePage(ctx: PageContext, name: string): string {
  const m = MESSAGES[ctx.lang];
  const title = name ? m.hello(name) : m.helloNoName;
  return page(
    ctx,
    title,
    <>
      <h1>{title}</h1>
      <p>{m.homeLead}</p>
      <PostButton action="/records" csrf={ctx.csrf} label={m.viewRecords} />
    </>,
  );
}

export function loggedOutPage(ctx: PageContext): string {
  const m = MESSAGES[ctx.lang];
  return page(
    ctx,
    m.loggedOutTitle,
    <>
      <h1>{m.loggedOutTitle}</h1>
      <p>{m.loggedOutLead}</p>
      <p>
        <a href="/">{m.backToTop}</a>
      </p>
    </>,
  );
}

function formatDate(iso: string, lang: Lang): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return iso;
  return lang === 'ja' ? `${match[1]}年${Number(match[2])}月${Number(match[3])}日` : iso;
}

/** A date; when it is still ahead, marked so it stands out by more than colour. */
function DueDate(props: { iso: string | null; today: string; m: Messages; lang: Lang }) {
  if (!props.iso) return <>—</>;
  if (props.iso < props.today) return <>{formatDate(props.iso, props.lang)}</>;
  return (
    <strong class="due">
      <span class="due-tag">{props.m.upcomingMark}</span> {formatDate(props.iso, props.lang)}
    </strong>
  );
}

function Section(props: { id: string; title: string; shared: boolean; empty: boolean; m: Messages; children: ComponentChildren }) {
  return (
    <section aria-labelledby={`${props.id}-h`}>
      <h2 id={`${props.id}-h`}>{props.title}</h2>
      {!props.shared ? <p class="muted">{props.m.notShared}</p> : props.empty ? <p class="muted">{props.m.noEntries}</p> : props.children}
    </section>
  );
}

export function recordsPage(ctx: PageContext, record: Record<string, unknown>, consentId: string | null, today: string): string {
  const m = MESSAGES[ctx.lang];
  const view: RecordView = readRecord(record);
  const next = upcoming(view, today);
  const d = (iso: string | null) => <DueDate iso={iso} today={today} m={m} lang={ctx.lang} />;
  return page(
    ctx,
    m.recordsTitle,
    <>
      <h1>{m.recordsTitle}</h1>
      <p class="muted">{m.recordsSource}</p>
      <section aria-labelledby="upcoming-h" class="card upcoming">
        <h2 id="upcoming-h">{m.upcomingTitle}</h2>
        {next.length === 0 ? (
          <p>{m.upcomingNone}</p>
        ) : (
          <ul>
            {next.map((u) => (
              <li>
                <strong class="due">{formatDate(u.date, ctx.lang)}</strong> {u.kind === 'checkup' ? m.nextCheckup(u.label) : m.nextDose(u.label)}
                {u.child ? <> — <span lang="ja">{u.child}</span></> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      <Section id="checkups" title={m.checkupsTitle} shared={view.checkups !== null} empty={!view.checkups?.length} m={m}>
        <div class="table-wrap">
          <table>
            <caption>{m.checkupsTitle}</caption>
            <thead>
              <tr>
                <th scope="col">{m.colDate}</th>
                <th scope="col">{m.colChild}</th>
                <th scope="col">{m.colCheckup}</th>
                <th scope="col">{m.colAge}</th>
                <th scope="col">{m.colResult}</th>
                <th scope="col">{m.colNextDue}</th>
              </tr>
            </thead>
            <tbody>
              {view.checkups?.map((c) => (
                <tr>
                  <th scope="row">{formatDate(c.date, ctx.lang)}</th>
                  <td lang="ja">{c.child}</td>
                  <td lang="ja">{c.name}</td>
                  <td>{c.ageMonths === null ? '—' : m.months(c.ageMonths)}</td>
                  <td lang="ja">{c.result}</td>
                  <td>{d(c.nextDue)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Section id="vaccinations" title={m.vaccinationsTitle} shared={view.vaccinations !== null} empty={!view.vaccinations?.length} m={m}>
        <div class="table-wrap">
          <table>
            <caption>{m.vaccinationsTitle}</caption>
            <thead>
              <tr>
                <th scope="col">{m.colDate}</th>
                <th scope="col">{m.colChild}</th>
                <th scope="col">{m.colVaccine}</th>
                <th scope="col">{m.colDose}</th>
                <th scope="col">{m.colNextDue}</th>
              </tr>
            </thead>
            <tbody>
              {view.vaccinations?.map((v) => (
                <tr>
                  <th scope="row">{formatDate(v.date, ctx.lang)}</th>
                  <td lang="ja">{v.child}</td>
                  <td lang="ja">{v.vaccine}</td>
                  <td>{v.dose === null ? '—' : m.doseNo(v.dose)}</td>
                  <td>{d(v.nextDue)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Section id="growth" title={m.growthTitle} shared={view.growth !== null} empty={!view.growth?.length} m={m}>
        <div class="table-wrap">
          <table>
            <caption>
              {m.growthTitle} <span class="muted">{m.tableUnits}</span>
            </caption>
            <thead>
              <tr>
                <th scope="col">{m.colDate}</th>
                <th scope="col">{m.colChild}</th>
                <th scope="col">{m.colAge}</th>
                <th scope="col">{m.colHeight}</th>
                <th scope="col">{m.colWeight}</th>
                <th scope="col">{m.colHead}</th>
              </tr>
            </thead>
            <tbody>
              {view.growth?.map((g) => (
                <tr>
                  <th scope="row">{formatDate(g.date, ctx.lang)}</th>
                  <td lang="ja">{g.child}</td>
                  <td>{g.ageMonths === null ? '—' : m.months(g.ageMonths)}</td>
                  <td class="num">{g.heightCm ?? '—'}</td>
                  <td class="num">{g.weightKg ?? '—'}</td>
                  <td class="num">{g.headCircumferenceCm ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <aside class="consent-note" aria-label={m.consentId}>
        <p>{m.consentNote}</p>
        {consentId ? (
          <p>
            {m.consentId}: <code id="consent-id">{consentId}</code>
          </p>
        ) : null}
      </aside>
      <PostButton action="/records" csrf={ctx.csrf} label={m.viewAgain} primary={false} />
    </>,
  );
}

export function consentNeededPage(ctx: PageContext): string {
  const m = MESSAGES[ctx.lang];
  return page(
    ctx,
    m.consentNeededTitle,
    <>
      <h1>{m.consentNeededTitle}</h1>
      <p>{m.consentNeededLead}</p>
      <PostButton action="/records" csrf={ctx.csrf} label={m.askConsent} />
      <p>
        <a href="/">{m.backHome}</a>
      </p>
    </>,
  );
}

export function refusedPage(ctx: PageContext): string {
  const m = MESSAGES[ctx.lang];
  return page(
    ctx,
    m.refusedTitle,
    <>
      <h1>{m.refusedTitle}</h1>
      <p>{m.refusedLead}</p>
      <p>{m.refusedCannot}</p>
      <h2>{m.refusedCan}</h2>
      <ul>
        <li>{m.refusedCan1}</li>
        <li>{m.refusedCan2}</li>
        <li>{m.refusedCan3}</li>
      </ul>
      <PostButton action="/records" csrf={ctx.csrf} label={m.askAgain} />
      <p>
        <a href="/">{m.backHome}</a>
      </p>
    </>,
  );
}

/** A failure, said in both languages whatever the page language: it may be shown to anyone. */
export function failurePage(ctx: PageContext, kind: 'records' | 'login' | 'csrf' | 'not-found' | 'internal', reason?: { status: number | null; code: string | null }): string {
  const title = { records: 'errorTitle', login: 'loginErrorTitle', csrf: 'csrfTitle', 'not-found': 'notFoundTitle', internal: 'internalTitle' } as const;
  const lead = { records: null, login: 'loginErrorLead', csrf: 'csrfLead', 'not-found': null, internal: 'internalLead' } as const;
  const text = (lang: Lang) => {
    const m = MESSAGES[lang];
    const leadKey = lead[kind];
    return reason ? failureText(reason.status, reason.code)[lang] : leadKey ? m[leadKey] : '';
  };
  const m = MESSAGES[ctx.lang];
  const otherLang: Lang = ctx.lang === 'ja' ? 'en' : 'ja';
  return page(
    ctx,
    m[title[kind]],
    <>
      <h1>{m[title[kind]]}</h1>
      {text(ctx.lang) ? <p>{text(ctx.lang)}</p> : null}
      <div lang={otherLang} class="other-language">
        <h2>{MESSAGES[otherLang][title[kind]]}</h2>
        {text(otherLang) ? <p>{text(otherLang)}</p> : null}
      </div>
      <p>
        <a href="/">{m.backHome}</a>
      </p>
    </>,
  );
}
