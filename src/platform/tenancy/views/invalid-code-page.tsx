// The page a person sees after following or typing a municipality address with a mistyped code
// (/municipalities/072037). Beyond the error itself it explains what the sixth digit is and, when
// only the check digit is wrong, offers the municipality the first five digits point to.
import type { FastifyRequest } from 'fastify';
import type { Tenant } from '../tenant-directory.ts';

interface Props {
  request: FastifyRequest;
  title: string;
  detail: string | undefined;
  /** The tenant whose code has the same first five digits, if there is one. */
  suggestion: Tenant | undefined;
}

export function InvalidCodePage({ request, title, detail, suggestion }: Props) {
  const { t, locale } = request;
  return (
    <>
      <h1>{title}</h1>
      {detail && <p>{detail}</p>}
      <p>{t('municipality.invalidCode.explain')}</p>
      {suggestion && (
        <p>
          {t('municipality.invalidCode.didYouMean')}{' '}
          <a href={`/municipalities/${suggestion.lgCode}`}>
            {t('municipality.nameWithCode', { name: suggestion.name[locale], code: suggestion.lgCode })}
          </a>
        </p>
      )}
      <p>
        <a href="/">{t('municipality.back')}</a>
      </p>
    </>
  );
}
