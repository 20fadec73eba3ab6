// Signing level A applications with the My Number card before submission (application-signatures.ts).
// The page shows what is signed and has the card sign the SHA-256 of the manifest: in production
// J-LIS's client software does that; in development the identity module's card simulator does.
//   GET /applications/{id}/sign · POST /applications/{id}/sign (JSON: certificate, signature)
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CARD_SCRIPT, POST_JSON_SCRIPT, simulatorCards } from '../../identity/exports.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { todayInJapanIso } from '../../platform/i18n/dates.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { InsetText } from '../../platform/ui/components/inset-text/inset-text.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import { sendPage } from '../../platform/ui/render.tsx';
import { ApplicationStore } from '../applications/application-store.ts';
import { loadFlow } from '../applications/application-flow.ts';
import { currentManifest, needsSignature, signApplications, signedBytes } from '../applications/application-signatures.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { applicantOf, requireResident, say } from './application-pages.tsx';

const MAX_BASE64 = 32_768;

export async function signingPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const store = new ApplicationStore(ctx.app.sealer);
  const draftFlow = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const account = requireResident(request, reply);
    if (!account) return undefined;
    const bulk = /^[0-9a-f-]{36}$/.test(request.params.id) ? await store.findBulk(ctx.db, request.params.id, applicantOf(account).accountId) : undefined;
    if (!bulk) throw new AppError(PlatformErrors.NOT_FOUND);
    if (bulk.status !== 'draft') throw new AppError(PlatformErrors.CONFLICT, { detail: { ja: 'この申請はすでに送られています', en: 'This application was already submitted' } });
    return loadFlow(ctx.db, bulk);
  };

  app.get<{ Params: { id: string } }>('/applications/:id/sign', async (request, reply) => {
    const flow = await draftFlow(request, reply);
    if (!flow) return reply;
    const review = `/applications/${flow.bulk.id}/review`;
    const forms = needsSignature(flow);
    if (!forms.length) return reply.redirect(review, 303);
    const { manifest } = await currentManifest(ctx, flow, todayInJapanIso());
    const bytes = signedBytes(manifest);
    const cards = await simulatorCards(ctx.app);
    const title = say(request, { ja: 'マイナンバーカードで署名する', en: 'Sign with your My Number card' });
    return sendPage(reply, { title, scripts: cards ? [POST_JSON_SCRIPT, CARD_SCRIPT] : [], backLink: { href: review } }, (
      <>
        <h1>{title}</h1>
        <p>{say(request, { ja: '次の申請には、マイナンバーカードの署名用電子証明書による電子署名が必要です。署名するのは、確認のページに表示された内容（回答と添付ファイル）です。署名した後に内容を変更したときは、もう一度署名してください。', en: 'The applications below need an electronic signature with the signature certificate of your My Number card. You sign the content shown on the check page (answers and attachments). If you change anything after signing, sign again.' })}</p>
        <ul>{forms.map((f) => <li>{f.procedure.title[request.locale]}</li>)}</ul>
        <p>{say(request, { ja: '署名する内容の要約値（SHA-256）：', en: 'Digest of the content signed (SHA-256): ' })}<code>{Buffer.from(bytes).toString('hex')}</code></p>
        {cards ? (
          <form id="card-simulator" data-module="card-simulator" data-sign-data={Buffer.from(bytes).toString('base64url')} data-action={`/applications/${flow.bulk.id}/sign`} data-pin-message={request.t('identity.card.pinInvalid')} novalidate>
            <h2>{request.t('identity.card.simulator')}</h2>
            <WarningText>{request.t('identity.card.simulatorWarning')}</WarningText>
            <Radios legend={request.t('identity.card.chooseCard')} name="card" items={cards.map((c) => ({ value: c.id, text: c.label[request.locale] }))} value={cards[0]?.id} />
            <TextInput label={request.t('identity.card.pinLabel')} hint={request.t('identity.card.pinHint')} name="pin" autocomplete="off" spellcheck={false} width="10" />
            <p class="card-result" role="alert" data-card-result hidden></p>
            <noscript><p>{request.t('identity.card.needsScript')}</p></noscript>
            <Button type="submit">{say(request, { ja: '署名する', en: 'Sign' })}</Button>
          </form>
        ) : (
          <InsetText>{request.t('identity.card.production')}</InsetText>
        )}
        <p><a href={review}>{say(request, { ja: '確認のページに戻る', en: 'Back to the check page' })}</a></p>
      </>
    ));
  });

  const body = {
    type: 'object',
    additionalProperties: false,
    required: ['certificate', 'signature'],
    properties: { certificate: { type: 'string', maxLength: MAX_BASE64 }, signature: { type: 'string', maxLength: MAX_BASE64 } },
  } as const;
  app.post<{ Params: { id: string }; Body: { certificate: string; signature: string } }>('/applications/:id/sign', { preHandler: app.csrfProtection, schema: { body } }, async (request, reply) => {
    const flow = await draftFlow(request, reply);
    if (!flow) return reply;
    if (!needsSignature(flow).length) throw new AppError(PlatformErrors.CONFLICT, { detail: { ja: 'この申請に署名は必要ありません', en: 'This application needs no signature' } });
    const checked = await signApplications(ctx, flow, todayInJapanIso(), request.body);
    if (!checked.ok) return reply.code(checked.status).send({ code: checked.code, message: checked.message[request.locale] });
    return { redirect: `/applications/${flow.bulk.id}/review` };
  });
}
