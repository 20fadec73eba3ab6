// Per-request facts every handler needs: the language, the display preferences and the actor.
import type { FastifyRequest } from 'fastify';
import { defaultLocale, isLocale, translator, type Locale, type Translate } from '../i18n/i18n.ts';
import type { Actor } from '../authz/actor.ts';

export type TextSize = 'standard' | 'large' | 'x-large';
export type Contrast = 'standard' | 'high';

export interface Preferences {
  textSize: TextSize;
  contrast: Contrast;
}

export const PREFERENCE_COOKIES = { lang: 'tsn_lang', textSize: 'tsn_text', contrast: 'tsn_contrast' } as const;
export const textSizes: TextSize[] = ['standard', 'large', 'x-large'];
export const contrasts: Contrast[] = ['standard', 'high'];

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
    t: Translate;
    preferences: Preferences;
    actor: Actor;
  }
}

/** Language: the saved choice (cookie), else Japanese. APIs also honour Accept-Language. */
export function resolveLocale(request: FastifyRequest): Locale {
  const saved = request.cookies?.[PREFERENCE_COOKIES.lang];
  if (isLocale(saved)) return saved;
  const path = request.url.split('?')[0] ?? '';
  if (path.startsWith('/api/')) {
    const accept = request.headers['accept-language'] ?? '';
    const first = accept.split(',')[0]?.trim().slice(0, 2).toLowerCase();
    if (isLocale(first)) return first;
  }
  return defaultLocale;
}

export function resolvePreferences(request: FastifyRequest): Preferences {
  const text = request.cookies?.[PREFERENCE_COOKIES.textSize];
  const contrast = request.cookies?.[PREFERENCE_COOKIES.contrast];
  return {
    textSize: textSizes.includes(text as TextSize) ? (text as TextSize) : 'standard',
    contrast: contrasts.includes(contrast as Contrast) ? (contrast as Contrast) : 'standard',
  };
}

export function decorateRequestContext(request: FastifyRequest): void {
  request.locale = resolveLocale(request);
  request.t = translator(request.locale);
  request.preferences = resolvePreferences(request);
}
