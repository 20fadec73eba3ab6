// Static assets: our stylesheets, the components' scripts, the Digital Agency design tokens and
// the Noto Sans JP web font,
// all served from this repository or installed packages (nothing is fetched from the internet,
// so pages look the same on a closed government network).
//
// The font comes from @fontsource/noto-sans-jp, split by the package into unicode-range subsets
// so a browser downloads only the pieces a page uses. Only weights 400 and 700 (the two the
// design tokens use) and only woff2 are served. The files that may be served are listed once at
// start from the package directory; a request names one of them or gets a 404, so no path a
// client sends ever reaches the file system.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const ONE_DAY = 'public, max-age=86400';
// Font URLs carry the package version, so a new version is a new URL and the old one can be
// cached for good.
const IMMUTABLE = 'public, max-age=31536000, immutable';

export const FONT_WEIGHTS = [400, 700] as const;
const FONT_FILE = /^noto-sans-jp-[a-z0-9]+(?:-[a-z]+)?-(400|700)-normal\.woff2$/;

const fontPackageDir = path.dirname(require.resolve('@fontsource/noto-sans-jp/package.json'));
const fontVersion = (JSON.parse(fs.readFileSync(path.join(fontPackageDir, 'package.json'), 'utf8')) as { version: string }).version;

const assets: Record<string, { file: string; type: string }> = {
  'app.css': { file: path.join(here, 'assets', 'app.css'), type: CSS },
  'components.css': { file: path.join(here, 'assets', 'components.css'), type: CSS },
  'favicon.svg': { file: path.join(here, 'assets', 'favicon.svg'), type: 'image/svg+xml' },
  'tokens.css': { file: require.resolve('@digital-go-jp/design-tokens/dist/tokens.css'), type: CSS },
};

const componentsDir = path.join(here, 'components');

/**
 * The components' browser scripts, by their path under components/ ("error-summary/error-summary.js"),
 * served at /assets/components/<path> so the scripts' relative imports work unchanged. Listed once
 * at start, like the fonts: a request names one of them or gets a 404.
 */
export function componentScripts(dir = componentsDir, prefix = ''): Map<string, string> {
  const scripts = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const relative = `${prefix}${entry.name}`;
    if (entry.isDirectory() && entry.name !== 'test') {
      for (const [name, file] of componentScripts(path.join(dir, entry.name), `${relative}/`)) scripts.set(name, file);
    } else if (entry.isFile() && entry.name.endsWith('.js')) {
      scripts.set(relative, path.join(dir, entry.name));
    }
  }
  return scripts;
}

/** The one script every page loads; it starts each component's enhancement. */
export const ENHANCE_SCRIPT = '/assets/components/enhance.js';

/** The stylesheet URL for the web font, versioned with the font package. */
export const FONT_STYLESHEET = `/assets/fonts/noto-sans-jp.css?v=${fontVersion}`;

/** The woff2 files the font stylesheet may point to (weights 400 and 700 only). */
export function servableFontFiles(): Set<string> {
  return new Set(fs.readdirSync(path.join(fontPackageDir, 'files')).filter((name) => FONT_FILE.test(name)));
}

/**
 * One stylesheet with the package's @font-face rules for 400 and 700, pointed at our URLs and
 * at woff2 only (every browser we support reads it; the woff fallback would only add bytes).
 */
export async function buildFontStylesheet(files: Set<string>): Promise<string> {
  const parts: string[] = [];
  for (const weight of FONT_WEIGHTS) {
    const css = await fsp.readFile(path.join(fontPackageDir, `${weight}.css`), 'utf8');
    parts.push(
      css.replace(/src:\s*([^;]+);/g, (whole, sources: string) => {
        const woff2 = /url\(\.\/files\/([^)]+\.woff2)\)/.exec(sources)?.[1];
        if (!woff2 || !files.has(woff2)) throw new Error(`Font stylesheet ${weight}.css names a file we do not serve: ${whole}`);
        return `src: url(/assets/fonts/${woff2}?v=${fontVersion}) format('woff2');`;
      }),
    );
  }
  return `/* Noto Sans JP ${fontVersion} (SIL Open Font License 1.1), from @fontsource/noto-sans-jp */\n${parts.join('\n')}`;
}

export async function assetRoutes(app: FastifyInstance) {
  const cache = new Map<string, Buffer>();

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = Object.hasOwn(assets, request.params.name) ? assets[request.params.name] : undefined;
    if (!asset) return reply.callNotFound();
    let body = cache.get(request.params.name);
    if (!body) {
      body = await fsp.readFile(asset.file);
      cache.set(request.params.name, body);
    }
    return reply.type(asset.type).header('cache-control', ONE_DAY).send(body);
  });

  const scripts = componentScripts();
  app.get<{ Params: { '*': string } }>('/assets/components/*', async (request, reply) => {
    const file = scripts.get(request.params['*']);
    if (!file) return reply.callNotFound();
    let body = cache.get(`components/${request.params['*']}`);
    if (!body) {
      body = await fsp.readFile(file);
      cache.set(`components/${request.params['*']}`, body);
    }
    return reply.type(JS).header('cache-control', ONE_DAY).send(body);
  });

  fontRoutes(app);
}

/**
 * The web font at /assets/fonts/…: the stylesheet (FONT_STYLESHEET) and its woff2 files. Also
 * served by the demo's own service (src/demo/service), which must work offline like the rest.
 */
export function fontRoutes(app: FastifyInstance): void {
  const fontFiles = servableFontFiles();
  let fontCss: Promise<string> | undefined;
  app.get('/assets/fonts/noto-sans-jp.css', async (_request, reply) => {
    fontCss ??= buildFontStylesheet(fontFiles);
    return reply.type(CSS).header('cache-control', ONE_DAY).send(await fontCss);
  });

  app.get<{ Params: { file: string } }>('/assets/fonts/:file', async (request, reply) => {
    const { file } = request.params;
    if (!fontFiles.has(file)) return reply.callNotFound();
    // Read from the listed name only; the Set lookup above is what keeps paths out.
    const body = await fsp.readFile(path.join(fontPackageDir, 'files', file));
    return reply.type('font/woff2').header('cache-control', IMMUTABLE).send(body);
  });
}
