// /dev/outbox: the mail a development installation would have sent, newest first, so a developer
// or a demo audience can follow a verification link without a mail server. It exists only when no
// SMTP server is configured and NODE_ENV is not production (app.ts decides).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../module.ts';
import { sendPage } from '../ui/render.tsx';
import { readOutbox, type OutboxEntry } from './transports.ts';

const PAGE_SIZE = 20;
const URL_PATTERN = /https?:\/\/[^\s<>"]+/g;

export async function outboxRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get<{ Querystring: { page?: string } }>('/dev/outbox', async (request, reply) => {
    const page = /^[1-9]\d{0,5}$/.test(request.query.page ?? '') ? Number(request.query.page) : 1;
    const entries = await readOutbox(ctx.db, ctx.sealer, { limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE });
    const { t } = request;
    return sendPage(
      reply,
      { title: t('outbox.title'), breadcrumbs: [[t('home.breadcrumb'), '/'], [t('outbox.title'), '/dev/outbox']] },
      <>
        <h1>{t('outbox.title')}</h1>
        <p class="notice-dev">{t('outbox.lead')}</p>
        {entries.length === 0 && <p>{t('outbox.empty')}</p>}
        {entries.slice(0, PAGE_SIZE).map((entry) => (
          <Message entry={entry} locale={request.locale} />
        ))}
        <nav aria-label={t('outbox.pages')} class="pager">
          {page > 1 && <a href={`/dev/outbox?page=${page - 1}`}>{t('outbox.newer')}</a>}
          {entries.length > PAGE_SIZE && <a href={`/dev/outbox?page=${page + 1}`}>{t('outbox.older')}</a>}
        </nav>
      </>,
    );
  });
}

function Message({ entry, locale }: { entry: OutboxEntry; locale: string }) {
  const links = [...new Set(entry.text.match(URL_PATTERN) ?? [])];
  return (
    <article class="mail" aria-labelledby={`mail-${entry.id}`}>
      <h2 id={`mail-${entry.id}`}>{entry.subject}</h2>
      <p class="muted">
        {entry.to} · <time datetime={entry.sentAt.toISOString()}>{entry.sentAt.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo' })}</time>
      </p>
      <pre class="mail-body">{entry.text}</pre>
      {links.length > 0 && (
        <ul>
          {links.map((href) => (
            <li>
              <a href={href}>{href}</a>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
