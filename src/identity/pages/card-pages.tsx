// Confirming identity with the My Number card (level A). The page explains what the card gives
// (the basic four: name, address, date of birth, sex) and what for; the browser script asks the
// server for a challenge, has the card sign it and posts the certificate and signature.
//
// Production: the card is read through J-LIS's client software, which is not part of Tsunagu;
// it answers the same two endpoints. Development: with no J-LIS configuration a TEST CA stands in,
// and the card simulator (assets/card-simulator.js) signs with a demo card's software key.
//   GET /login/card · POST /login/card/challenge · POST /login/card · GET /login/card/demo-cards
import type { FastifyInstance } from 'fastify';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { InsetText } from '../../platform/ui/components/inset-text/inset-text.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import { issueCardChallenge, verifyCardForSession } from '../assurance/card-login.ts';
import { jpkiTrustFor } from '../assurance/jpki-trust.ts';
import type { IdentityContext } from '../identity-context.ts';
import { jpkiInputLimits } from '../jpki/verify-signature.ts';
import { allowReturnToService, metaOf, returnPath, returnQuery, signedIn, signIn, sensitiveRateLimit } from './page-helpers.ts';
import { POST_JSON_SCRIPT } from './passkey-routes.ts';

const INTERACTION = /^\/oidc\/interaction\/([A-Za-z0-9_-]{1,64})$/;
export const CARD_SCRIPT = '/assets/identity/card-simulator.js';

export async function cardPages(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  /** The development TEST CA's demo cards, or undefined when a real CA is configured. */
  const demoCards = async () => {
    if (ctx.app.config.production) return undefined;
    const loaded = await jpkiTrustFor(ctx.app.config);
    return loaded.mode === 'development-test-ca' ? loaded.development.demoCards : undefined;
  };
  /** Without J-LIS's CA and CRL (production, unconfigured) the card check cannot run at all. */
  const available = () => jpkiTrustFor(ctx.app.config).then(() => true, () => false);

  app.get<{ Querystring: { return?: string } }>('/login/card', async (request, reply) => {
    const back = returnPath(request.query.return);
    const who = signedIn(request);
    if (!who) return reply.redirect(`/login?return=${encodeURIComponent(`/login/card${returnQuery(back)}`)}`, 303);
    const { t, locale } = request;
    if (!(await available())) {
      return sendPage(reply, { title: t('identity.card.unavailable'), status: 503, hasErrors: true }, (
        <>
          <h1>{t('identity.card.unavailable')}</h1>
          <p>{t('identity.card.unavailableLead')}</p>
          <p><a href={back}>{t('identity.card.back')}</a></p>
        </>
      ));
    }
    const cards = await demoCards();
    const simulator = cards !== undefined;
    const interaction = INTERACTION.exec(back);
    await allowReturnToService(reply, ctx, back);
    return sendPage(reply, { title: t('identity.card.title'), scripts: simulator ? [POST_JSON_SCRIPT, CARD_SCRIPT] : [] }, (
      <>
        <h1>{t('identity.card.title')}</h1>
        <p>{t('identity.card.lead')}</p>
        <ul>
          <li>{t('identity.card.reads')}</li>
          <li>{t('identity.card.use')}</li>
          <li>{t('identity.card.pin')}</li>
        </ul>
        {simulator ? (
          <form id="card-simulator" data-module="card-simulator" data-return={back} data-pin-message={t('identity.card.pinInvalid')} novalidate>
            <h2>{t('identity.card.simulator')}</h2>
            <WarningText>{t('identity.card.simulatorWarning')}</WarningText>
            <Radios legend={t('identity.card.chooseCard')} name="card" items={(cards ?? []).map((c) => ({ value: c.id, text: c.label[locale] }))} value={cards?.[0]?.id} />
            <TextInput label={t('identity.card.pinLabel')} hint={t('identity.card.pinHint')} name="pin" autocomplete="off" spellcheck={false} width="10" />
            <p class="card-result" role="alert" data-card-result hidden></p>
            <noscript><p>{t('identity.card.needsScript')}</p></noscript>
            <Button type="submit">{t("identity.card.sign")}</Button>
          </form>
        ) : (
          <InsetText>{t('identity.card.production')}</InsetText>
        )}
        {interaction ? (
          <form method="post" action={`/oidc/interaction/${interaction[1]}/abort`}>
            <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
            <Button variant="secondary">{t('identity.stepUp.cancel')}</Button>
          </form>
        ) : (
          <p><a href={back}>{t('identity.card.back')}</a></p>
        )}
      </>
    ));
  });

  app.post('/login/card/challenge', { preHandler: app.csrfProtection, config: sensitiveRateLimit(ctx) }, async (request) => {
    const who = signedIn(request);
    if (!who) throw new AppError(PlatformErrors.UNAUTHENTICATED);
    return issueCardChallenge(ctx, who.accountId);
  });

  const body = {
    type: 'object',
    additionalProperties: false,
    required: ['challengeId', 'certificate', 'signature'],
    properties: {
      challengeId: { type: 'string', maxLength: 64 },
      certificate: { type: 'string', maxLength: jpkiInputLimits.certificateBase64Chars * 2 },
      signature: { type: 'string', maxLength: jpkiInputLimits.signatureBase64Chars * 2 },
      return: { type: 'string', maxLength: 2000 },
    },
  } as const;
  app.post<{ Body: { challengeId: string; certificate: string; signature: string; return?: string } }>(
    '/login/card',
    { preHandler: app.csrfProtection, schema: { body }, config: sensitiveRateLimit(ctx) },
    async (request, reply) => {
      const who = signedIn(request);
      if (!who) throw new AppError(PlatformErrors.UNAUTHENTICATED);
      const result = await verifyCardForSession(ctx, who, request.body, metaOf(request));
      if (!result.ok) {
        // A problem with J-LIS's service is ours (503); anything about the card or request is 422.
        return reply.code(result.kind === 'service' ? 503 : 422).send({ code: result.code, message: result.message[request.locale] });
      }
      signIn(reply, ctx, result.sessionToken);
      return { redirect: returnPath(request.body.return) };
    },
  );

  // The simulator's demo cards, private keys included: TEST keys of a TEST CA, development only.
  app.get('/login/card/demo-cards', async (request) => {
    const cards = signedIn(request) ? await demoCards() : undefined;
    if (!cards) throw new AppError(PlatformErrors.NOT_FOUND);
    return cards.map((c) => ({ id: c.id, certificate: c.certificate, privateKey: c.privateKey }));
  });
}
