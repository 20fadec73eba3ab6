// Development pages: the component gallery and an example form. Registered only when
// NODE_ENV is not production (src/app.ts), so they never appear on a live portal.
import type { FastifyInstance } from 'fastify';
import { formValues, formView } from '../form-errors.ts';
import { Panel } from '../components/panel/panel.tsx';
import { pageCsrfToken, sendPage } from '../render.tsx';
import { EXAMPLE_FORM_PATH, ExampleForm, validateExampleForm } from './example-form.tsx';
import { GalleryPage } from './gallery-page.tsx';

export async function galleryRoutes(app: FastifyInstance) {
  app.get('/dev/components', async (request, reply) => {
    const { t } = request;
    return sendPage(reply, { title: t('ui.gallery.title') }, (
      <>
        <h1>{t('ui.gallery.title')}</h1>
        <GalleryPage t={t} />
      </>
    ));
  });

  app.get(EXAMPLE_FORM_PATH, async (request, reply) => {
    const title = request.t('ui.gallery.form.title');
    return sendPage(reply, { title, backLink: { href: '/dev/components' } }, (
      <ExampleForm values={{}} errors={{}} locale={request.locale} csrfToken={pageCsrfToken(reply)} />
    ));
  });

  app.post(EXAMPLE_FORM_PATH, { preHandler: app.csrfProtection }, async (request, reply) => {
    const values = formValues(request.body);
    const errors = validateExampleForm(values);
    const form = formView({ values, errors }, request.locale);
    if (!form.hasErrors) return reply.redirect(`${EXAMPLE_FORM_PATH}/complete`, 303);
    // 422: the same page, its title starting with 「エラー：」, the summary first in main.
    return sendPage(
      reply,
      { title: request.t('ui.gallery.form.title'), status: 422, errorSummary: form.errorSummary, backLink: { href: '/dev/components' } },
      <ExampleForm values={values} errors={errors} locale={request.locale} csrfToken={pageCsrfToken(reply)} />,
    );
  });

  app.get(`${EXAMPLE_FORM_PATH}/complete`, async (request, reply) => {
    const { t } = request;
    return sendPage(reply, { title: t('ui.gallery.form.complete') }, (
      <>
        <Panel title={t('ui.gallery.form.complete')}>{t('ui.gallery.form.completeBody')}</Panel>
        <p>
          <a href="/dev/components">{t('ui.gallery.title')}</a>
        </p>
      </>
    ));
  });
}
