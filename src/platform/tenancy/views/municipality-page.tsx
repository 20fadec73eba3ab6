import type { FastifyRequest } from 'fastify';
import type { Tenant, Zone } from '../tenant-directory.ts';

interface Props {
  request: FastifyRequest;
  tenant: Tenant;
  prefecture: Tenant | undefined;
  zone: Zone | undefined;
}

export function MunicipalityPage({ request, tenant, prefecture, zone }: Props) {
  const { t, locale } = request;
  const other = locale === 'ja' ? 'en' : 'ja';
  const { contact } = tenant;
  const address = locale === 'ja' ? contact.addressJa : contact.addressEn ?? contact.addressJa;
  const hasContact = Boolean(contact.phone || contact.email || contact.website || address);
  return (
    <>
      <h1>
        {tenant.name[locale]}
        <span class="subtitle" lang={other}>
          {tenant.name[other]}
        </span>
      </h1>
      <dl class="summary-list">
        <div>
          <dt>{t('municipality.lgCode')}</dt>
          <dd>{tenant.lgCode}</dd>
        </div>
        {prefecture && (
          <div>
            <dt>{t('municipality.prefecture')}</dt>
            <dd>{prefecture.name[locale]}</dd>
          </div>
        )}
        <div>
          <dt>{t('municipality.zone')}</dt>
          <dd>{zone ? zone.name[locale] : t('municipality.noZone')}</dd>
        </div>
      </dl>
      <h2>{t('municipality.procedures')}</h2>
      <ul>
        <li>
          <a href={`/life-events?municipality=${tenant.lgCode}`}>{t('municipality.procedures.lifeEvents', { name: tenant.name[locale] })}</a>
        </li>
        <li>
          <a href={`/procedures?municipality=${tenant.lgCode}`}>{t('municipality.procedures.search', { name: tenant.name[locale] })}</a>
        </li>
      </ul>
      <h2>{t('municipality.contact')}</h2>
      {hasContact ? (
        <dl class="summary-list">
          {address && (
            <div>
              <dt>{t('municipality.address')}</dt>
              <dd>{address}</dd>
            </div>
          )}
          {contact.phone && (
            <div>
              <dt>{t('municipality.phone')}</dt>
              <dd>
                <a href={`tel:${contact.phone}`}>{contact.phone}</a>
              </dd>
            </div>
          )}
          {contact.email && (
            <div>
              <dt>{t('municipality.email')}</dt>
              <dd>
                <a href={`mailto:${contact.email}`}>{contact.email}</a>
              </dd>
            </div>
          )}
          {contact.website && (
            <div>
              <dt>{t('municipality.website')}</dt>
              <dd>
                <a href={contact.website} rel="noopener">
                  {contact.website}
                </a>
              </dd>
            </div>
          )}
        </dl>
      ) : (
        <p>{t('municipality.noContact')}</p>
      )}
      <p>
        <a href="/">{t('municipality.back')}</a>
      </p>
    </>
  );
}
