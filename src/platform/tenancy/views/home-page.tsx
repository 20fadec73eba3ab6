import type { FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import type { TenantTree } from '../tenant-directory.ts';

/** `sections`: what modules add (home-sections.ts), shown after the lead. */
export function HomePage({ request, trees, sections = [] }: { request: FastifyRequest; trees: TenantTree[]; sections?: ComponentChildren[] }) {
  const { t, locale } = request;
  // English says "1 municipality" but "8 municipalities"; Japanese has one form (the "other" key).
  const plural = new Intl.PluralRules(locale);
  if (trees.length === 0) {
    return (
      <>
        <h1>{t('home.title')}</h1>
        <p>{t('home.empty')}</p>
      </>
    );
  }
  return (
    <>
      <h1>{t('home.title')}</h1>
      <p class="lead">{t('home.lead')}</p>
      {sections}
      {/* The procedures module's public pages (plain links: the platform imports no module). */}
      <section aria-labelledby="home-procedures">
        <h2 id="home-procedures">{t('home.procedures')}</h2>
        <ul>
          <li>
            <a href="/life-events">{t('home.procedures.lifeEvents')}</a>
          </li>
          <li>
            <a href="/procedures">{t('home.procedures.search')}</a>
          </li>
          <li>
            <a href="/reservations">{t('home.procedures.reservations')}</a>
          </li>
        </ul>
      </section>
      {trees.map((tree) => (
        <section class="prefecture" aria-labelledby={`pref-${tree.prefecture.lgCode}`}>
          <h2 id={`pref-${tree.prefecture.lgCode}`}>
            {t('home.municipalitiesOf', { prefecture: tree.prefecture.name[locale] })}
          </h2>
          <div class="zone-grid">
            {tree.zones.map((zone) => (
              <section class="zone" aria-labelledby={`zone-${tree.prefecture.lgCode}-${zone.id}`}>
                <h3 id={`zone-${tree.prefecture.lgCode}-${zone.id}`}>
                  {t('home.zone', { zone: zone.name[locale] })}
                  <span class="count">{t(`home.count.${plural.select(zone.municipalities.length)}`, { count: zone.municipalities.length })}</span>
                </h3>
                <ul class="municipality-list">
                  {zone.municipalities.map((m) => (
                    <li>
                      <a href={`/municipalities/${m.lgCode}`}>{m.name[locale]}</a>
                    </li>
                  ))}
                </ul>
              </section>
            ))}
            {tree.unzoned.length > 0 && (
              <section class="zone" aria-labelledby={`zone-${tree.prefecture.lgCode}-none`}>
                <h3 id={`zone-${tree.prefecture.lgCode}-none`}>{t('home.unzoned')}</h3>
                <ul class="municipality-list">
                  {tree.unzoned.map((m) => (
                    <li>
                      <a href={`/municipalities/${m.lgCode}`}>{m.name[locale]}</a>
                    </li>
                  ))}
                </ul>
              </section>
            )}
          </div>
        </section>
      ))}
    </>
  );
}
