// The NGSI-LD core @context (ETSI GS CIM 009 v1.9.1, annex B), built in. The broker never fetches
// it: every published version URL (…/ngsi-ld-core-context.jsonld, -v1.0 … -v1.9 and later 1.x)
// resolves to this copy, because the spec makes the core context implicit and immutable (clause
// 4.4) and a broker that depended on uri.etsi.org being reachable would fail every request when it
// is not.
import fs from 'node:fs';

export const CORE_CONTEXT_URL = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld';
/** The core context's fallback @vocab: user terms no @context defines expand under it. */
export const DEFAULT_VOCAB = 'https://uri.etsi.org/ngsi-ld/default-context/';
export const NGSI_LD_NAMESPACE = 'https://uri.etsi.org/ngsi-ld/';

const CORE_URL_PATTERN = /^https?:\/\/uri\.etsi\.org\/ngsi-ld\/v1\/ngsi-ld-core-context(?:-v1\.\d+(?:\.\d+)?)?\.jsonld$/;

/** True for any version alias of the core @context URL (http or https). */
export function isCoreContextUrl(url: string): boolean {
  return CORE_URL_PATTERN.test(url);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The annex B document, `{ "@context": { … } }`, frozen (callers clone before changing it). */
export const CORE_CONTEXT_DOCUMENT: { '@context': Record<string, unknown> } = deepFreeze(
  JSON.parse(fs.readFileSync(new URL('./ngsi-ld-core-context-v1.9.jsonld', import.meta.url), 'utf8')),
);
