// The home page section "your applications": a signed-in resident's drafts to resume and their
// latest applications with receipt numbers and status, so the procedures they use are at hand.
import { signedIn } from '../../identity/exports.ts';
import { addHomeSection } from '../../platform/tenancy/home-sections.ts';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { ApplicationStore } from '../applications/application-store.ts';
import { findProcedure } from '../catalog/catalog-store.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { STATUS } from './my-applications-pages.tsx';
import { say } from './application-pages.tsx';

const SHOWN = 3;

export function addApplicationsSection(ctx: ProceduresContext): void {
  const store = new ApplicationStore(ctx.app.sealer);
  addHomeSection(ctx.app, {
    order: 12,
    async render(request) {
      const account = signedIn(request);
      if (!account || account.accountKind !== 'resident') return undefined;
      // A proxy sees the applications of the person acted for, as on My page.
      const owner = account.actingFor?.accountId ?? account.accountId;
      const [drafts, submitted] = await Promise.all([store.listDrafts(ctx.db, owner), store.listSubmitted(ctx.db, owner)]);
      const real = drafts.filter((d) => !d.practice);
      if (real.length === 0 && submitted.length === 0) return undefined;
      const { locale } = request;
      const title = async (lgCode: string, code: string) => (await findProcedure(ctx.db, lgCode, code))?.title[locale] ?? code;
      return (
        <section aria-labelledby="home-applications">
          <h2 id="home-applications">{say(request, { ja: 'あなたの申請', en: 'Your applications' })}</h2>
          {real.length > 0 && <p><a href="/account/applications">{say(request, { ja: `書きかけの申請が ${real.length} 件あります`, en: `You have ${real.length} unfinished application(s)` })}</a></p>}
          {submitted.length > 0 && (
            <ul>
              {await Promise.all(submitted.slice(0, SHOWN).map(async (a) => (
                <li>
                  {await title(a.lgCode, a.procedureCode)} {a.receiptNumber && <span class="muted">{say(request, { ja: `受付番号 ${a.receiptNumber}`, en: `No. ${a.receiptNumber}` })}</span>} <Tag tone={a.status === 'returned' ? 'warning' : 'info'}>{STATUS[a.status][locale]}</Tag>
                </li>
              )))}
            </ul>
          )}
          <p><a href="/account/applications">{say(request, { ja: '申請の一覧', en: 'All your applications' })}</a></p>
        </section>
      );
    },
  });
}
