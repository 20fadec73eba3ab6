// The stand-in inside a development server, under /dev/gbizid-standin, so `npm start` lets a
// business log in with no GビズID contract and no internet. Never in production (config.ts
// refuses TSUNAGU_GBIZID_STANDIN there). Built on first use: servers that never see a business
// login pay nothing for it.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createStandin, type Standin, type StandinClient } from './standin-issuer.ts';

export const STANDIN_PATH = '/dev/gbizid-standin';

export async function mountStandin(app: FastifyInstance, options: { publicUrl: string; trustProxy: boolean; client: StandinClient }): Promise<string> {
  const issuer = `${options.publicUrl}${STANDIN_PATH}`;
  let standin: Promise<Standin> | undefined;
  const started = () => {
    standin ??= createStandin({ issuer, clients: [options.client], trustProxy: options.trustProxy, onError: (error) => app.log.warn({ err: error }, 'GビズID stand-in error') }).catch((error: unknown) => {
      standin = undefined;
      throw error;
    });
    return standin;
  };
  // oidc-provider reads its own request bodies, so this part of the server parses none.
  await app.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const handOver = async (request: FastifyRequest, reply: FastifyReply) => {
      const target = await started();
      // Our security headers go onto the raw response the stand-in writes.
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value as string);
      // oidc-provider finds its mount path by comparing originalUrl with url (as under Express).
      const raw = request.raw as IncomingMessage & { originalUrl?: string };
      raw.originalUrl = raw.url;
      const rest = (raw.url ?? '/').slice(STANDIN_PATH.length);
      raw.url = rest.startsWith('/') ? rest : `/${rest}`;
      reply.hijack();
      target.handle(raw, reply.raw);
    };
    child.all(STANDIN_PATH, handOver);
    child.all(`${STANDIN_PATH}/*`, handOver);
  });
  return issuer;
}
