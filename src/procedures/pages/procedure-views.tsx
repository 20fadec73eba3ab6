// Pieces the catalog and navigation pages share: how a procedure's channel, fees, assurance level
// and documents read to a resident, and the line that says who runs it.
import type { FastifyRequest } from 'fastify';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import type { Tenant } from '../../platform/tenancy/tenant-directory.ts';
import type { Fee, Procedure, RequiredDocument } from '../catalog/catalog-store.ts';
import type { Channel } from '../db/schema.ts';

const channelTone = { portal: 'success', external: 'info', counter: 'neutral' } as const;

export function ChannelTag({ request, channel }: { request: FastifyRequest; channel: Channel }) {
  return <Tag tone={channelTone[channel]}>{request.t(`procedures.channel.${channel}`)}</Tag>;
}

export const procedureHref = (p: { lgCode: string; code: string }) => `/procedures/${p.lgCode}/${p.code}`;

/** 「会津若松市」 or, for a prefecture procedure, 「福島県（県内の全市町村）」. */
export function ownerName(request: FastifyRequest, owner: Tenant | undefined, lgCode: string): string {
  if (!owner) return lgCode;
  const name = owner.name[request.locale];
  return owner.level === 'prefecture' ? request.t('procedures.ownerPrefecture', { name }) : name;
}

const yen = (amount: number, locale: 'ja' | 'en') => (locale === 'ja' ? `${amount.toLocaleString('ja-JP')}円` : `¥${amount.toLocaleString('en-US')}`);

export function Fees({ request, fees }: { request: FastifyRequest; fees: Fee[] }) {
  if (fees.length === 0) return <>{request.t('procedures.feeNone')}</>;
  return (
    <ul class="plain-list">
      {fees.map((f) => (
        <li>
          {f.label[request.locale]}: {f.amountYen === 0 ? request.t('procedures.feeFree') : yen(f.amountYen, request.locale)}
        </li>
      ))}
    </ul>
  );
}

export function Documents({ request, documents }: { request: FastifyRequest; documents: RequiredDocument[] }) {
  const { t, locale } = request;
  if (documents.length === 0) return <p>{t('procedures.documentsNone')}</p>;
  return (
    <ul class="procedure-documents">
      {documents.map((d) => (
        <li>
          <strong>{d.name[locale]}</strong> {!d.required && <Tag tone="neutral">{t('procedures.documentOptional')}</Tag>}
          {d.note[locale] && <div class="muted">{d.note[locale]}</div>}
        </li>
      ))}
    </ul>
  );
}

/** How to do it: online here, on an external site (clearly marked as leaving), or at a counter. */
export function HowToApply({ request, procedure, bookingHref }: { request: FastifyRequest; procedure: Procedure; bookingHref?: string }) {
  const { t } = request;
  // A procedure without a built form may still take its existing form file online (汎用様式).
  const generic = procedure.acceptsGenericForm && (
    <p>
      {t('procedures.generic.procedurePage')} <a href={`/applications/generic?procedure=${procedure.lgCode}/${procedure.code}`}>{t('procedures.generic.applyWith')}</a>
    </p>
  );
  return (
    <>
      <ChannelHowTo request={request} procedure={procedure} />
      {bookingHref && (
        <p>
          <a href={bookingHref}>{request.t('procedures.counter.book', { department: procedure.department.name[request.locale] })}</a>
        </p>
      )}
      {generic}
    </>
  );
}

function ChannelHowTo({ request, procedure }: { request: FastifyRequest; procedure: Procedure }) {
  const { t, locale } = request;
  if (procedure.channel === 'external' && procedure.external) {
    const name = procedure.external.name[locale];
    return (
      <>
        <p>{t('procedures.external.lead', { name })}</p>
        <p>
          <a href={procedure.external.url} rel="external noopener noreferrer" class="external-link">
            {t('procedures.external.link', { name })}
            <span class="visually-hidden">{t('procedures.external.hidden')}</span>
          </a>
        </p>
        <p class="muted">{t('procedures.external.note')}</p>
      </>
    );
  }
  if (procedure.channel === 'counter' && procedure.counter) {
    return (
      <>
        <p>{t('procedures.counter.lead')}</p>
        <p>
          <strong>{t('procedures.counter.place')}</strong> {procedure.counter.place[locale]}
        </p>
        {procedure.documents.length > 0 && <p>{t('procedures.counter.bring')}</p>}
      </>
    );
  }
  // Online on this portal only once a published form exists; the button starts an application.
  return procedure.formVersionId ? (
    <>
      <p>{t('procedures.portal.available')}</p>
      <p>{t('procedures.portal.levelNeeded', { level: t(`procedures.level.${procedure.assuranceLevel}`) })}</p>
      <form method="get" action="/applications/new">
        <input type="hidden" name="procedure" value={`${procedure.lgCode}/${procedure.code}`} />
        <Button>{locale === 'en' ? 'Apply online' : 'オンラインで申請する'}</Button>
      </form>
    </>
  ) : procedure.acceptsGenericForm ? null : (
    <p>{t('procedures.portal.notYet')}</p>
  );
}
