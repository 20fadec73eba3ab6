// Static assets: our stylesheet and the Digital Agency design tokens, served from the installed
// package (nothing is fetched from the internet). Cached for a day; names are stable.
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const assets: Record<string, { file: string; type: string }> = {
  'app.css': { file: path.join(here, 'assets', 'app.css'), type: 'text/css; charset=utf-8' },
  'tokens.css': { file: require.resolve('@digital-go-jp/design-tokens/dist/tokens.css'), type: 'text/css; charset=utf-8' },
};

export async function assetRoutes(app: FastifyInstance) {
  const cache = new Map<string, Buffer>();
  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = assets[request.params.name];
    if (!asset) return reply.callNotFound();
    let body = cache.get(request.params.name);
    if (!body) {
      body = await fs.readFile(asset.file);
      cache.set(request.params.name, body);
    }
    return reply.type(asset.type).header('cache-control', 'public, max-age=86400').send(body);
  });
}
