// When a service needs a stronger identity than the session has (003B P5.4): level B means an
// identity document checked at a municipal counter, which cannot happen online, so the page says
// how to get it; level A means the My Number card, signed here (card-pages.tsx). Either way the
// person can give up and go back to the service, which then hears "access denied".
//   GET /login/step-up?level=A|B&return=
import type { FastifyInstance } from 'fastify';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { InsetText } from '../../platform/ui/components/inset-text/inset-text.tsx';
import type { IdentityContext } from '../identity-context.ts';
import { allowReturnToService, returnPath, returnQuery, signedIn } from './page-helpers.ts';

const INTERACTION = /^\/oidc\/interaction\/([A-Za-z0-9_-]{1,64})$/;

export async function stepUpPages(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  app.get<{ Querystring: { level?: string; return?: string } }>('/login/step-up', async (request, reply) => {
    const back = returnPath(request.query.return);
    const level = request.query.level === 'B' ? 'B' : 'A';
    const who = signedIn(request);
    if (!who) return reply.redirect(`/login${returnQuery(back)}`, 303);
    if (level === 'A') return reply.redirect(`/login/card${returnQuery(back)}`, 303);
    const { t } = request;
    const interaction = INTERACTION.exec(back);
    await allowReturnToService(reply, ctx, back);
    return sendPage(reply, { title: t('identity.stepUp.B.title') }, (
      <>
        <h1>{t('identity.stepUp.B.title')}</h1>
        <p>{t('identity.stepUp.B.lead')}</p>
        <InsetText>{t('identity.stepUp.B.how')}</InsetText>
        <p>{t('identity.stepUp.B.orCard')}</p>
        <div class="button-row">
          <Button href={`/login/card${returnQuery(back)}`}>{t('identity.stepUp.useCard')}</Button>
          {interaction && (
            <form method="post" action={`/oidc/interaction/${interaction[1]}/abort`}>
              <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
              <Button variant="secondary">{t('identity.stepUp.cancel')}</Button>
            </form>
          )}
        </div>
      </>
    ));
  });
}
