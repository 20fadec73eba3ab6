// The demo core system (基幹システム) of the demo municipalities: it takes deliveries from Tsunagu
// (POST /deliveries), checks each one as verify-delivery.ts describes, keeps it once per delivery
// id and shows what arrived on a small page, so a municipality watching the demo sees its
// applications land. It is a separate process with its own memory, like a real core system.
//   POST /deliveries               Bearer token of a municipality; Tsunagu-Signature; JSON body
//   GET  /                         the page: what arrived, newest first
//   GET  /deliveries/{id}          one delivery's answers (page), .json (envelope without the PDF), .pdf
//   GET  /api/received             every delivery as JSON (for tests and scripts)
// Test switches: failFirst answers 500 to the first N posts before looking at them; loseAckFirst
// stores the first N new deliveries and then answers 500, as if the answer were lost on the way.
import { timingSafeEqual, X509Certificate } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';
import { FONT_STYLESHEET, fontRoutes } from '../../platform/ui/assets-routes.ts';
import { DeliveryRejected, verifyDelivery } from './verify-delivery.ts';
import { ReceiverStore, type Received } from './receiver-store.ts';

export interface ReceiverOptions {
  /** Bearer token per municipality code. */
  tokens: Record<string, string>;
  /** PEM of the CA whose certificates may sign (the TEST LGPKI CA in the demo). */
  trustAnchor: string;
  storeDir?: string;
  delayMs?: number;
  failFirst?: number;
  loseAckFirst?: number;
}

const JST = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', dateStyle: 'medium', timeStyle: 'medium' });

function lgCodeOfToken(tokens: Record<string, string>, header: string | undefined): string | undefined {
  const given = Buffer.from(/^Bearer (\S+)$/.exec(header ?? '')?.[1] ?? '');
  return Object.entries(tokens).find(([, token]) => {
    const expected = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  })?.[0];
}

function Page(props: { title: string; children: ComponentChildren }) {
  return (
    <html lang="ja">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} | デモ基幹システム`}</title>
        <link rel="stylesheet" href={FONT_STYLESHEET} />
        <style>{'body{font-family:\'Noto Sans JP\',sans-serif;margin:2rem;max-width:70rem;color:#1a1a1a}table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #999;padding:.4rem;text-align:left;vertical-align:top}caption{text-align:left;font-weight:bold;padding:.4rem 0}.ok{color:#0a6b2d;font-weight:bold}'}</style>
      </head>
      <body>
        <p>デモ基幹システム（受信側）— Demo core system (receiver). TEST ONLY.</p>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

const html = (node: ComponentChildren) => `<!doctype html>${render(<>{node}</>)}`;

export function buildReceiverApp(options: ReceiverOptions): { app: FastifyInstance; store: ReceiverStore } {
  const trustAnchor = new X509Certificate(options.trustAnchor);
  const store = new ReceiverStore(options.storeDir);
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  // The page is Japanese: the shipped font, so it reads on a machine without one (and offline).
  fontRoutes(app);
  let posts = 0;
  let lostAcks = 0;

  app.post('/deliveries', async (request, reply) => {
    posts += 1;
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    if (posts <= (options.failFirst ?? 0)) return reply.code(500).send({ error: 'the core system is busy (test switch failFirst)' });
    const lgCode = lgCodeOfToken(options.tokens, request.headers.authorization);
    if (!lgCode) return reply.code(401).send({ error: 'unknown bearer token' });
    if (!Buffer.isBuffer(request.body)) return reply.code(415).send({ error: 'send application/json' });
    try {
      const verified = verifyDelivery({
        body: request.body,
        signature: request.headers['tsunagu-signature'] as string | undefined,
        deliveryIdHeader: request.headers['tsunagu-delivery-id'] as string | undefined,
        lgCode,
        trustAnchor,
      });
      const { copy, ...envelope } = verified.envelope;
      const { stored, received } = store.add({ deliveryId: verified.deliveryId, lgCode, signer: verified.signer, envelope: { ...envelope, copy: { ...copy, data: verified.pdf.toString('base64') } } });
      if (stored && lostAcks < (options.loseAckFirst ?? 0)) {
        lostAcks += 1;
        return reply.code(500).send({ error: 'stored, but the answer is lost (test switch loseAckFirst)' });
      }
      return reply.code(200).send({ status: stored ? 'stored' : 'duplicate', deliveryId: received.deliveryId, receivedAt: received.receivedAt });
    } catch (error) {
      if (error instanceof DeliveryRejected) return reply.code(error.status).send({ error: error.message });
      throw error;
    }
  });

  const summary = (r: Received) => ({
    deliveryId: r.deliveryId,
    lgCode: r.lgCode,
    receivedAt: r.receivedAt,
    arrivals: r.arrivals,
    signer: r.signer,
    receiptNumber: r.envelope.application?.receiptNumber,
    applicationId: r.envelope.application?.id,
    procedure: r.envelope.application?.procedure?.code,
  });

  app.get('/api/received', async () => ({ items: store.all().map(summary) }));
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/', async (_request, reply) => {
    const items = store.all();
    return reply.type('text/html; charset=utf-8').send(html(
      <Page title="受信した申請">
        <h1>受信した申請</h1>
        <p>つなぐから届いた申請です。署名（TEST LGPKI CA が発行した市町村の証明書）を確認し、配信IDごとに一度だけ保存しています。</p>
        {items.length === 0 ? (
          <p>まだ届いていません。</p>
        ) : (
          <table>
            <caption>{`${items.length}件`}</caption>
            <thead>
              <tr><th>受信日時</th><th>団体</th><th>受付番号</th><th>手続</th><th>署名</th><th>受信回数</th><th>写し</th></tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.deliveryId}>
                  <td>{JST.format(new Date(r.receivedAt))}</td>
                  <td>{`${r.envelope.municipality?.name ?? ''}（${r.lgCode}）`}</td>
                  <td><a href={`/deliveries/${r.deliveryId}`}>{r.envelope.application?.receiptNumber}</a></td>
                  <td>{r.envelope.application?.procedure?.title}</td>
                  <td class="ok">確認済み</td>
                  <td>{r.arrivals}</td>
                  <td><a href={`/deliveries/${r.deliveryId}.pdf`}>PDF</a></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Page>,
    ));
  });

  app.get<{ Params: { file: string } }>('/deliveries/:file', async (request, reply) => {
    const match = /^([0-9a-f-]{36})(\.json|\.pdf)?$/.exec(request.params.file);
    const found = match ? store.get(match[1]!) : undefined;
    if (!match || !found) return reply.code(404).type('text/plain; charset=utf-8').send('見つかりません / not found');
    const { copy, ...envelope } = found.envelope;
    if (match[2] === '.pdf') return reply.type('application/pdf').header('content-disposition', `inline; filename="${encodeURIComponent(copy.filename)}"`).send(Buffer.from(copy.data, 'base64'));
    if (match[2] === '.json') return { ...envelope, copy: { ...copy, data: undefined }, receivedAt: found.receivedAt, arrivals: found.arrivals, signer: found.signer };
    const application = envelope.application ?? {};
    return reply.type('text/html; charset=utf-8').send(html(
      <Page title={application.receiptNumber}>
        <p><a href="/">← 受信した申請</a></p>
        <h1>{`${application.procedure?.title}（${application.receiptNumber}）`}</h1>
        <table>
          <caption>申請内容</caption>
          <tbody>
            {(envelope.readable as Array<{ key: string; label: string; value: string }>).map((r) => (
              <tr key={r.key}><th scope="row">{r.label}</th><td style="white-space:pre-line">{r.value}</td></tr>
            ))}
          </tbody>
        </table>
        <p>{`配信ID ${found.deliveryId} ／ 署名者 ${found.signer.subject}`}</p>
        <p><a href={`/deliveries/${found.deliveryId}.pdf`}>申請書の写し（PDF）</a> ／ <a href={`/deliveries/${found.deliveryId}.json`}>JSON</a></p>
      </Page>,
    ));
  });

  return { app, store };
}
