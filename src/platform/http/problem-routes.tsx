// Problem types are URLs (/problems/<slug>) that resolve to a page explaining the error, as
// RFC 9457 recommends for the "type" member.
import type { FastifyInstance } from 'fastify';
import { AppError, errorSlug, findErrorBySlug, PlatformErrors } from '../errors.ts';
import { sendPage } from '../ui/render.tsx';

export async function problemRoutes(app: FastifyInstance) {
  app.get<{ Params: { slug: string } }>('/problems/:slug', async (request, reply) => {
    const definition = findErrorBySlug(request.params.slug);
    if (!definition) throw new AppError(PlatformErrors.NOT_FOUND);
    const { t, locale } = request;
    return sendPage(
      reply,
      { title: definition.title[locale] },
      <>
        <h1>{definition.title[locale]}</h1>
        <dl class="summary-list">
          <div>
            <dt>{t('problem.code')}</dt>
            <dd>
              <code>{definition.code}</code>
            </dd>
          </div>
          <div>
            <dt>{t('problem.status')}</dt>
            <dd>{definition.status}</dd>
          </div>
          <div>
            <dt>{t('problem.type')}</dt>
            <dd>
              <code>/problems/{errorSlug(definition.code)}</code>
            </dd>
          </div>
        </dl>
      </>,
    );
  });
}
