// Just the part of the `jsonld` package (digitalbazaar, CommonJS, no bundled types) that the broker
// uses: context processing. @types/jsonld does not declare processContext, so we declare it here.
declare module 'jsonld' {
  /** jsonld.js's processed ("active") context. Internal but stable across major versions. */
  export interface JsonLdActiveContext {
    '@vocab'?: string | null;
    mappings: Map<string, JsonLdTermMapping | null>;
    protected: Record<string, boolean>;
  }
  export interface JsonLdTermMapping {
    '@id'?: string | null;
    '@type'?: string;
    '@container'?: string[];
    '@context'?: unknown;
    reverse?: boolean;
    protected?: boolean;
    _prefix?: boolean;
    _termHasColon?: boolean;
  }
  export interface JsonLdRemoteDocument {
    contextUrl: string | null;
    documentUrl: string;
    document: unknown;
    tag?: string;
  }
  export interface JsonLdProcessOptions {
    documentLoader?: (url: string) => Promise<JsonLdRemoteDocument>;
    base?: string;
  }
  interface JsonLd {
    processContext(
      activeCtx: JsonLdActiveContext | null,
      localCtx: unknown,
      options?: JsonLdProcessOptions,
    ): Promise<JsonLdActiveContext>;
  }
  const jsonld: JsonLd;
  export default jsonld;
}
